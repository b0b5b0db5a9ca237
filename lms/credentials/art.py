"""The vector art of certificate layouts: frames, rules and the guilloche rosette.

Pure functions from a layout's art item (see :mod:`lms.credentials.layouts`)
and the page size to PDF drawing operators.
"""

from __future__ import annotations

import math
from typing import Any


def rgb(color: tuple[float, float, float], op: bytes = b"rg") -> bytes:
    """A colour operator: ``rg`` fills, ``RG`` strokes."""
    return b"%.3f %.3f %.3f %s" % (*color, op)


def vector_art(item: dict[str, Any], w: float, h: float) -> bytes:
    """Operators drawing a ``frame``, ``rect``, ``line`` or ``rosette`` on a ``w`` x ``h`` page."""
    kind = item["type"]
    color = item.get("color", (0.0, 0.0, 0.0))
    line_width = float(item.get("line_width", 1))
    if kind == "frame":
        inset = float(item.get("inset", 0.03)) * min(w, h)
        return b"q %s %.2f w %.2f %.2f %.2f %.2f re S Q\n" % (
            rgb(color, b"RG"),
            line_width,
            inset,
            inset,
            w - 2 * inset,
            h - 2 * inset,
        )
    if kind == "rect":
        ops = b"q "
        paint = b"n"
        if "fill" in item:
            ops += rgb(item["fill"]) + b" "
            paint = b"f"
        if "stroke" in item:
            ops += rgb(item["stroke"], b"RG") + b" %.2f w " % line_width
            paint = b"B" if paint == b"f" else b"S"
        return ops + b"%.2f %.2f %.2f %.2f re %s Q\n" % (
            item["x"] * w,
            item["y"] * h,
            item["w"] * w,
            item["h"] * h,
            paint,
        )
    if kind == "line":
        return b"q %s %.2f w %.2f %.2f m %.2f %.2f l S Q\n" % (
            rgb(color, b"RG"),
            line_width,
            item["x1"] * w,
            item["y1"] * h,
            item["x2"] * w,
            item["y2"] * h,
        )
    # A guilloche rosette: rings of a petalled curve, the engraver's security pattern.
    cx, cy = item.get("x", 0.5) * w, item.get("y", 0.5) * h
    radius = item.get("radius", 0.2) * h
    petals, rings = int(item.get("petals", 12)), int(item.get("rings", 8))
    ops = [b"q %s %.2f w\n" % (rgb(color, b"RG"), line_width)]
    steps = 10 * petals
    for ring in range(rings):
        phase = ring * math.pi / max(rings, 1) / petals * 2
        amplitude = 0.08 + 0.02 * (ring % 3)
        points = []
        for i in range(steps + 1):
            t = 2 * math.pi * i / steps
            r = radius * (1 - 0.04 * ring) * (1 + amplitude * math.sin(petals * t + phase))
            points.append((cx + r * math.cos(t), cy + r * math.sin(t)))
        ops.append(b"%.1f %.1f m\n" % points[0])
        ops.extend(b"%.1f %.1f l\n" % p for p in points[1:])
        ops.append(b"S\n")
    ops.append(b"Q\n")
    return b"".join(ops)
