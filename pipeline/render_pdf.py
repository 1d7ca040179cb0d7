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
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepTogether, PageTemplate, Paragraph, Spacer, Table,
    TableStyle,
)

from pipeline.context import FormContext, Row
from pipeline.i18n import SECONDARY, combine, plain
from pipeline.fonts import BOLD, REGULAR, register_fonts
from pipeline.pdf_finish import RADIO_SIZE, WidgetSpot, finish_pdf

PAGE_W = A4[0]
MARGIN = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
LABEL_W = CONTENT_W * 0.36
GRID = colors.Color(0.55, 0.55, 0.55)
LONG_VALUE = 2500  # characters: roughly half a page in the value column
HEADING_ROOM = 55 * mm  # with less room left on a page, a heading starts the next page
HEADER_BG = colors.Color(.93, .93, .93)
GROUP_BG = colors.Color(.97, .97, .97)
FOOTER_GREY = colors.Color(.4, .4, .4)


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
        "box": ParagraphStyle("box", base, fontSize=7.5, leading=9.5, backColor=colors.Color(1, .97, .88),
                              leftIndent=5, rightIndent=5,  # the padded box's edges on the margins
                              borderColor=colors.Color(.85, .7, .3), borderWidth=0.6, borderPadding=5,
                              spaceBefore=4, spaceAfter=10),
    }


def para(value: str, style: str = "base") -> Paragraph:
    """Data becomes a Paragraph only escaped: a name with `&` or `<` is text, not markup.
    A bilingual text's second language goes beneath, smaller and grey."""
    primary, _, secondary = (value or "").partition(SECONDARY)
    markup = escape(primary).replace("\n", "<br/>")
    if secondary:
        size = styles()[style].fontSize * 0.85
        markup += (f'<br/><font size="{size:.1f}" color="#5a5a5a">'
                   f'{escape(secondary).replace(chr(10), "<br/>")}</font>')
    return Paragraph(markup, styles()[style])


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
        c.drawString(3, 3, plain(self.spot["hint"]))
        c.restoreState()
        super().draw()


class CommentsLastTable(Table):
    """A unit's ratings grid ending in its comments box (label and field rows): a page
    never starts with the box alone under the repeated header; the last criterion moves
    with it. (ReportLab builds continuations with this class too, so it holds for them.)"""

    TAIL = 2

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        parts = super().split(availWidth, availHeight)
        while len(parts) == 2 and len(parts[1]._cellvalues) <= self.repeatRows + self.TAIL:
            availHeight -= parts[0]._rowHeights[-1]
            parts = super().split(availWidth, availHeight)
        return parts


FRAME_H = A4[1] - 2 * MARGIN - 4 * mm  # the frame's height: what one page holds


def _tall(data: list[list], widths: list[float]) -> bool:
    """Whether a cell's text takes more than half a page: its row must then be allowed to
    split across pages, or a long text (a criterion, an outcome, many lines) cannot be laid out."""
    return any(isinstance(cell, Paragraph) and cell.wrap(width - 8, FRAME_H)[1] > FRAME_H / 2
               for row in data for cell, width in zip(row, widths))


