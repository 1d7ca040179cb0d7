"""Raw form fields of a PDF, read with a lean walk of `/AcroForm` (pikepdf, read-only).

What returns look like (returns.md): a radio value may sit in the group's `/V` as a name
or as a text string "/2", only in a kid's `/AS`, or in a kid that carries its own
`/T` and `/V` (macOS Preview); values arrive as UTF-16BE or PDFDocEncoding strings;
appearance streams may be missing or stale, so only `/V` and `/AS` are data. This module
records all of it as found, without deciding; `mapping` decides and reports conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pikepdf

MAX_DEPTH = 32  # a field tree deeper than this is broken or hostile
MAX_FIELDS = 20_000


@dataclass
class Widget:
    """One widget of a button field: its on-state, its current `/AS`, and a `/V` of its own."""

    on_state: str | None
    state: str | None
    own_value: str | None = None


@dataclass
class RawField:
    name: str  # fully qualified: parent names joined with "."
    kind: str  # Tx, Btn, Ch, Sig or "" (no /FT anywhere up the tree)
    flags: int = 0
    value: str | None = None  # /V as text; a name without its slash
    value_is_name: bool = False
    widgets: list[Widget] = field(default_factory=list)
    signed: bool = False  # a /Sig field whose /V is a signature dictionary
    orphan: bool = False  # a widget with /T found on a page but not in the field tree

    @property
    def is_radio(self) -> bool:
        return self.kind == "Btn" and bool(self.flags & (1 << 15))


class FieldTreeError(ValueError):
    """The field tree is broken beyond reading (too deep, too big)."""


def text_of(string: pikepdf.String) -> str:
    """A PDF text string as str; bytes that are not valid text become U+FFFD (REPLACEMENT).

    Decoded here, not by pikepdf, when it has a byte-order mark: pikepdf raises
    UnicodeDecodeError for a UTF-8 BOM followed by invalid UTF-8, and silently drops an odd
    last byte or a lone surrogate of UTF-16, so a damaged value would read as a shorter one.
    """
    raw = bytes(string)
    for bom, codec in ((b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"), (b"\xef\xbb\xbf", "utf-8")):
        if raw.startswith(bom):
            return raw[len(bom):].decode(codec, "replace")
    return str(string)  # PDFDocEncoding: every byte is a character


def name_text(name: pikepdf.Name) -> str:
    """A name without its slash. pikepdf raises UnicodeDecodeError for a name whose bytes
    are not UTF-8 (/Tx#ff): such a name stays #xx-escaped, as written in the file."""
    try:
        return str(name)[1:]
    except UnicodeDecodeError:
        return bytes(name.unparse()).decode("ascii", "replace")[1:]


def as_text(obj: pikepdf.Object | None) -> tuple[str | None, bool]:
    """A /V or /AS as text, and whether it was a name."""
    if obj is None:
        return None, False
    if isinstance(obj, pikepdf.Name):
        return name_text(obj), True
    if isinstance(obj, pikepdf.String):
        return text_of(obj), False
    if isinstance(obj, pikepdf.Array):
        parts = [as_text(x)[0] for x in obj]
        return "\n".join(p for p in parts if p is not None), False
    if isinstance(obj, (int, float, Decimal)):  # a number typed where text was expected
        return str(obj), False
    return None, False


def _on_state(widget: pikepdf.Dictionary) -> str | None:
    ap = widget.get("/AP")
    normal = ap.get("/N") if isinstance(ap, pikepdf.Dictionary) else None
    if isinstance(normal, pikepdf.Dictionary):
        for key in normal.keys():
            if key != "/Off":
                return key[1:]
    return None


def _inherited(node: pikepdf.Dictionary, key: str, depth: int = 0) -> pikepdf.Object | None:
    while node is not None and depth < MAX_DEPTH:
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent if isinstance(parent, pikepdf.Dictionary) else None
        depth += 1
    return None


class _Walker:
    def __init__(self) -> None:
        self.fields: dict[str, RawField] = {}
        self.seen: set[tuple[int, int]] = set()

    def visit(self, node: pikepdf.Object, prefix: str, depth: int) -> None:
        if not isinstance(node, pikepdf.Dictionary):
            return
        if depth > MAX_DEPTH:
            raise FieldTreeError(f"the form's field tree is nested more than {MAX_DEPTH} levels deep")
        key = node.objgen
        if key != (0, 0):
            if key in self.seen:
                return  # a reference loop or a shared kid: each node counts once
            self.seen.add(key)
        if len(self.seen) > MAX_FIELDS:
            raise FieldTreeError(f"the form has more than {MAX_FIELDS} fields and widgets")
        partial = node.get("/T")
        name = prefix
        if partial is not None:
            part = as_text(partial)[0] or ""
            name = f"{prefix}.{part}" if prefix else part
        kids = node.get("/Kids")
        named_kids = [k for k in kids if isinstance(k, pikepdf.Dictionary) and "/T" in k] \
            if isinstance(kids, pikepdf.Array) else []
        if partial is not None:
            self.add(node, name, kids if isinstance(kids, pikepdf.Array) else None)
        for kid in named_kids:
            self.visit(kid, name, depth + 1)

    def add(self, node: pikepdf.Dictionary, name: str, kids: pikepdf.Array | None, orphan: bool = False) -> None:
        ft = _inherited(node, "/FT")
        flags = _inherited(node, "/Ff")
        value, is_name = as_text(node.get("/V"))
        raw = RawField(name=name, kind=name_text(ft) if isinstance(ft, pikepdf.Name) else "",
                       flags=int(flags) if isinstance(flags, int) else 0, value=value,
                       value_is_name=is_name, orphan=orphan)
        if raw.kind == "Sig":
            raw.signed = isinstance(node.get("/V"), pikepdf.Dictionary)
            raw.value = None
        widgets = [k for k in kids if isinstance(k, pikepdf.Dictionary) and "/T" not in k] \
            if kids is not None else []
        if not widgets and node.get("/Subtype") == "/Widget":
            widgets = [node]
        if raw.kind == "Btn":
            for w in widgets:
                if isinstance(w, pikepdf.Dictionary) and w.objgen != (0, 0):
                    self.seen.add(w.objgen)
                raw.widgets.append(Widget(_on_state(w), as_text(w.get("/AS"))[0],
                                          as_text(w.get("/V"))[0] if w is not node else None))
        if name in self.fields:
            name = f"{name}#{len(self.fields)}"  # two fields of one name: keep both, flag later
            raw.name = name
        self.fields[name] = raw


def read_fields(pdf: pikepdf.Pdf) -> dict[str, RawField]:
    """Every field by fully qualified name; an empty dict when the PDF has no form."""
    walker = _Walker()
    acroform = pdf.Root.get("/AcroForm")
    roots = acroform.get("/Fields") if isinstance(acroform, pikepdf.Dictionary) else None
    if isinstance(roots, pikepdf.Array):
        for node in roots:
            walker.visit(node, "", 0)
    # Widgets that name themselves but hang off no field tree (a Preview save can leave
    # the chosen radio kid so): read them too, marked as orphans.
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        for annot in annots:
            if (isinstance(annot, pikepdf.Dictionary) and annot.get("/Subtype") == "/Widget"
                    and "/T" in annot and annot.objgen not in walker.seen):
                walker.seen.add(annot.objgen)
                parent = annot.get("/Parent")
                prefix = as_text(parent.get("/T"))[0] or "" if isinstance(parent, pikepdf.Dictionary) else ""
                part = as_text(annot.T)[0] or ""
                walker.add(annot, f"{prefix}.{part}" if prefix else part, None, orphan=True)
    return walker.fields
