"""Draw eCabinet's icons: static/ecabinet/icons/icon.svg (the source, committed) and, from the same
shapes, the PNGs of the web app manifest (192, 512, maskable 512), the Apple touch icon (180)
and static/ecabinet/icons/favicon.ico (16, 32, 48). Pillow only (no SVG renderer is needed: the
shapes are few and drawn here at 4x, then reduced, for smooth edges).

    .venv/bin/python scripts/make_icons.py

The icon: the product's red, a white paper with three lines of text (the meeting's papers) and
the yellow seal of a signed document.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "static" / "ecabinet" / "icons"
RED, RED_DARK, YELLOW, WHITE, GREY = "#a3161a", "#7a1014", "#ffd400", "#ffffff", "#c9c9c9"
SIZE = 512  # the design grid


def shapes(*, maskable: bool) -> list[tuple]:
    """The icon on a 512 grid: ("rect", x0, y0, x1, y1, radius, colour), ("poly", points, colour),
    ("circle", cx, cy, r, colour). A maskable icon fills the square and keeps its content in the
    middle 80 % (the safe zone), so it is drawn smaller."""
    scale, offset = (0.72, SIZE * 0.14) if maskable else (1.0, 0.0)

    def p(v: float) -> float:
        return offset + v * scale

    items: list[tuple] = [("rect", 0, 0, SIZE, SIZE, 0 if maskable else 96, RED)]
    # the paper, with a folded corner
    items.append(("poly", [(p(132), p(84)), (p(322), p(84)), (p(392), p(154)), (p(392), p(428)),
                           (p(132), p(428))], WHITE))
    items.append(("poly", [(p(322), p(84)), (p(392), p(154)), (p(322), p(154))], GREY))
    for y, x1 in ((200, 350), (248, 350), (296, 290)):
        items.append(("rect", p(172), p(y), p(x1), p(y + 20), 10 * scale, RED_DARK))
    # the seal: a yellow disc with a red five-pointed star
    items.append(("circle", p(366), p(392), 84 * scale, YELLOW))
    items.append(("poly", star(p(366), p(394), 52 * scale, 21 * scale), RED))
    return items


def star(cx: float, cy: float, outer: float, inner: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def svg(items: list[tuple]) -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}">']
    for item in items:
        kind = item[0]
        if kind == "rect":
            _k, x0, y0, x1, y1, radius, colour = item
            parts.append(f'<rect x="{x0:g}" y="{y0:g}" width="{x1 - x0:g}" height="{y1 - y0:g}" '
                         f'rx="{radius:g}" fill="{colour}"/>')
        elif kind == "poly":
            _k, points, colour = item
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polygon points="{coords}" fill="{colour}"/>')
        else:
            _k, cx, cy, r, colour = item
            parts.append(f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" fill="{colour}"/>')
    parts.append("</svg>\n")
    return "\n".join(parts)


def raster(items: list[tuple], size: int) -> Image.Image:
    k = size * 4 / SIZE
    image = Image.new("RGBA", (size * 4, size * 4), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for item in items:
        kind = item[0]
        if kind == "rect":
            _k, x0, y0, x1, y1, radius, colour = item
            draw.rounded_rectangle([x0 * k, y0 * k, x1 * k - 1, y1 * k - 1], radius=radius * k, fill=colour)
        elif kind == "poly":
            _k, points, colour = item
            draw.polygon([(x * k, y * k) for x, y in points], fill=colour)
        else:
            _k, cx, cy, r, colour = item
            draw.ellipse([(cx - r) * k, (cy - r) * k, (cx + r) * k, (cy + r) * k], fill=colour)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    plain, maskable = shapes(maskable=False), shapes(maskable=True)
    (OUT / "icon.svg").write_text(svg(plain), encoding="utf-8")
    (OUT / "icon-maskable.svg").write_text(svg(maskable), encoding="utf-8")
    for size in (192, 512):
        raster(plain, size).save(OUT / f"icon-{size}.png", optimize=True)
    raster(maskable, 512).save(OUT / "icon-maskable-512.png", optimize=True)
    # iOS puts its own mask on a square, opaque icon
    raster(maskable, 180).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    raster(plain, 48).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    print("icons written to", OUT)


if __name__ == "__main__":
    main()
