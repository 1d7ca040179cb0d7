"""Render a form context as DOCX through its docxtpl template in `forms/templates/`.

docxtpl's preprocessing of a template (its `patch_xml`, then Jinja compilation) is done
once per form and process; each document only renders and zips (fastpath.md route d2).
Autoescape is on (a raw `&` or `<` would make docxtpl silently drop a paragraph) and
undefined variables are errors. The DOCX is for paper: empty write-in boxes stand where the
PDF has form fields (sized to the expected answer), annex II's grid has a box per rating,
signature blocks are small tables, and the PDF's "type into the fields in Acrobat" note is
left out (a paper note comes from the `paper_instructions` label when a catalog has it).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, Template

from pipeline.context import FormContext, Row
from pipeline.formdefs import RATING_OPTIONS
from pipeline.i18n import SECONDARY, translator
from pipeline.paths import TEMPLATES_DIR

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no run time: re-runs are byte-identical


@lru_cache(maxsize=None)
def _jinja_env() -> Environment:
    return Environment(autoescape=True, undefined=StrictUndefined)


def _row(row: Row) -> dict[str, object]:
    kind = row["kind"]
    if kind == "field":  # an empty box, one 0.6 cm line per expected line of the answer
        return {"kind": kind, "label": row["label"], "blank": "\n" * (max(1, row.get("lines", 1)) - 1)}
    if kind in ("value", "heading"):
        return {"kind": kind, "label": row["label"], "value": row["value"]}
    if kind in ("note", "group"):
        return {"kind": kind, "label": row["label"]}
    if kind == "criterion":
        return {"kind": kind, "nr": row["nr"], "label": row["label"]}
    raise ValueError(f"row kind {kind!r} has no DOCX rendering")


def _blocks(rows: list[Row], labels: dict[str, str], lang: str) -> list[dict[str, object]]:
    """Consecutive rows of one kind share a table, as in the PDF: plain label/value rows,
    annex II's grid (groups and criteria; a column per rating option, headed by its short
    label), and one table per signature block.
    `keep_next`: the block ends with a heading or note that belongs to the next block."""
    blocks: list[dict[str, object]] = []
    for row in rows:
        kind = row["kind"]
        if kind == "signature":
            blocks.append({"kind": "signature", "label": row["label"], "signature": labels["signature"],
                           "fields": [f["label"] for f in row["fields"]], "keep_next": False})
            continue
        table = "ratings" if kind in ("group", "criterion") else "plain"
        if not blocks or blocks[-1]["kind"] != table:
            blocks.append({"kind": table, "rows": []})
            if table == "ratings":
                blocks[-1].update(nr=labels["nr"], criterion=labels["criterion"], options=[])
        if kind == "criterion" and not blocks[-1]["options"]:
            blocks[-1]["options"] = [o["short"] for o in row["options"]]
        blocks[-1]["rows"].append(_row(row))
    for block in blocks:
        if block["kind"] == "ratings" and not block["options"]:  # groups without criteria
            block["options"] = [translator(lang).gettext(short) for _, _, short in RATING_OPTIONS]
        if block["kind"] != "signature":
            block["keep_next"] = block["rows"][-1]["kind"] in ("heading", "note", "group")
    return blocks


def _date(value: object) -> str:
    """A W3CDTF timestamp for the core properties, from a date the cohort's data decides."""
    if not value:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text if "T" in text else f"{text}T00:00:00Z"


