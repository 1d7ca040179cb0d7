"""Lay out a form context as a fillable PDF.

ReportLab platypus draws the pages: the school's agreed content is printed text, and
long values wrap and flow onto further pages (tables split inside rows). For what the
host completes the layout only reserves rectangles; `pipeline.pdf_finish` then builds
the AcroForm fields there, with the embedded field font, and the metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle,
)

from pipeline.context import FormContext, Row
from pipeline.fonts import BOLD, REGULAR, register_fonts
from pipeline.pdf_finish import RADIO_SIZE, WidgetSpot, finish_pdf

PAGE_W = A4[0]
MARGIN = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
LABEL_W = CONTENT_W * 0.36
GRID = colors.Color(0.55, 0.55, 0.55)
LONG_VALUE = 2500  # characters: roughly half a page in the value column


@lru_cache(maxsize=None)
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("base", fontName=REGULAR, fontSize=9, leading=11.5, alignment=TA_LEFT)
    return {
        "base": base,
        "label": ParagraphStyle("label", base, fontSize=8.5, leading=10.5, textColor=colors.Color(.2, .2, .2)),
        "bold": ParagraphStyle("bold", base, fontName=BOLD),
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=16, leading=20, spaceAfter=2),
        "annex": ParagraphStyle("annex", base, fontSize=9, textColor=colors.Color(.35, .35, .35)),
        "h": ParagraphStyle("h", base, fontName=BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4),
        "note": ParagraphStyle("note", base, fontSize=8.5, leading=11),
        "box": ParagraphStyle("box", base, fontSize=8.5, leading=11, backColor=colors.Color(1, .97, .88),
                              borderColor=colors.Color(.85, .7, .3), borderWidth=0.6, borderPadding=5,
                              spaceBefore=4, spaceAfter=10),
    }


def para(value: str, style: str = "base") -> Paragraph:
    """Data becomes a Paragraph only escaped: a name with `&` or `<` is text, not markup."""
    return Paragraph(escape(value or "").replace("\n", "<br/>"), styles()[style])


class WidgetBox(Flowable):
    """Reserves the rectangle of a form field and records where the layout put it.

    The fields themselves are built once the pages exist (`pipeline.pdf_finish`), with
    appearance streams shared across the document and the embedded field font.
    """

    def __init__(self, spot: dict, spots: list[WidgetSpot], width: float | None, height: float):
        super().__init__()
        self.spot, self.spots = spot, spots
        self.fixed_width, self.width, self.height = width, width or 0, height

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self.width = self.fixed_width or avail_w
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.spots.append(WidgetSpot(page=self.canv.getPageNumber() - 1,
                                     rect=(x, y, x + self.width, y + self.height), **self.spot))


class SignatureBox(WidgetBox):
    """A /Sig field's rectangle, drawn dashed with a hint so it shows on paper too."""

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(GRID)
        c.setDash(2, 2)
        c.setLineWidth(0.6)
        c.rect(0, 0, self.width, self.height)
        c.setFont(REGULAR, 6.5)
        c.setFillColor(colors.Color(.45, .45, .45))
        c.drawString(3, 3, self.spot["hint"])
        c.restoreState()
        super().draw()