def _height(flowable: Flowable) -> float:
    """The height a flowable takes in the content width (a kept-together block: all of it)."""
    if isinstance(flowable, KeepTogether):
        return sum(_height(f) for f in flowable._content)
    return flowable.wrap(CONTENT_W, 10_000)[1] + flowable.getSpaceBefore() + flowable.getSpaceAfter()


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
            story.append(para(combine("\n\n".join(["{}"] * len(c["pdf_intro"])), *c["pdf_intro"]), "box"))
        for section in c["sections"]:
            number = section["number"] + ("" if "." in section["number"] else ".")
            heading = para(f"{number} {section['title']}", "h")
            blocks = self.blocks(section["rows"])
            # A heading starts the next page when the room left cannot take it with its
            # first block (or HEADING_ROOM of a longer one, which then splits): so a heading
            # never ends a page, and never drags a long block along leaving a page half empty.
            first = min(_height(blocks[0]), HEADING_ROOM) if blocks else 0
            story += [CondPageBreak(_height(heading) + first), heading, *blocks]
        return story

    def blocks(self, rows: list[Row]) -> list[Flowable]:
        """Rows grouped into tables: a unit's rows form one table whose title row (and
        column header) repeats on every page it runs over; ratings and signature blocks
        get tables of their own."""
        out: list[Flowable] = []
        i = 0
        while i < len(rows):
            row = rows[i]
            if row.get("unit"):
                j = i
                while j < len(rows) and rows[j].get("unit") == row["unit"]:
                    j += 1
                out.append(self.unit_table(rows[i:j]))
                i = j
            elif row["kind"] == "signature":
                out.append(self.signature_block(row))
                i += 1
            else:
                j = i
                while j < len(rows) and not rows[j].get("unit") and rows[j]["kind"] != "signature":
                    j += 1
                out.append(self.plain_table(rows[i:j]))
                i = j
        return out

    def unit_table(self, rows: list[Row]) -> Table:
        if any(r["kind"] == "criterion" for r in rows):
            return self.ratings_table(rows)
        return self.plain_table(rows, repeat_title=rows[0]["kind"] == "heading")

    def plain_table(self, rows: list[Row], repeat_title: bool = False) -> Table:
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
                style.append(("BACKGROUND", (0, i), (1, i), HEADER_BG))
            elif kind == "field":
                data.append([para(row["label"], "label"),
                             self.text_field(row["name"], row["tooltip"], row["lines"], row["multiline"])])
            else:
                data.append([para(row["label"], "label"), para(row["value"])])
        # Splitting inside a row is only for values that may not fit on a page (however long,
        # or however many lines); ReportLab otherwise sometimes splits a one-line row at a page break.
        widths = [LABEL_W, CONTENT_W - LABEL_W]
        tall = any(len(r.get("value", "")) > LONG_VALUE for r in rows) or _tall(data[1 if repeat_title else 0:],
                                                                                widths)
        # A repeated title row is never left alone at the foot of a page (ReportLab does
        # not split at or before repeated rows).
        return Table(data, colWidths=widths, style=TableStyle(style),
                     splitInRow=1 if tall else 0, hAlign="LEFT", repeatRows=1 if repeat_title else 0)

    def ratings_table(self, rows: list[Row]) -> Table:
        """Annex II's grid for one unit: its title and the column header repeat on every
        page the grid runs over; the unit's comments box closes it."""
        labels = self.ctx["labels"]
        options = next(r["options"] for r in rows if r["kind"] == "criterion")
        opt_w = 13 * mm
        nr_w = 9 * mm
        columns = 2 + len(options)
        data: list[list] = []
        style = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("ALIGN", (2, 1), (-1, -1), "CENTER"),
            ("BACKGROUND", (0, 0), (-1, 1), HEADER_BG),
        ]
        for row in rows:
            i = len(data)
            if row["kind"] == "heading":
                data.append([para(combine("{}: {}", row["label"], row["value"]), "bold")] + [""] * (columns - 1))
                style.append(("SPAN", (0, i), (-1, i)))
                data.append([para(labels["nr"], "bold"), para(labels["criterion"], "bold")] + [
                    para(o["short"], "bold") for o in options])
            elif row["kind"] == "group":
                data.append([para(row["label"], "bold")] + [""] * (columns - 1))
                style += [("SPAN", (0, i), (-1, i)), ("BACKGROUND", (0, i), (-1, i), GROUP_BG)]
            elif row["kind"] == "criterion":
                data.append([para(str(row["nr"])), para(row["label"])] + [
                    WidgetBox({"kind": "radio", "name": row["name"], "value": o["value"], "tooltip": row["tooltip"]},
                              self.spots, RADIO_SIZE, RADIO_SIZE)
                    for o in options])
            elif row["kind"] == "field":
                data.append([para(row["label"], "label")] + [""] * (columns - 1))
                data.append([self.text_field(row["name"], row["tooltip"], row["lines"], row["multiline"])]
                            + [""] * (columns - 1))
                style += [("SPAN", (0, i), (-1, i)), ("SPAN", (0, i + 1), (-1, i + 1)),
                          ("VALIGN", (0, i), (-1, i), "BOTTOM")]
            else:
                data.append([para(row.get("label", ""))] + [""] * (columns - 1))
                style.append(("SPAN", (0, i), (-1, i)))
        widths = [nr_w, CONTENT_W - nr_w - opt_w * len(options)] + [opt_w] * len(options)
        table = CommentsLastTable if rows[-1]["kind"] == "field" else Table
        # A criterion of any length prints: a row taller than a page splits across pages
        # (only then, so the radio buttons of a short criterion stay on its line).
        return table(data, colWidths=widths, style=TableStyle(style), repeatRows=2, hAlign="LEFT",
                     splitInRow=1 if _tall(data[2:], widths) else 0)

    def signature_block(self, row: Row) -> Flowable:
        labels = self.ctx["labels"]
        data = [[para(row["label"], "bold"), ""]]
        style = [("SPAN", (0, 0), (1, 0)), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                 ("BOX", (0, 0), (-1, -1), 0.6, GRID),
                 ("BACKGROUND", (0, 0), (1, 0), HEADER_BG)]
        for f in row["fields"]:
            data.append([para(f["label"], "label"), self.text_field(f["name"], plain(f"{row['label']}: {f['label']}"))])
        data.append([para(labels["signature"], "label"),
                     SignatureBox({"kind": "signature", "name": row["name"], "tooltip": row["tooltip"],
                                   "hint": labels["sign_here"]}, self.spots, None, 34)])
        table = Table(data, colWidths=[LABEL_W, CONTENT_W - LABEL_W], style=TableStyle(style), hAlign="LEFT")
        return KeepTogether([table, Spacer(0, 8)])


def _page_decor(ctx: FormContext):
    footer = plain(ctx["footer"])

    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 7)
        canvas.setFillColor(FOOTER_GREY)
        canvas.drawString(MARGIN, 10 * mm, footer)
        canvas.restoreState()

    return draw


def _numbered_canvas(page_of: str) -> type[Canvas]:
    """A canvas that holds its pages until the end, to print "Page X of Y" on each."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self.saveState()
                self.setFont(REGULAR, 7)
                self.setFillColor(FOOTER_GREY)
                self.drawRightString(PAGE_W - MARGIN, 10 * mm, page_of.format(page=number, pages=total))
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas


def render_pdf(ctx: FormContext) -> bytes:
    """The finished fillable PDF for one form context."""
    layout = _Layout(ctx)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=A4, title=f"{ctx['form']['title']} – {ctx['mobility_id']}",
        author="ecvet-forms", creator="ecvet-forms", invariant=1, lang=ctx["lang"],
    )
    # No frame padding: tables of the full content width then start at the margin like
    # the text (ReportLab's default 6 pt padding pushed them 6 pt right, past the margin).
    frame = Frame(MARGIN, MARGIN + 4 * mm, CONTENT_W, A4[1] - 2 * MARGIN - 4 * mm,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates(PageTemplate(frames=[frame], onPage=_page_decor(ctx)))
    doc.build(layout.story(), canvasmaker=_numbered_canvas(ctx["labels"]["page_of"]))
    return finish_pdf(buffer.getvalue(), ctx, layout.spots)
