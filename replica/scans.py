"""Scanned reports (图片版) with the faults of real scans, rendered from the typed report.

A scan is what an agency's office makes of its own typed report: the PDF that
`replica.attachments.render_pdf` writes, printed and scanned at a modest resolution. Each
page gets a scanner's faults, chosen by the seed: grain, a slight skew, JPEG artefacts,
a page fed the wrong way round, and the agency's red seal stamped over the last table.
The truth is the typed report's: every figure is on the page, however badly it prints.
Like the rest of the replica, nothing here imports `parsers`.
"""
import io
import random

import pypdfium2
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from replica.attachments import FONT_PATH, render_pdf

__all__ = ["scan_pages", "render_scanned_pdf", "render_scanned_image", "render_scanned_tiff"]

SCAN_DPI = (150, 200)  # office scanners' usual settings; the lower one is the "low resolution" fault
_SEAL_RED = (215, 35, 40)


def scan_pages(truth: dict, seed: int = 0, *, turn: bool = True, pages: int | None = None) -> list[Image.Image]:
    """The typed report's pages as a scanner gives them back, faults included (RGB);
    `turn`: one page may have been fed sideways or upside down; `pages`: only the first ones
    were fed, at the lower resolution (what the rest of the report holds is not on the scan)."""
    rng = random.Random(f"scan|{seed}|{truth['title']}")
    dpi = rng.choice(SCAN_DPI)  # drawn either way: a cut scan's page has the faults of the whole one's
    if pages is not None:
        dpi = SCAN_DPI[0]
    document = pypdfium2.PdfDocument(render_pdf(truth, seed))
    try:
        numbers = range(len(document) if pages is None else min(pages, len(document)))
        pages = [document[number].render(scale=dpi / 72).to_pil().convert("RGB") for number in numbers]
    finally:
        document.close()
    turned = rng.randrange(len(pages)) if turn and len(pages) > 1 and rng.random() < 0.5 else None
    out = []
    for number, page in enumerate(pages):
        if number == len(pages) - 1 or (len(pages) > 1 and number == len(pages) - 2 and rng.random() < 0.5):
            page = _seal(page, truth["agency"], rng)
        page = _grain(page.rotate(rng.uniform(-1.2, 1.2), resample=Image.BICUBIC, expand=True,
                                  fillcolor=(255, 255, 255)), rng)
        if number == turned:
            page = page.rotate(rng.choice((90, 180, 270)), expand=True)
        out.append(page)
    return out


def _grain(page: Image.Image, rng: random.Random) -> Image.Image:
    """Scanner noise and a little blur, as a flatbed's sensor and glass give them."""
    noise = Image.effect_noise(page.size, rng.uniform(6, 14)).convert("RGB")
    blended = Image.blend(page, noise, 0.08)
    return blended.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 0.6)))


def _seal(page: Image.Image, agency: str, rng: random.Random) -> Image.Image:
    """The agency's round red seal, over whatever the page's lower half holds (a table, its figures)."""
    size = page.width // 4
    seal = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(seal)
    draw.ellipse((4, 4, size - 4, size - 4), outline=_SEAL_RED + (200,), width=max(3, size // 40))
    star = ImageFont.truetype(str(FONT_PATH), size // 5)
    draw.text((size // 2, size // 2), "★", font=star, fill=_SEAL_RED + (200,), anchor="mm")
    font = ImageFont.truetype(str(FONT_PATH), size // 10)
    draw.text((size // 2, size // 4), agency[:10], font=font, fill=_SEAL_RED + (200,), anchor="mm")
    draw.text((size // 2, size * 3 // 4), "政务公开专用章", font=font, fill=_SEAL_RED + (200,), anchor="mm")
    seal = seal.rotate(rng.uniform(-30, 30), resample=Image.BICUBIC)
    x = rng.randrange(page.width // 2, page.width - size)
    y = rng.randrange(page.height // 3, page.height - size - page.height // 10)
    stamped = page.convert("RGBA")
    stamped.alpha_composite(seal, (x, y))
    return stamped.convert("RGB")


def render_scanned_pdf(truth: dict, seed: int = 0, *, pages: int | None = None) -> bytes:
    """A PDF of scanned pages only, JPEG-compressed as scanners write them: no text layer.
    `pages`: as scan_pages takes it."""
    pages = scan_pages(truth, seed, pages=pages)
    rng = random.Random(f"scan-quality|{seed}")
    out = io.BytesIO()
    pages = [_jpeg_artefacts(page, rng) for page in pages]
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=150)
    return out.getvalue()


def render_scanned_image(truth: dict, seed: int = 0, *, image_format: str = "JPEG", pages: int | None = None) -> bytes:
    """The whole report as one long image, pages one under another, as posted on many portals.
    `pages`: as scan_pages takes it."""
    pages = scan_pages(truth, seed, turn=False, pages=pages)
    width = max(page.width for page in pages)
    long_image = Image.new("RGB", (width, sum(page.height for page in pages)), (255, 255, 255))
    top = 0
    for page in pages:
        long_image.paste(page, (0, top))
        top += page.height
    out = io.BytesIO()
    long_image.save(out, format=image_format, **({"quality": 55} if image_format == "JPEG" else {}))
    return out.getvalue()


def render_scanned_tiff(truth: dict, seed: int = 0) -> bytes:
    """A multi-page TIFF (Group 4 fax-style pages are black and white: kept grey here)."""
    pages = [page.convert("L") for page in scan_pages(truth, seed)]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    return out.getvalue()


def _jpeg_artefacts(page: Image.Image, rng: random.Random) -> Image.Image:
    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=rng.randrange(40, 70))
    return Image.open(io.BytesIO(buffer.getvalue()))
