"""Finish a drawn form with pikepdf: field font, signature fields, identifying metadata.

- `/AcroForm /DR` gets DejaVu Sans as a simple TrueType font with its *full* program
  embedded, and every text field's `/DA` names it, so what a host types in ş, ł, ț, Ω or
  Ж has glyphs; `NeedAppearances` is never set (pdf-forms.md §3, pitfalls 2–5, 9).
- An empty `/FT /Sig` field is added for each signing party where the layout reserved
  its box; names are flat ASCII without dots, as pyHanko requires.
- `/Info` says which mobility, form, language and template version the file is, with a
  hash of the agreed content, so a returned file identifies itself.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from pipeline.fonts import FIELD_FONT_NAME, field_font

if TYPE_CHECKING:
    from pipeline.context import FormContext

SINGLE_LINE_DA = f"/{FIELD_FONT_NAME} 9 Tf 0 g"
# Size 0 = auto: viewers and pypdf then wrap long answers inside the box.
MULTILINE_DA = f"/{FIELD_FONT_NAME} 0 Tf 0 g"
MULTILINE_FLAG = 1 << 12

# Keys of the document information dictionary that identify a generated form.
INFO_KEYS = {
    "mobility": "/EcvetMobility",
    "cohort": "/EcvetCohort",
    "form": "/EcvetForm",
    "lang": "/EcvetLanguage",
    "version": "/EcvetTemplateVersion",
    "hash": "/EcvetContentHash",
}


@dataclass(frozen=True)
class SignatureSpot:
    name: str
    tooltip: str
    page: int  # zero-based
    rect: tuple[float, float, float, float]


def _field_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    f = field_font()
    program = pikepdf.Stream(pdf, b"")
    program.write(f.program_deflated, filter=Name.FlateDecode)
    program.Length1 = f.program_length
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/DejaVuSans"), Flags=f.flags,
        FontBBox=Array(f.bbox), ItalicAngle=f.italic_angle, Ascent=f.ascent, Descent=f.descent,
        CapHeight=f.cap_height, StemV=f.stem_v, FontFile2=program,
    )
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.TrueType, BaseFont=Name("/DejaVuSans"),
        FirstChar=32, LastChar=255, Widths=Array(f.widths), Encoding=Name.WinAnsiEncoding,
        FontDescriptor=pdf.make_indirect(descriptor),
    ))


def finish_pdf(drawn: bytes, ctx: "FormContext", spots: list[SignatureSpot]) -> bytes:
    with pikepdf.open(io.BytesIO(drawn)) as pdf:
        acroform = pdf.Root.get("/AcroForm")
        if acroform is None:
            acroform = pdf.Root.AcroForm = pdf.make_indirect(Dictionary(Fields=Array()))
        if "/NeedAppearances" in acroform:
            del acroform["/NeedAppearances"]
        resources = acroform.get("/DR")
        if resources is None:
            resources = acroform.DR = Dictionary()
        if "/Font" not in resources:
            resources.Font = Dictionary()
        resources.Font[f"/{FIELD_FONT_NAME}"] = _field_font(pdf)
        acroform.DA = String(SINGLE_LINE_DA)
        for fld in acroform.Fields:
            if fld.get("/FT") == Name.Tx:
                multiline = int(fld.get("/Ff", 0)) & MULTILINE_FLAG
                fld.DA = String(MULTILINE_DA if multiline else SINGLE_LINE_DA)
        for spot in spots:
            page = pdf.pages[spot.page]
            widget = pdf.make_indirect(Dictionary(
                Type=Name.Annot, Subtype=Name.Widget, FT=Name.Sig, T=String(spot.name),
                TU=String(spot.tooltip), Rect=Array([round(v, 2) for v in spot.rect]), F=4,
                P=page.obj,
            ))
            if "/Annots" not in page.obj:
                page.obj.Annots = Array()
            page.obj.Annots.append(widget)
            acroform.Fields.append(widget)
        if spots:
            acroform.SigFlags = 1
        info = pdf.docinfo
        values = {"mobility": ctx["mobility_id"], "cohort": ctx["cohort_id"], "form": ctx["form"]["id"],
                  "lang": ctx["lang"], "version": ctx["form"]["version"], "hash": ctx["content_hash"]}
        for key, value in values.items():
            info[INFO_KEYS[key]] = String(value)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 compress_streams=True)
        return out.getvalue()
