"""Finish a drawn form with pikepdf: the AcroForm, its fields and identifying metadata.

The layout (`pipeline.render_pdf`) only reserves rectangles; here they become fields:

- text fields whose `/DA` names DejaVu Sans in `/AcroForm /DR`, a composite (Type0,
  Identity-H) font over a subset that keeps every letter of the European scripts, so
  what a filler draws from it in ş, ł, ț, Ω or Ж has glyphs (a simple WinAnsi TrueType
  showed only Western letters); `NeedAppearances` is never set (pdf-forms.md §3);
- radio groups built per the spec (the parent holds the field, kids only `/AS`), one
  group per criterion;
- every widget owns its appearance streams: a filler that rewrites one field's
  appearance in place (pypdf does) must not repaint the others;
- empty `/FT /Sig` fields for each signing party; all names flat ASCII without dots,
  as pyHanko requires;
- the document identity (`pipeline.identity`: mobility, form, language, template version,
  hashes of the agreed content, the printed pages and the field manifest) in `/Info` and in
  a hidden read-only field, and the field specs in a second hidden field, so a returned
  file identifies itself and reads back with the field rule it was made with.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from pipeline.fields import manifest
from pipeline.fonts import FIELD_FONT_NAME, field_font
from pipeline.identity import IDENTITY_FIELD, MANIFEST_FIELD
from pipeline.pages import pages_digest

if TYPE_CHECKING:
    from pipeline.context import FormContext

RADIO_SIZE = 11.0
SINGLE_LINE_DA = f"/{FIELD_FONT_NAME} 9 Tf 0 g"
# A fixed readable size: a long answer scrolls in the viewer instead of shrinking to 4 pt.
MULTILINE_DA = f"/{FIELD_FONT_NAME} 10 Tf 0 g"
RADIO_DA = "/ZaDb 0 Tf 0 g"

# Field flags (PDF 32000-1, 12.7.4)
MULTILINE = 1 << 12
DO_NOT_SPELL_CHECK = 1 << 22
NO_TOGGLE_TO_OFF = 1 << 14
RADIO = 1 << 15
PRINT = 4
HIDDEN = 2
READ_ONLY = 1

FIELD_BG = (0.91, 0.95, 1.0)
FIELD_BORDER = (0.55, 0.55, 0.55)

@dataclass(frozen=True)
class WidgetSpot:
    """Where the layout put one widget: kind is text, multiline, radio or signature."""

    kind: str
    name: str
    tooltip: str
    page: int  # zero-based
    rect: tuple[float, float, float, float]
    value: str = ""  # a radio button's export value
    hint: str = ""


def _rgb(color: tuple[float, float, float]) -> str:
    return " ".join(f"{c:g}" for c in color)


def _circle(cx: float, cy: float, r: float) -> str:
    """A circle as four Bézier curves (PDF has no circle operator)."""
    k = 0.5523 * r
    return (f"{cx + r:.2f} {cy:.2f} m "
            f"{cx + r:.2f} {cy + k:.2f} {cx + k:.2f} {cy + r:.2f} {cx:.2f} {cy + r:.2f} c "
            f"{cx - k:.2f} {cy + r:.2f} {cx - r:.2f} {cy + k:.2f} {cx - r:.2f} {cy:.2f} c "
            f"{cx - r:.2f} {cy - k:.2f} {cx - k:.2f} {cy - r:.2f} {cx:.2f} {cy - r:.2f} c "
            f"{cx + k:.2f} {cy - r:.2f} {cx + r:.2f} {cy - k:.2f} {cx + r:.2f} {cy:.2f} c")


class _Builder:
    """Builds the fields of one document; each widget gets appearance streams of its own."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        self.fields = Array()
        self._groups: dict[str, pikepdf.Object] = {}
        half = RADIO_SIZE / 2
        ring = f"{_rgb(FIELD_BG)} rg {_rgb(FIELD_BORDER)} RG 0.6 w {_circle(half, half, half - 0.5)} B"
        self.radio_off_ops = f"q {ring} Q"
        self.radio_on_ops = f"q {ring} 0 g {_circle(half, half, half * 0.45)} f Q"

    def _form(self, w: float, h: float, ops: str) -> pikepdf.Object:
        return self.pdf.make_stream(ops.encode(), Type=Name.XObject, Subtype=Name.Form,
                                    BBox=Array([0, 0, round(w, 2), round(h, 2)]), Resources=Dictionary())

    def _empty_box(self, w: float, h: float) -> pikepdf.Object:
        w, h = round(w, 2), round(h, 2)
        return self._form(w, h, f"q {_rgb(FIELD_BG)} rg 0 0 {w} {h} re f {_rgb(FIELD_BORDER)} RG 0.5 w "
                                f"0.25 0.25 {w - 0.5:.2f} {h - 0.5:.2f} re S Q /Tx BMC EMC")

    def widget(self, spot: WidgetSpot, page: pikepdf.Page, **entries) -> pikepdf.Object:
        annot = self.pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.Widget, Rect=Array([round(v, 2) for v in spot.rect]),
            F=PRINT, P=page.obj, **entries,
        ))
        if "/Annots" not in page.obj:
            page.obj.Annots = Array()
        page.obj.Annots.append(annot)
        return annot

    def add(self, spot: WidgetSpot, page: pikepdf.Page) -> None:
        x0, y0, x1, y1 = spot.rect
        mk = Dictionary(BG=Array(FIELD_BG), BC=Array(FIELD_BORDER))
        if spot.kind in ("text", "multiline"):
            multiline = spot.kind == "multiline"
            self.fields.append(self.widget(
                spot, page, FT=Name.Tx, T=String(spot.name), TU=String(spot.tooltip),
                # Spell-checking helps in free text; names, places and dates it only underlines.
                Ff=MULTILINE if multiline else DO_NOT_SPELL_CHECK,
                DA=String(MULTILINE_DA if multiline else SINGLE_LINE_DA), MK=mk,
                AP=Dictionary(N=self._empty_box(x1 - x0, y1 - y0)),
            ))
        elif spot.kind == "radio":
            group = self._groups.get(spot.name)
            if group is None:
                group = self._groups[spot.name] = self.pdf.make_indirect(Dictionary(
                    FT=Name.Btn, T=String(spot.name), TU=String(spot.tooltip),
                    Ff=RADIO | NO_TOGGLE_TO_OFF, Kids=Array(),
                ))
                self.fields.append(group)
            mk.CA = String("l")  # ZapfDingbats bullet, should a viewer redraw the button
            kid = self.widget(spot, page, Parent=group, AS=Name.Off, MK=mk,
                              DA=String(RADIO_DA),
                              AP=Dictionary(N=Dictionary({
                                  f"/{spot.value}": self._form(RADIO_SIZE, RADIO_SIZE, self.radio_on_ops),
                                  "/Off": self._form(RADIO_SIZE, RADIO_SIZE, self.radio_off_ops)})))
            group.Kids.append(kid)
        elif spot.kind == "signature":
            self.fields.append(self.widget(spot, page, FT=Name.Sig, T=String(spot.name), TU=String(spot.tooltip)))
        else:
            raise ValueError(f"unknown widget kind {spot.kind!r}")