def _lines(value: object) -> object:
    """Bilingual texts with the second language on the next line (docxtpl makes `\n` a
    line break)."""
    if isinstance(value, str):
        return value.replace(SECONDARY, "\n")
    if isinstance(value, dict):
        return {k: _lines(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lines(v) for v in value]
    return value


def docx_context(ctx: FormContext) -> dict[str, object]:
    return _lines(_docx_context(ctx))  # type: ignore[return-value]


def _docx_context(ctx: FormContext) -> dict[str, object]:
    labels = ctx["labels"]
    before, _, rest = labels["page_of"].partition("{page}")
    between = rest.partition("{pages}")[0]
    return {
        "form": ctx["form"],
        "intro": ctx["intro"],  # the PDF's filling instructions are `pdf_intro`: not on paper
        "instructions": labels["paper_instructions"],
        "sections": [
            {"heading": f"{s['number']}{'' if '.' in s['number'] else '.'} {s['title']}",
             "blocks": _blocks(s["rows"], labels, ctx["lang"])}
            for s in ctx["sections"]
        ],
        "core": {"title": f"{ctx['form']['title']} – {ctx['mobility_id']}", "language": ctx["lang"],
                 "subject": ctx["identity"].compose(), "date": _date(ctx["generated_on"])},
        "footer": ctx["footer"],
        "page": {"label": before.rstrip(), "of": between},
    }


@dataclass(frozen=True)
class CompiledTemplate:
    """A form's template prepared once per process: docxtpl's patched XML of every part
    with Jinja tags compiled, and the other zip members kept as bytes."""

    members: tuple[tuple[str, bytes | Template], ...]
    rating_columns: int  # annex II's grid has one column per rating option


# Parts that carry Jinja tags: the body, headers/footers and the core properties.
TEMPLATED = re.compile(r"^(word/document\.xml|word/(header|footer)\d*\.xml|docProps/core\.xml)$")


@lru_cache(maxsize=None)
def compiled(form_id: str) -> CompiledTemplate:
    """docxtpl's own preprocessing (`patch_xml`), done once instead of per document."""
    path = TEMPLATES_DIR / f"{form_id}.docx"
    members = []
    columns = 0
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if TEMPLATED.match(name):
                xml = _literal_markers(_docxtpl().patch_xml(data.decode("utf-8")))
                columns = max(columns, len(set(re.findall(r"block\.options\[(\d+)\]", xml))))
                xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)  # as docxtpl's render_xml_part
                members.append((name, _jinja_env().from_string(xml)))
            else:
                members.append((name, data))
    return CompiledTemplate(tuple(members), columns)


# docxtpl's escapes for a literal `{{`, `}}`, `{%`, `%}` in a template's text.
LITERAL_MARKERS = {"{_{": "{{", "}_}": "}}", "{_%": "{%", "%_}": "%}"}


def _literal_markers(xml: str) -> str:
    """A template's literal-marker escapes become Jinja string expressions before
    compiling, so they print as `{{` etc. docxtpl instead replaces them in the rendered
    part, which also rewrote the data: a `{_{ x }_}` in a text printed as `{{ x }}`."""
    pattern = "|".join(re.escape(m) for m in LITERAL_MARKERS)
    return re.sub(pattern, lambda m: "{{ '" + LITERAL_MARKERS[m.group()] + "' }}", xml)


def _finish_part(xml: str) -> str:
    """docxtpl's post-processing of a rendered part (render_xml_part's second half); the
    literal markers were handled in the template (`_literal_markers`): data stays as it is."""
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    return _docxtpl().resolve_listing(xml)


@lru_cache(maxsize=None)
def _docxtpl() -> DocxTemplate:
    """An instance only for docxtpl's stateless text helpers (patch_xml, resolve_listing)."""
    return DocxTemplate(TEMPLATES_DIR / "learning-agreement.docx")


def render_docx(ctx: FormContext) -> bytes:
    """Render one document: per document only the Jinja render and the zip write."""
    template = compiled(ctx["form"]["id"])
    values = docx_context(ctx)
    for section in values["sections"]:
        for block in section["blocks"]:
            if block["kind"] == "ratings" and len(block["options"]) != template.rating_columns:
                raise ValueError(f"{ctx['form']['id']}.docx has {template.rating_columns} rating columns, "
                                 f"the form {len(block['options'])} options: run `make templates`")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, member in template.members:
            data = member if isinstance(member, bytes) else (
                _finish_part(member.render(values)).encode("utf-8"))
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()
