"""Render a form context as DOCX through its docxtpl template in `forms/templates/`.

Autoescape is on (a raw `&` or `<` would make docxtpl silently drop a paragraph) and
undefined variables are errors. Blank answer lines stand where the PDF has form fields,
so the school's file copy shows the same content as the PDF.
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined

from pipeline.context import FormContext, Row
from pipeline.paths import TEMPLATES_DIR

BLANK = "_" * 34
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no run time: re-runs are byte-identical


@lru_cache(maxsize=None)
def _template_bytes(form_id: str) -> bytes:
    """Read once per process; each render parses its own copy (docxtpl mutates it)."""
    return (TEMPLATES_DIR / f"{form_id}.docx").read_bytes()


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
        choices = "   ".join(f"☐ {o['label']}" for o in row["options"])
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
        "footer": (f"ECVET · {ctx['form']['title']} · {labels['mobility']} {ctx['mobility_id']} · "
                   f"{ctx['lang']} · {labels['template']} {ctx['form']['version']}"),
    }


def _normalised_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


def render_docx(ctx: FormContext) -> bytes:
    template = DocxTemplate(io.BytesIO(_template_bytes(ctx["form"]["id"])))
    template.render(docx_context(ctx), jinja_env=_jinja_env(), autoescape=True)
    template.docx.core_properties.title = f"{ctx['form']['title']} – {ctx['mobility_id']}"
    template.docx.core_properties.language = ctx["lang"]
    template.docx.core_properties.subject = f"{ctx['form']['id']} {ctx['form']['version']} {ctx['content_hash']}"
    buffer = io.BytesIO()
    template.save(buffer)
    return _normalised_zip(buffer.getvalue())
