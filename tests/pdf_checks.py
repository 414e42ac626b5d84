"""Reading PDFs back in tests: each page rendered to an image and its text extracted."""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium

RENDER_SCALE = 0.75
INK_BELOW = 245
"""A pixel counts as ink when its grey level is below this (white is 255)."""
BODY = (0.055, 0.955)
"""The part of an A4 page between the running header and footer, as shares of its height:
a page holding only those is blank."""
MIN_INK_SHARE = 0.0005
"""A body with less ink than this share of its pixels is blank (one short line of text puts
about 0.07% there, a filled page 5-20%)."""


@dataclass(frozen=True)
class Page:
    """One rendered page: its text (whitespace collapsed) and the share of inked pixels in
    its body."""

    text: str
    ink: float


def read_pdf(data: bytes) -> list[Page]:
    """Every page of a PDF, rendered and read."""
    assert data.startswith(b"%PDF-"), data[:20]
    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            text = " ".join(page.get_textpage().get_text_range().split())
            image = page.render(scale=RENDER_SCALE).to_pil().convert("L")
            top, bottom = (round(share * image.height) for share in BODY)
            body = image.crop((0, top, image.width, bottom))
            ink = sum(body.histogram()[:INK_BELOW]) / (body.width * body.height)
            pages.append(Page(text, ink))
        return pages
    finally:
        document.close()


def check_pdf(data: bytes, *expected: str, pages: int | None = None) -> list[Page]:
    """Read a PDF and insist that no page is blank, that it has ``pages`` pages (when
    given), and that its text holds each ``expected`` string; the pages."""
    read = read_pdf(data)
    if pages is not None:
        assert len(read) == pages, f"{len(read)} pages, expected {pages}"
    for number, page in enumerate(read, start=1):
        assert page.ink >= MIN_INK_SHARE, f"page {number} is blank ({page.ink:.2%} ink)"
    text = " ".join(page.text for page in read)
    missing = [e for e in expected if e not in text]
    assert not missing, f"missing {missing} in: {text[:2000]}"
    return read