def _field_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The /DR field font: a Type0 (Identity-H) font over the DejaVu Sans subset of
    `pipeline.fonts`, so appearances drawn from it can show every European script."""
    f = field_font()
    program = pikepdf.Stream(pdf, b"")
    program.write(f.program_deflated, filter=Name.FlateDecode)
    program.Length1 = f.program_length
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name(f"/{f.base_font}"), Flags=f.flags,
        FontBBox=Array(f.bbox), ItalicAngle=f.italic_angle, Ascent=f.ascent, Descent=f.descent,
        CapHeight=f.cap_height, StemV=f.stem_v, FontFile2=program,
    )
    descendant = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name(f"/{f.base_font}"),
        CIDSystemInfo=Dictionary(Registry=String("Adobe"), Ordering=String("Identity"), Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor), DW=1000,
        W=Array([0, Array(f.widths)]), CIDToGIDMap=Name.Identity,
    )
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name(f"/{f.base_font}"), Encoding=Name("/Identity-H"),
        DescendantFonts=Array([pdf.make_indirect(descendant)]), ToUnicode=pdf.make_stream(f.to_unicode),
    ))


def _hidden_field(pdf: pikepdf.Pdf, page: pikepdf.Page, name: str, value: str) -> pikepdf.Object:
    """A hidden, read-only text field: field values survive every filler (Acrobat,
    browsers, pdftk, libraries) even where a rewrite drops custom /Info keys."""
    widget = pdf.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Widget, FT=Name.Tx, T=String(name), V=String(value),
        Ff=READ_ONLY, F=HIDDEN, Rect=Array([0, 0, 0, 0]), P=page.obj, DA=String(SINGLE_LINE_DA),
    ))
    if "/Annots" not in page.obj:
        page.obj.Annots = Array()
    page.obj.Annots.append(widget)
    return widget


def finish_pdf(drawn: bytes, ctx: "FormContext", spots: list[WidgetSpot]) -> bytes:
    with pikepdf.open(io.BytesIO(drawn)) as pdf:
        builder = _Builder(pdf)
        pages = list(pdf.pages)
        for spot in spots:
            builder.add(spot, pages[spot.page])
        fonts = Dictionary({
            f"/{FIELD_FONT_NAME}": _field_font(pdf),
            "/ZaDb": pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                                  BaseFont=Name.ZapfDingbats)),
        })
        specs = manifest(ctx["fields"])
        identity = ctx["identity"].with_pdf(pages_digest(pdf), hashlib.sha256(specs.encode()).hexdigest())
        builder.fields.append(_hidden_field(pdf, pages[0], IDENTITY_FIELD, identity.compose()))
        builder.fields.append(_hidden_field(pdf, pages[0], MANIFEST_FIELD, specs))
        pdf.Root.AcroForm = pdf.make_indirect(Dictionary(
            Fields=builder.fields, DR=Dictionary(Font=fonts), DA=String(SINGLE_LINE_DA),
            SigFlags=1 if any(s.kind == "signature" for s in spots) else 0,
        ))
        pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        for key, value in identity.info().items():
            pdf.docinfo[key] = String(value)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 compress_streams=True)
        return out.getvalue()
