"""Draw the Teams app icons: color.png (192×192) and outline.png (32×32).

The symbol is a shopping bag with a check mark. Teams wants the colour icon in full colour
(here: white symbol on the accent colour, full bleed, symbol inside the central ~120 px) and
the outline icon white on a transparent background. Pure Python (anti-aliased by
supersampling), no image library needed; the output is byte-for-byte reproducible, and the
committed PNGs are what this script writes:

    .venv/bin/python deploy/teams/make_icons.py            # rewrite deploy/teams/*.png
    .venv/bin/python deploy/teams/make_icons.py --out DIR  # write them elsewhere
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from bot.teams_package import encode_png

HERE = Path(__file__).resolve().parent
ACCENT = (0x1B, 0x5E, 0x8C)  # the manifest's accentColor
WHITE = (255, 255, 255)

# The symbol, in a unit box (x right, y down).
BODY = (0.12, 0.06, 0.36, 1.00, 0.07)  # top half-width, bottom half-width widens by, top y, bottom y, corner radius
HANDLE = (0.50, 0.36, 0.21, 0.145)  # centre x, centre y, outer radius, inner radius (upper half only)
CHECK = ((0.29, 0.64), (0.44, 0.79), (0.71, 0.49))
CHECK_HALF_WIDTH = 0.075
CENTRE_SHIFT = (HANDLE[1] - HANDLE[2]) / 2  # the symbol spans y 0.15..1: move it up to centre it


def _in_body(x: float, y: float) -> bool:
    """A bag body slightly wider at the bottom, with rounded bottom corners."""
    top_half, widening, top, bottom, radius = BODY
    if not top <= y <= bottom:
        return False
    half = 0.5 - top_half + widening * (y - top) / (bottom - top)
    if abs(x - 0.5) > half:
        return False
    if y > bottom - radius and abs(x - 0.5) > half - radius:
        corner_x = 0.5 + math.copysign(half - radius, x - 0.5)
        return math.hypot(x - corner_x, y - (bottom - radius)) <= radius
    return True


def _in_handle(x: float, y: float) -> bool:
    cx, cy, outer, inner = HANDLE
    distance = math.hypot(x - cx, y - cy)
    return y <= cy and inner <= distance <= outer


def _near_segment(x: float, y: float, a: tuple[float, float], b: tuple[float, float], half_width: float) -> bool:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= half_width


def in_symbol(x: float, y: float) -> bool:
    """Is the point (in the symbol's unit box) part of the white symbol?"""
    if not (_in_body(x, y) or _in_handle(x, y)):
        return False
    on_check = any(_near_segment(x, y, CHECK[i], CHECK[i + 1], CHECK_HALF_WIDTH) for i in range(len(CHECK) - 1))
    return not on_check


def coverage(size: int, box: tuple[float, float, float], samples: int) -> list[float]:
    """Share of each pixel covered by the symbol; box = (left, top, side) of the symbol in pixels."""
    left, top, side = box
    result = []
    offsets = [(i + 0.5) / samples for i in range(samples)]
    for py in range(size):
        for px in range(size):
            hits = 0
            for oy in offsets:
                y = (py + oy - top) / side
                for ox in offsets:
                    if in_symbol((px + ox - left) / side, y):
                        hits += 1
            result.append(hits / (samples * samples))
    return result


def color_icon(size: int = 192) -> bytes:
    side = size * 0.62  # the symbol stays inside the central ~120 px
    cover = coverage(size, ((size - side) / 2, (size - side) / 2 - side * CENTRE_SHIFT, side), samples=3)
    rgba = bytearray()
    for share in cover:
        rgba += bytes(round(ACCENT[i] + (WHITE[i] - ACCENT[i]) * share) for i in range(3)) + b"\xff"
    return encode_png(size, size, bytes(rgba))


def outline_icon(size: int = 32) -> bytes:
    side = size - 2.0  # the symbol fills the icon but for a transparent margin of about three pixels
    cover = coverage(size, ((size - side) / 2, (size - side) / 2 - side * CENTRE_SHIFT, side), samples=4)
    rgba = bytearray()
    for share in cover:
        alpha = round(255 * share)
        rgba += bytes((255, 255, 255, alpha)) if alpha else b"\x00\x00\x00\x00"
    return encode_png(size, size, bytes(rgba))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write color.png and outline.png to")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in (("color.png", color_icon()), ("outline.png", outline_icon())):
        (args.out / name).write_bytes(data)
        print(f"{args.out / name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
