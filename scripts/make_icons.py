"""Draw the Back Relief icons (PNG, ICO and SVG) from one geometry; outputs go to static/icons/.

Run: .venv/bin/python scripts/make_icons.py   (needs Pillow, in the dev extra)

The logo is a short column of vertebrae between two "relief" arcs. "any" icons sit on a rounded
square with transparent corners; maskable and Apple icons fill the square and keep the logo
inside the central 80% circle that launchers may crop to.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
TEAL, WHITE = (47, 111, 115, 255), (255, 255, 255, 255)
TEAL_HEX = "#2f6f73"
UNIT = 512  # geometry is in a 512 x 512 box
SUPERSAMPLE = 4

# (centre x offset, width) per vertebra, top to bottom: a gentle S like a real spine.
VERTEBRAE = [(-6, 96), (0, 112), (6, 124), (2, 132), (-4, 140)]
VERT_H, VERT_GAP, VERT_TOP, VERT_R = 34, 12, 142, 15
# Arcs: centre, radius, start and end angle (degrees, clockwise from 3 o'clock, y down).
ARCS = [((256, 256), 150, 140, 220), ((256, 256), 150, -40, 40)]
ARC_W = 26


def shapes(scale: float) -> tuple[list, list]:
    """Vertebra rectangles and arcs, scaled about the centre (for maskable safe zones)."""

    def s(v: float) -> float:
        return UNIT / 2 + (v - UNIT / 2) * scale

    rects = []
    for i, (dx, w) in enumerate(VERTEBRAE):
        top = VERT_TOP + i * (VERT_H + VERT_GAP)
        left = UNIT / 2 + dx - w / 2
        rects.append((s(left), s(top), s(left + w), s(top + VERT_H), VERT_R * scale))
    arcs = [((s(cx), s(cy)), r * scale, a, b, ARC_W * scale) for (cx, cy), r, a, b in ARCS]
    return rects, arcs


def render_png(
    size: int, *, full_bleed: bool, scale: float, background: bool = True
) -> Image.Image:
    big = size * SUPERSAMPLE
    k = big / UNIT
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if not background:
        pass  # the notification badge: the white glyph alone on transparency
    elif full_bleed:
        draw.rectangle((0, 0, big, big), fill=TEAL)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=112 * k, fill=TEAL)
    rects, arcs = shapes(scale)
    for x0, y0, x1, y1, r in rects:
        draw.rounded_rectangle((x0 * k, y0 * k, x1 * k, y1 * k), radius=r * k, fill=WHITE)
    for (cx, cy), r, a, b, w in arcs:
        box = ((cx - r) * k, (cy - r) * k, (cx + r) * k, (cy + r) * k)
        draw.arc(box, a, b, fill=WHITE, width=round(w * k))
        for angle in (a, b):  # round caps
            # Pillow draws the stroke inside the bounding circle, so caps sit at r - w/2.
            px = cx + (r - w / 2) * math.cos(math.radians(angle))
            py = cy + (r - w / 2) * math.sin(math.radians(angle))
            draw.ellipse(((px - w / 2) * k, (py - w / 2) * k, (px + w / 2) * k, (py + w / 2) * k),
                         fill=WHITE)  # fmt: skip
    return img.resize((size, size), Image.LANCZOS)


def render_badge(size: int) -> Image.Image:
    """The notification badge: Android draws only its alpha, so pure white with the glyph
    as the alpha mask (resampling would otherwise darken the edges)."""
    glyph = render_png(size, full_bleed=False, scale=1.3, background=False)
    badge = Image.new("RGBA", (size, size), WHITE)
    badge.putalpha(glyph.getchannel("A"))
    return badge


def render_svg() -> str:
    rects, arcs = shapes(1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {UNIT} {UNIT}">',
        f'<rect width="{UNIT}" height="{UNIT}" rx="112" fill="{TEAL_HEX}"/>',
        '<g fill="#fff">',
    ]
    for x0, y0, x1, y1, r in rects:
        parts.append(
            f'<rect x="{x0:g}" y="{y0:g}" width="{x1 - x0:g}" height="{y1 - y0:g}" rx="{r:g}"/>'
        )
    parts.append('</g><g fill="none" stroke="#fff" stroke-linecap="round">')
    for (cx, cy), r, a, b, w in arcs:
        rr = r - w / 2  # match Pillow, which strokes inside the circle
        x0, y0 = cx + rr * math.cos(math.radians(a)), cy + rr * math.sin(math.radians(a))
        x1, y1 = cx + rr * math.cos(math.radians(b)), cy + rr * math.sin(math.radians(b))
        parts.append(
            f'<path stroke-width="{w:g}" d="M{x0:.1f} {y0:.1f}A{rr:g} {rr:g} 0 0 1 {x1:.1f} {y1:.1f}"/>'
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
    (OUT / "icon.svg").write_text(render_svg())
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
