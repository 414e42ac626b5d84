"""Building blocks of ChaSen's PDF documents (reportlab platypus): fonts, styles, tables that
wrap long text, chart images, and an A4 page with a header and a numbered footer.

Text is set in DejaVu Sans (shipped with matplotlib), so names with macrons or accents print
as written, and the charts share the document's typeface.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from functools import cache, partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Image,
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

__all__ = ["KeepInFrame", "Spacer", "mm"]

Flowable = Any
"""A reportlab flowable (reportlab ships no type information)."""

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
TOP_MARGIN = MARGIN + 2 * mm
FRAME_PADDING = 6  # platypus frames keep 6 points free on each side
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN - 2 * FRAME_PADDING
FRAME_HEIGHT = PAGE_HEIGHT - TOP_MARGIN - MARGIN - 2 * FRAME_PADDING

FONT = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"

INK = colors.HexColor("#1f2937")
MUTED = colors.HexColor("#6b7280")
ACCENT = colors.HexColor("#1d4ed8")
RULE = colors.HexColor("#d1d5db")
HEADER_FILL = colors.HexColor("#e8eefc")
ZEBRA = colors.HexColor("#f7f8fa")
BAND_COLOURS = {
    "healthy": "#15803d",
    "at_risk": "#d97706",
    "critical": "#b91c1c",
    "low": "#15803d",
    "medium": "#d97706",
    "high": "#ea580c",
}
"""Health and churn-risk bands (critical is red in both)."""


@cache
def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold, italic) with reportlab, once per process."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name in (FONT, BOLD, ITALIC):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD)


@cache
def styles() -> dict[str, Any]:
    """Paragraph styles by name: title, h2, h3, h4, body, small, muted, and for tables
    cell, cell_right, cell_head and cell_head_right."""
    register_fonts()

    def style(name: str, size: float, font: str = FONT, **extra: Any) -> Any:
        base = {"fontName": font, "fontSize": size, "leading": size * 1.3, "textColor": INK}
        return ParagraphStyle(name, **{**base, "alignment": TA_LEFT, **extra})

    return {
        "title": style("title", 18, BOLD, spaceAfter=4 * mm, textColor=ACCENT),
        # Headings keep with what follows: none is left alone at the foot of a page.
        "h2": style(
            "h2", 13, BOLD, spaceBefore=5 * mm, spaceAfter=2 * mm, textColor=ACCENT, keepWithNext=1
        ),
        "h3": style("h3", 10.5, BOLD, spaceBefore=3 * mm, spaceAfter=1.5 * mm, keepWithNext=1),
        "h4": style("h4", 9, BOLD, spaceBefore=2 * mm, spaceAfter=1 * mm, keepWithNext=1),
        "body": style("body", 9, spaceAfter=2 * mm),
        "small": style("small", 7.5),
        "muted": style("muted", 8.5, ITALIC, textColor=MUTED, spaceAfter=2 * mm),
        "cell": style("cell", 7.5),
        "cell_right": style("cell_right", 7.5, alignment=TA_RIGHT),
        "cell_head": style("cell_head", 7.5, BOLD),
        "cell_head_right": style("cell_head_right", 7.5, BOLD, alignment=TA_RIGHT),
    }


def markup(value: str) -> str:
    """User text made literal in reportlab's paragraph markup; newlines become line breaks."""
    return "<br/>".join(xml_escape(line) for line in value.split("\n"))


def para(value: str, style: str = "body") -> Flowable:
    """A paragraph of plain (escaped) text."""
    return Paragraph(markup(value), styles()[style])


def cell(value: str, *, first_line_bold: bool = False) -> Flowable:
    """A table cell that wraps; with ``first_line_bold`` the detail lines after the first
    line print muted under it."""
    head, _, detail = value.partition("\n")
    if not first_line_bold:
        return Paragraph(markup(value), styles()["cell"])
    if not detail:
        return Paragraph(f"<b>{markup(head)}</b>", styles()["cell"])
    colour = MUTED.hexval().replace("0x", "#")
    return Paragraph(
        f"<b>{markup(head)}</b><br/><font color='{colour}'>{markup(detail)}</font>",
        styles()["cell"],
    )


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    width: float = FRAME_WIDTH,
    bold_first_column: bool = False,
    numeric: Sequence[int] = (),
) -> Flowable:
    """A table filling ``width``: relative column ``widths``, a header row repeated on each
    page, cells that wrap (a row too tall for a page splits inside), zebra rows; the
    ``numeric`` columns are aligned right."""
    total = sum(widths)
    col_widths = [width * w / total for w in widths]
    right = set(numeric)
    header = [
        Paragraph(markup(c), styles()["cell_head_right" if i in right else "cell_head"])
        for i, c in enumerate(columns)
    ]
    body = [
        [
            Paragraph(markup(v), styles()["cell_right"])
            if i in right
            else cell(v, first_line_bold=bold_first_column and i == 0)
            for i, v in enumerate(row)
        ]
        for row in rows
    ]
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    commands += [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(2, len(body) + 1, 2)]
    return Table(
        [header, *body],
        colWidths=col_widths,
        repeatRows=1,
        splitInRow=1,
        style=TableStyle(commands),
        hAlign="LEFT",
        spaceAfter=3 * mm,
    )


