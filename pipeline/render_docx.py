"""Render a form context as DOCX through its docxtpl template in `forms/templates/`.

docxtpl's preprocessing of a template (its `patch_xml`, then Jinja compilation) is done
once per form and process; each document only renders and zips (fastpath.md route d2).
Autoescape is on (a raw `&` or `<` would make docxtpl silently drop a paragraph) and
undefined variables are errors. Blank answer lines stand where the PDF has form fields,
so the school's file copy shows the same content as the PDF.
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
from pipeline.paths import TEMPLATES_DIR

BLANK = "_" * 34
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no run time: re-runs are byte-identical


@lru_cache(maxsize=None)
def _jinja_env() -> Environment:
    return Environment(autoescape=True, undefined=StrictUndefined)


def _cell(row: Row, labels: dict[str, str]) -> dict[str, object]:
    kind = row["kind"]
    if kind == "value":
        return {"label": row["label"], "value": row["value"], "strong": False}
    if kind == "heading":
        return {"label": row["label"], "value": row["value"], "strong": True}
    if kind in ("note", "group"):
        return {"label": row["label"], "value": "", "strong": kind == "group"}
    if kind == "field":
        lines = max(1, row.get("lines", 1))
        return {"label": row["label"], "value": "\n".join([BLANK] * lines), "strong": False}
    if kind == "criterion":
        choices = "   ".join(f"☐ {o['short']}" for o in row["options"])  # the legend explains them
        return {"label": f"{row['nr']}. {row['label']}", "value": choices, "strong": False}
    if kind == "signature":
        lines = [f"{f['label']}: {BLANK}" for f in row["fields"]] + [f"{labels['signature']}: {BLANK}"]
        return {"label": row["label"], "value": "\n".join(lines), "strong": False}
    raise ValueError(f"row kind {kind!r} has no DOCX rendering")


def docx_context(ctx: FormContext) -> dict[str, object]:
    labels = ctx["labels"]
    return {
        "form": ctx["form"],
        "intro": ctx["intro"],
        "sections": [
            {"heading": f"{s['number']}{'' if '.' in s['number'] else '.'} {s['title']}",
             "rows": [_cell(r, labels) for r in s["rows"]]}
            for s in ctx["sections"]
        ],
        "core": {"title": f"{ctx['form']['title']} – {ctx['mobility_id']}", "language": ctx["lang"],
                 "subject": ctx["identity"].compose()},
        "footer": ctx["footer"],
    }


@dataclass(frozen=True)
class CompiledTemplate:
    """A form's template prepared once per process: docxtpl's patched XML of every part
    with Jinja tags compiled, and the other zip members kept as bytes."""

    members: tuple[tuple[str, bytes | Template], ...]


# Parts that carry Jinja tags: the body, headers/footers and the core properties.
TEMPLATED = re.compile(r"^(word/document\.xml|word/(header|footer)\d*\.xml|docProps/core\.xml)$")


@lru_cache(maxsize=None)
def compiled(form_id: str) -> CompiledTemplate:
    """docxtpl's own preprocessing (`patch_xml`), done once instead of per document."""
    path = TEMPLATES_DIR / f"{form_id}.docx"
    members = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if TEMPLATED.match(name):
                xml = _docxtpl().patch_xml(data.decode("utf-8"))
                xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)  # as docxtpl's render_xml_part
                members.append((name, _jinja_env().from_string(xml)))
            else:
                members.append((name, data))
    return CompiledTemplate(tuple(members))


def _finish_part(xml: str) -> str:
    """docxtpl's post-processing of a rendered part (render_xml_part's second half)."""
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    return _docxtpl().resolve_listing(xml)


@lru_cache(maxsize=None)
def _docxtpl() -> DocxTemplate:
    """An instance only for docxtpl's stateless text helpers (patch_xml, resolve_listing)."""
    return DocxTemplate(TEMPLATES_DIR / "learning-agreement.docx")


def render_docx(ctx: FormContext) -> bytes:
    """Render one document: per document only the Jinja render and the zip write."""
    template = compiled(ctx["form"]["id"])
    values = docx_context(ctx)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, member in template.members:
            data = member if isinstance(member, bytes) else (
                _finish_part(member.render(values)).encode("utf-8"))
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()
