"""Label artwork: the star-level mark, the registration number and the QR code.

This is our own design (jcstar-facts §3.3: a label shows a star-level mark, a registration
number and a QR code). IPA's official mark is its trademark and is not reproduced. The PNG
draws stars as shapes rather than glyphs so it needs no font with a ★ in it.
"""

from __future__ import annotations

import io
import math
import re
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from jcstar.labels.claims import LabelClaims
from jcstar.labels.qr import qr_image, qr_svg

MAX_LEVEL = 4
QR_SCALE = 4  # pixels per module: a version-19 QR is 372 px with its quiet zone
MARGIN = 24
HEADER_H = 120
FOOTER_H = 84
INK = "#1a1a1a"
ACCENT = "#0b4f9c"


def _star_points(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * 0.42
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def _layout(qr_px: int) -> tuple[int, int]:
    width = qr_px + 2 * MARGIN
    height = HEADER_H + qr_px + FOOTER_H
    return width, height


def label_svg(claims: LabelClaims, qr_text: str) -> str:
    """The label as a standalone SVG document."""
    qr = qr_svg(qr_text, scale=QR_SCALE)
    size_match = re.search(r'width="(\d+)"', qr)
    qr_px = int(size_match.group(1)) if size_match else 400
    width, height = _layout(qr_px)
    stars = []
    for i in range(MAX_LEVEL):
        cx = MARGIN + 22 + i * 44
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in _star_points(cx, 88, 18))
        fill = ACCENT if i < claims.level else "none"
        stars.append(
            f'<polygon points="{points}" fill="{fill}" stroke="{ACCENT}" stroke-width="2"/>'
        )
    reg = escape(claims.registration_no)
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="JC-STAR ★{claims.level} {reg}">',
            f'<rect x="1" y="1" width="{width - 2}" height="{height - 2}" rx="12" fill="#fff" '
            f'stroke="{INK}" stroke-width="2"/>',
            f'<text x="{MARGIN}" y="50" font-family="Helvetica, Arial, sans-serif" '
            f'font-size="34" font-weight="bold" fill="{INK}">JC-STAR ★{claims.level}</text>',
            *stars,
            f'<g transform="translate({MARGIN},{HEADER_H})">{qr}</g>',
            f'<text x="{width / 2:.0f}" y="{HEADER_H + qr_px + 34}" text-anchor="middle" '
            f'font-family="Helvetica, Arial, sans-serif" font-size="24" fill="{INK}">{reg}</text>',
            f'<text x="{width / 2:.0f}" y="{HEADER_H + qr_px + 64}" text-anchor="middle" '
            f'font-family="Helvetica, Arial, sans-serif" font-size="16" fill="{INK}">'
            f"valid until {claims.expires_on.isoformat()}</text>",
            "</svg>",
            "",
        ]
    )


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def label_image(claims: LabelClaims, qr_text: str) -> Image.Image:
    """The label as a Pillow image (RGB)."""
    qr = qr_image(qr_text, scale=QR_SCALE)
    width, height = _layout(qr.width)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((1, 1, width - 2, height - 2), radius=12, outline=INK, width=2)
    draw.text((MARGIN, 18), "JC-STAR", font=_font(34), fill=INK)
    title_end = MARGIN + draw.textlength("JC-STAR ", font=_font(34))
    # "★<level>" beside the name, the star drawn as a shape
    draw.polygon(_star_points(title_end + 16, 36, 16), fill=INK)
    draw.text((title_end + 36, 18), str(claims.level), font=_font(34), fill=INK)
    for i in range(MAX_LEVEL):
        points = _star_points(MARGIN + 22 + i * 44, 88, 18)
        if i < claims.level:
            draw.polygon(points, fill=ACCENT, outline=ACCENT)
        else:
            draw.polygon(points, outline=ACCENT, width=2)
    image.paste(qr.convert("RGB"), (MARGIN, HEADER_H))
    base = HEADER_H + qr.height
    draw.text((width / 2, base + 24), claims.registration_no, font=_font(24), fill=INK, anchor="mm")
    draw.text(
        (width / 2, base + 56),
        f"valid until {claims.expires_on.isoformat()}",
        font=_font(16),
        fill=INK,
        anchor="mm",
    )
    return image


def label_png(claims: LabelClaims, qr_text: str) -> bytes:
    """The label as PNG bytes."""
    buf = io.BytesIO()
    label_image(claims, qr_text).save(buf, format="PNG")
    return buf.getvalue()
