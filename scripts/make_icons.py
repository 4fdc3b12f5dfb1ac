"""Draw the Back Relief icons (PNG, ICO and SVG) from one geometry; outputs go to static/icons/.

Run: .venv/bin/python scripts/make_icons.py   (needs Pillow, in the dev extra)

The logo is a person seen from behind (head, shoulders, a back narrowing to the waist) with
the spine drawn down the middle in the background colour, so it reads as "back care" even at
48 px. "any" icons sit on a rounded square with transparent corners; maskable and Apple icons
fill the square and keep the logo inside the central 80% circle that launchers may crop to.
The badge and the monochrome icon are the white figure alone, the spine cut out of it.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
TEAL, WHITE, CLEAR = (47, 111, 115, 255), (255, 255, 255, 255), (0, 0, 0, 0)
TEAL_HEX = "#2f6f73"
UNIT = 512  # geometry is in a 512 x 512 box
SUPERSAMPLE = 4

HEAD = ((256, 136), 50)  # centre, radius
# The back's outline: top edge, shoulder corner radius, half-widths at the shoulders, the
# waist and the hips, and where each sits.
TOP, SHOULDER_R, SHOULDER_W = 204, 62, 138
WAIST_Y, WAIST_W, HIPS_Y, HIPS_W = 392, 84, 448, 96
# Vertebrae: (centre x offset, width) top to bottom; a gentle S like a real spine.
VERTEBRAE = [(0, 26), (2, 28), (3, 30), (1, 32), (-2, 34), (-3, 36)]
VERT_TOP, VERT_H, VERT_GAP, VERT_R = 232, 20, 11, 7


def outline() -> list[tuple[float, float]]:
    """The back's polygon: right side top to bottom, then the left side mirrored."""
    cx = UNIT / 2
    right = []
    for i in range(0, 91, 6):  # the shoulder's quarter circle, from the top edge round
        a = math.radians(i)
        x = cx + SHOULDER_W - SHOULDER_R + SHOULDER_R * math.sin(a)
        y = TOP + SHOULDER_R - SHOULDER_R * math.cos(a)
        right.append((x, y))
    steps = 12
    for i in range(1, steps + 1):  # shoulder to waist, curving in
        t = i / steps
        y = TOP + SHOULDER_R + (WAIST_Y - TOP - SHOULDER_R) * t
        right.append((cx + SHOULDER_W + (WAIST_W - SHOULDER_W) * (1 - (1 - t) ** 2), y))
    for i in range(1, 7):  # waist to hips, flaring out a little
        t = i / 6
        right.append((cx + WAIST_W + (HIPS_W - WAIST_W) * t**2, WAIST_Y + (HIPS_Y - WAIST_Y) * t))
    left = [(UNIT - x, y) for x, y in reversed(right)]
    return right + left


def shapes(scale: float) -> tuple[tuple, list, list]:
    """Head circle, back polygon and vertebra rectangles, scaled about the centre (for
    maskable safe zones and the badge)."""

    def s(v: float) -> float:
        return UNIT / 2 + (v - UNIT / 2) * scale

    (hx, hy), hr = HEAD
    head = (s(hx), s(hy), hr * scale)
    body = [(s(x), s(y)) for x, y in outline()]
    rects = []
    for i, (dx, w) in enumerate(VERTEBRAE):
        top = VERT_TOP + i * (VERT_H + VERT_GAP)
        left = UNIT / 2 + dx - w / 2
        rects.append((s(left), s(top), s(left + w), s(top + VERT_H), VERT_R * scale))
    return head, body, rects


def render_png(
    size: int, *, full_bleed: bool, scale: float, background: bool = True
) -> Image.Image:
    big = size * SUPERSAMPLE
    k = big / UNIT
    img = Image.new("RGBA", (big, big), CLEAR)
    draw = ImageDraw.Draw(img)
    if not background:
        pass  # the badge and monochrome icon: the white figure alone on transparency
    elif full_bleed:
        draw.rectangle((0, 0, big, big), fill=TEAL)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=112 * k, fill=TEAL)
    (hx, hy, hr), body, rects = shapes(scale)
    draw.ellipse(((hx - hr) * k, (hy - hr) * k, (hx + hr) * k, (hy + hr) * k), fill=WHITE)
    draw.polygon([(x * k, y * k) for x, y in body], fill=WHITE)
    spine = TEAL if background else CLEAR  # cut out of the figure where there is no ground
    for x0, y0, x1, y1, r in rects:
        draw.rounded_rectangle((x0 * k, y0 * k, x1 * k, y1 * k), radius=r * k, fill=spine)
    return img.resize((size, size), Image.LANCZOS)


def render_badge(size: int) -> Image.Image:
    """The notification badge: Android draws only its alpha, so pure white with the glyph
    as the alpha mask (resampling would otherwise darken the edges)."""
    glyph = render_png(size, full_bleed=False, scale=1.3, background=False)
    badge = Image.new("RGBA", (size, size), WHITE)
    badge.putalpha(glyph.getchannel("A"))
    return badge


def render_svg() -> str:
    (hx, hy, hr), body, rects = shapes(1.0)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in body)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {UNIT} {UNIT}">',
        f'<rect width="{UNIT}" height="{UNIT}" rx="112" fill="{TEAL_HEX}"/>',
        f'<g fill="#fff"><circle cx="{hx:g}" cy="{hy:g}" r="{hr:g}"/>',
        f'<polygon points="{points}"/></g>',
        f'<g fill="{TEAL_HEX}">',
    ]
    for x0, y0, x1, y1, r in rects:
        parts.append(
            f'<rect x="{x0:g}" y="{y0:g}" width="{x1 - x0:g}" height="{y1 - y0:g}" rx="{r:g}"/>'
        )
    parts.append("</g></svg>\n")
    return "".join(parts)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    opts = {"optimize": True}
    for size in (192, 512):
        render_png(size, full_bleed=False, scale=1.0).save(OUT / f"icon-{size}.png", **opts)
        # Maskable: launchers crop to a circle of 80% diameter; 0.8 keeps the logo inside it.
        render_png(size, full_bleed=True, scale=0.8).save(OUT / f"maskable-{size}.png", **opts)
    # iOS rounds the corners itself and shows transparency as black: fill the square.
    apple = render_png(180, full_bleed=True, scale=0.85).convert("RGB")
    apple.save(OUT / "apple-touch-icon.png", **opts)
    render_png(64, full_bleed=False, scale=1.0).save(
        OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)]
    )
    render_badge(96).save(OUT / "badge-96.png", **opts)
    # Manifest "monochrome": the browser keeps only the alpha and tints it (like the badge).
    render_badge(512).save(OUT / "monochrome-512.png", **opts)
    (OUT / "icon.svg").write_text(render_svg())
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
