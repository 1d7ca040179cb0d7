"""Form data exported from a viewer (Acrobat's "Export data"): XFDF and FDF.

Both carry only names and values, no types: they become `RawField`s of kind "" that
`mapping` reads with the document's field specs, exactly like a PDF's fields. The
identity field travels with them, which is how an export finds its form.

- XFDF is XML (namespace http://ns.adobe.com/xfdf/), nested `<field name>` elements for
  dotted names, `&#x…;` references, CR line breaks, "Off" for an unset radio group.
  Python's expat refuses external entities and entity-expansion bombs.
- FDF is PDF object syntax without a page tree (qpdf will not open it), often without a
  cross-reference table (pypdf's reader wants one): its objects are read one by one with
  pypdf's object parser, strings decoded as UTF-16BE or PDFDocEncoding.
"""

from __future__ import annotations

import io
import logging
import re
import xml.etree.ElementTree as ET
from typing import Any

from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, read_object

from pipeline.read.pdf_fields import RawField

XFDF_NS = "{http://ns.adobe.com/xfdf/}"
MAX_DEPTH = 32


class ExportError(ValueError):
    """The export cannot be read; the message says why."""


def looks_like_xfdf(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<?xml") or head.startswith(b"<xfdf")


def looks_like_fdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(b"%FDF-")


def _field(name: str, value: str | None) -> RawField:
    return RawField(name=name, kind="", value=value)


def read_xfdf(data: bytes) -> dict[str, RawField]:
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: an unknown declared encoding
        raise ExportError(f"is not well-formed XFDF ({exc})") from exc
    if root.tag not in (f"{XFDF_NS}xfdf", "xfdf"):
        raise ExportError("is XML but not XFDF (its root element is not <xfdf>)")
    fields: dict[str, RawField] = {}

    def walk(element: ET.Element, prefix: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ExportError(f"nests fields more than {MAX_DEPTH} levels deep")
        for child in element:
            if child.tag.removeprefix(XFDF_NS) != "field":
                continue
            name = child.get("name", "")
            full = f"{prefix}.{name}" if prefix else name
            values = [v.text or "" for v in child if v.tag.removeprefix(XFDF_NS) in ("value", "value-richtext")]
            if values:
                fields[full] = _field(full, "\n".join(values))
            walk(child, full, depth + 1)

    for section in root:
        if section.tag.removeprefix(XFDF_NS) == "fields":
            walk(section, "", 0)
    return fields


class _Objects(dict):
    """FDF objects by (number, generation); pypdf resolves references through it.

    pypdf's parser also asks it whether to be strict about damaged syntax: yes, so that a
    damaged FDF raises PdfReadError instead of taking the lenient paths, which need a real
    PdfReader (its cross-reference table)."""

    strict = True

    def get_object(self, ref: IndirectObject) -> Any:
        return self.get((ref.idnum, ref.generation))


def _resolve(obj: Any, objects: _Objects) -> Any:
    return objects.get_object(obj) if isinstance(obj, IndirectObject) else obj


def _text(obj: Any) -> str | None:
    if obj is None:
        return None
    if isinstance(obj, NameObject):
        return str(obj)[1:]
    if isinstance(obj, ArrayObject):
        return "\n".join(str(x) for x in obj)
    return str(obj)


def read_fdf(data: bytes) -> dict[str, RawField]:
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged syntax is reported, not logged
    objects = _Objects()
    try:
        for match in re.finditer(rb"(\d{1,10})\s+(\d{1,5})\s+obj\s*", data):
            stream = io.BytesIO(data)
            stream.seek(match.end())
            objects[(int(match.group(1)), int(match.group(2)))] = read_object(stream, objects)
    except (PyPdfError, ValueError, TypeError, RecursionError) as exc:  # PyPdfError: also LimitReachedError
        raise ExportError(f"is not a readable FDF file ({str(exc)[:200]})") from exc
    trailer = re.search(rb"trailer\s*<<.*?/Root\s+(\d+)\s+(\d+)\s+R", data, re.S)
    root = objects.get((int(trailer.group(1)), int(trailer.group(2)))) if trailer else None
    if root is None:  # no trailer: the first object holding /FDF
        root = next((o for o in objects.values() if isinstance(o, DictionaryObject) and "/FDF" in o), None)
    fdf = _resolve(root.get("/FDF"), objects) if isinstance(root, DictionaryObject) else None
    if not isinstance(fdf, DictionaryObject):
        raise ExportError("is an FDF file without form data (no /FDF dictionary)")
    fields: dict[str, RawField] = {}

    def walk(nodes: Any, prefix: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ExportError(f"nests fields more than {MAX_DEPTH} levels deep")
        nodes = _resolve(nodes, objects)
        for node in nodes if isinstance(nodes, ArrayObject) else []:  # /Fields 5: no fields
            node = _resolve(node, objects)
            if not isinstance(node, DictionaryObject):
                continue
            name = str(node.get("/T", ""))
            full = f"{prefix}.{name}" if prefix else name
            if "/V" in node:
                fields[full] = _field(full, _text(_resolve(node["/V"], objects)))
            if "/Kids" in node:
                walk(node["/Kids"], full, depth + 1)

    walk(fdf.get("/Fields"), "", 0)
    return fields