@dataclass
class _Layout:
    ctx: FormContext
    spots: list[WidgetSpot] = field(default_factory=list)

    def text_field(self, name: str, tooltip: str, lines: int = 1, multiline: bool = False) -> WidgetBox:
        height = 16 if lines == 1 else 12 * lines + 6
        kind = "multiline" if multiline else "text"
        return WidgetBox({"kind": kind, "name": name, "tooltip": tooltip}, self.spots, None, height)

    def story(self) -> list[Flowable]:
        c = self.ctx
        story: list[Flowable] = [
            para(f"{c['form']['annex_label']}", "annex"),
            para(c["form"]["title"], "title"),
        ]
        story += [para(text, "box") for text in c["intro"]]
        if c["pdf_intro"]:  # the host's instructions, in one box
            story.append(para("\n\n".join(c["pdf_intro"]), "box"))
        for section in c["sections"]:
            number = section["number"] + ("" if "." in section["number"] else ".")
            heading = para(f"{number} {section['title']}", "h")
            rows = section["rows"]
            # Keep the heading with the section's first rows only, so a long section starts
            # on the page where its heading is instead of leaving that page half empty.
            head = 0
            while head < min(2, len(rows)) and rows[head]["kind"] not in ("group", "criterion", "signature"):
                head += 1
            if head:
                story.append(KeepTogether([heading, self.plain_table(rows[:head])]))
                story += self.blocks(rows[head:])
            else:
                blocks = self.blocks(rows)
                story.append(KeepTogether([heading, *blocks[:1]]))
                story += blocks[1:]
        return story

    def blocks(self, rows: list[Row]) -> list[Flowable]:
        """Consecutive rows of one kind share a table; ratings and signatures get their own."""
        out: list[Flowable] = []
        plain: list[Row] = []
        ratings: list[Row] = []

        def flush() -> None:
            if plain:
                out.append(self.plain_table(plain))
                plain.clear()
            if ratings:
                out.append(self.ratings_table(ratings))
                ratings.clear()

        for row in rows:
            if row["kind"] in ("group", "criterion"):
                if plain:
                    flush()
                ratings.append(row)
            elif row["kind"] == "signature":
                flush()
                out.append(self.signature_block(row))
            else:
                if ratings:
                    flush()
                plain.append(row)
        flush()
        return out

    def plain_table(self, rows: list[Row]) -> Table:
        data, style = [], [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        for i, row in enumerate(rows):
            kind = row["kind"]
            if kind == "note":
                data.append([para(row["label"], "note"), ""])
                style.append(("SPAN", (0, i), (1, i)))
            elif kind == "heading":
                data.append([para(row["label"], "label"), para(row["value"], "bold")])
                style.append(("BACKGROUND", (0, i), (1, i), colors.Color(.93, .93, .93)))
            elif kind == "field":
                data.append([para(row["label"], "label"),
                             self.text_field(row["name"], row["tooltip"], row["lines"], row["multiline"])])
            else:
                data.append([para(row["label"], "label"), para(row["value"])])
        # Splitting inside a row is only for values taller than a page; ReportLab otherwise
        # sometimes splits a one-line row at a page break.
        tall = any(len(r.get("value", "")) > LONG_VALUE for r in rows)
        return Table(data, colWidths=[LABEL_W, CONTENT_W - LABEL_W], style=TableStyle(style),
                     splitInRow=1 if tall else 0, hAlign="LEFT")

    def ratings_table(self, rows: list[Row]) -> Table:
        labels = self.ctx["labels"]
        options = next(r["options"] for r in rows if r["kind"] == "criterion")
        opt_w = 15 * mm
        nr_w = 9 * mm
        header = [para(labels["nr"], "bold"), para(labels["criterion"], "bold")] + [
            para(o["short"], "bold") for o in options]
        data, style = [header], [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("ALIGN", (2, 1), (-1, -1), "CENTER"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(.93, .93, .93)),
        ]
        for row in rows:
            i = len(data)
            if row["kind"] == "group":
                data.append([para(row["label"], "bold")] + [""] * (1 + len(options)))
                style.append(("SPAN", (0, i), (-1, i)))
            else:
                data.append([para(str(row["nr"])), para(row["label"])] + [
                    WidgetBox({"kind": "radio", "name": row["name"], "value": o["value"], "tooltip": row["tooltip"]},
                              self.spots, RADIO_SIZE, RADIO_SIZE)
                    for o in options])
        widths = [nr_w, CONTENT_W - nr_w - opt_w * len(options)] + [opt_w] * len(options)
        return Table(data, colWidths=widths, style=TableStyle(style), repeatRows=1, hAlign="LEFT")

    def signature_block(self, row: Row) -> Flowable:
        labels = self.ctx["labels"]
        data = [[para(row["label"], "bold"), ""]]
        style = [("SPAN", (0, 0), (1, 0)), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                 ("BOX", (0, 0), (-1, -1), 0.6, GRID),
                 ("BACKGROUND", (0, 0), (1, 0), colors.Color(.93, .93, .93))]
        for f in row["fields"]:
            data.append([para(f["label"], "label"), self.text_field(f["name"], f"{row['label']}: {f['label']}")])
        data.append([para(labels["signature"], "label"),
                     SignatureBox({"kind": "signature", "name": row["name"], "tooltip": row["tooltip"],
                                   "hint": labels["sign_here"]}, self.spots, None, 34)])
        table = Table(data, colWidths=[LABEL_W, CONTENT_W - LABEL_W], style=TableStyle(style), hAlign="LEFT")
        return KeepTogether([table, Spacer(0, 8)])


def _page_decor(ctx: FormContext):
    footer, page = ctx["footer"], ctx["labels"]["page"]

    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 7)
        canvas.setFillColor(colors.Color(.4, .4, .4))
        canvas.drawString(MARGIN, 10 * mm, footer)
        canvas.drawRightString(PAGE_W - MARGIN, 10 * mm, f"{page} {doc.page}")
        canvas.restoreState()

    return draw


def render_pdf(ctx: FormContext) -> bytes:
    """The finished fillable PDF for one form context."""
    layout = _Layout(ctx)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm, title=f"{ctx['form']['title']} – {ctx['mobility_id']}",
        author="ecvet-forms", creator="ecvet-forms", invariant=1, lang=ctx["lang"],
    )
    decor = _page_decor(ctx)
    doc.build(layout.story(), onFirstPage=decor, onLaterPages=decor)
    return finish_pdf(buffer.getvalue(), ctx, layout.spots)