def facts(items: Sequence[tuple[str, str]], *, width: float = FRAME_WIDTH) -> Flowable:
    """Labelled values as a two-column table without rules."""
    rows = [
        [Paragraph(markup(k), styles()["cell_head"]), Paragraph(markup(v), styles()["cell"])]
        for k, v in items
    ]
    return Table(
        rows,
        colWidths=[width * 0.3, width * 0.7],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
        hAlign="LEFT",
        spaceAfter=2 * mm,
    )


def chart(png: bytes, width: float) -> Flowable:
    """A chart (PNG bytes from ``charts``) scaled to ``width``, keeping its proportions."""
    pixels_wide, pixels_high = ImageReader(io.BytesIO(png)).getSize()
    return Image(io.BytesIO(png), width=width, height=width * pixels_high / pixels_wide)


def row(images: Sequence[bytes], shares: Sequence[float], width: float, height: float) -> Flowable:
    """Charts side by side, each in its share of ``width`` and at most ``height`` tall."""
    cells = []
    for png, share in zip(images, shares, strict=True):
        image = chart(png, width * share - 4)
        if image.drawHeight > height:
            image.drawWidth *= height / image.drawHeight
            image.drawHeight = height
        cells.append(image)
    return Table(
        [cells],
        colWidths=[width * share for share in shares],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "LEFT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
        hAlign="LEFT",
    )


def tiles(items: Sequence[tuple[str, str, str, str | None]], width: float) -> Flowable:
    """Key figures side by side: (label, value, note, value colour or None) each."""
    base = styles()
    small = ParagraphStyle("tile_label", parent=base["small"], textColor=MUTED)
    cells = []
    for name, value, note, colour in items:
        big = ParagraphStyle(
            "tile_value",
            parent=base["h3"],
            fontSize=14,
            leading=17,
            spaceBefore=1,
            spaceAfter=1,
            textColor=colour or INK,
        )
        cells.append(
            [
                Paragraph(markup(name), small),
                Paragraph(markup(value), big),
                Paragraph(markup(note), small),
            ]
        )
    return Table(
        [cells],
        colWidths=[width / len(items)] * len(items),
        style=TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), ZEBRA),
                ("LINEAFTER", (0, 0), (-2, -1), 2, colors.white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        ),
        hAlign="LEFT",
    )


def colour_of(band: str | None) -> str:
    """The hex colour of a health or risk band (grey when unknown)."""
    return BAND_COLOURS.get(band or "", "#6b7280")


class _PagedCanvas(Canvas):  # type: ignore[misc]
    """A canvas that holds its pages until the end, so each footer can say "page n of m"."""

    def __init__(self, *args: Any, header: str, footer: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header, self._footer = header, footer
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Draw every page's header and footer, then write the document."""
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, len(self._pages))
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        top = PAGE_HEIGHT - MARGIN + 4 * mm
        self.line(MARGIN, top - 1.5 * mm, PAGE_WIDTH - MARGIN, top - 1.5 * mm)
        self.line(MARGIN, MARGIN - 5 * mm, PAGE_WIDTH - MARGIN, MARGIN - 5 * mm)
        self.setFillColor(MUTED)
        self.setFont(FONT, 8)
        self.drawString(MARGIN, top, _fit(self._header, FRAME_WIDTH - 30 * mm, 8))
        self.drawRightString(PAGE_WIDTH - MARGIN, top, "ChaSen")
        bottom = MARGIN - 9 * mm
        self.drawString(MARGIN, bottom, self._footer)
        self.drawRightString(PAGE_WIDTH - MARGIN, bottom, f"Page {number} of {total}")
        self.restoreState()


def _fit(value: str, width: float, size: float) -> str:
    """``value`` cut with an ellipsis to fit ``width`` points."""
    if pdfmetrics.stringWidth(value, FONT, size) <= width:
        return value
    while value and pdfmetrics.stringWidth(value + "…", FONT, size) > width:
        value = value[:-1]
    return value + "…"


def build(story: list[Flowable], *, title: str, generated: date, subject: str = "") -> bytes:
    """The story laid out on A4 pages with ``title`` in the header and "generated <date>"
    and the page number in the footer; the PDF's bytes."""
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="ChaSen",
        subject=subject,
        creator="ChaSen",
    )
    footer = f"Generated {generated.day} {generated:%b %Y} by ChaSen"
    document.build(story, canvasmaker=partial(_PagedCanvas, header=title, footer=footer))
    return buffer.getvalue()


def truncate(value: str, limit: int) -> str:
    """``value`` on one line, cut at a word to at most ``limit`` characters."""
    flat = re.sub(r"\s+", " ", value).strip()
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
