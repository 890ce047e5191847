"""Charts drawn as inline SVG (no library, no external asset), for the HTML report.

Every text that comes from the data is escaped here; callers pass plain strings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#264653", "#2A9D8F", "#E9C46A", "#F4A261", "#E76F51", "#8AB17D", "#6D597A",
           "#B56576", "#457B9D", "#A8DADC")
LOW, HIGH = (255, 255, 255), (231, 111, 81)


def nice_step(top: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) for about ``ticks`` axis ticks."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)


def _number(value: float) -> str:
    return f"{value:g}"


def stacked_bars(groups: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
                 title: str, y_label: str, width: int = 860, height: int = 380) -> str:
    """A stacked column chart: one column per group, one coloured part per series."""
    frame = _Frame(width - 56 - 230, height - 30 - 40)
    totals = [sum(values[i] for _, values in series) for i in range(len(groups))]
    step = nice_step(max(totals, default=0))
    frame.y_max = step * max(1, math.ceil(max(totals, default=0) / step))
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
              f'role="img" aria-label="{escape(title)}" class="chart">'),
             f"<title>{escape(title)}</title>", *_grid(frame, step)]
    slot = frame.width / max(1, len(groups))
    bar = min(72.0, slot * 0.6)
    for i, group in enumerate(groups):
        x = frame.left + slot * i + (slot - bar) / 2
        parts += _column(frame, x, bar, group, [(name, values[i]) for name, values in series])
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{frame.y(totals[i]) - 6:.1f}" '
                     f'class="total" text-anchor="middle">{_number(totals[i])}</text>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{frame.bottom + 20}" class="label" '
                     f'text-anchor="middle">{escape(group)}</text>')
    middle = frame.top + frame.height / 2
    parts.append(f'<text x="16" y="{middle:.1f}" class="axis" text-anchor="middle" '
                 f'transform="rotate(-90 16 {middle:.1f})">{escape(y_label)}</text>')
    parts += _legend([name for name, _ in series], frame.left + frame.width + 24, frame.top)
    parts.append("</svg>")
    return "\n".join(parts)


class _Frame:
    """The plotting area: position, size and the value at its top."""

    def __init__(self, width: float, height: float) -> None:
        self.left, self.top = 56.0, 30.0
        self.width, self.height = width, height
        self.y_max = 1.0

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def y(self, value: float) -> float:
        return self.bottom - value * self.height / self.y_max


def _grid(frame: _Frame, step: float) -> list[str]:
    parts = []
    tick = 0.0
    while tick <= frame.y_max + 1e-9:
        y = frame.y(tick)
        parts.append(f'<line x1="{frame.left}" y1="{y:.1f}" x2="{frame.left + frame.width}" '
                     f'y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{frame.left - 8}" y="{y + 4:.1f}" class="tick" '
                     f'text-anchor="end">{_number(tick)}</text>')
        tick += step
    return parts


def _column(frame: _Frame, x: float, bar: float, group: str,
            parts_of: Sequence[tuple[str, float]]) -> list[str]:
    parts = []
    done = 0.0
    for (name, value), colour in zip(parts_of, _colours(len(parts_of)), strict=True):
        if value <= 0:
            continue
        top, height = frame.y(done + value), frame.y(done) - frame.y(done + value)
        done += value
        parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                     f'fill="{colour}"><title>{escape(group)}: {escape(name)} '
                     f"{_number(value)}</title></rect>")
    return parts


def _legend(names: Sequence[str], x: float, y: float) -> list[str]:
    parts = []
    for i, (name, colour) in enumerate(zip(names, _colours(len(names)), strict=True)):
        row = y + i * 22
        parts.append(f'<rect x="{x}" y="{row}" width="14" height="14" fill="{colour}"/>')
        parts.append(f'<text x="{x + 20}" y="{row + 11}" class="legend">{escape(name)}</text>')
    return parts


def _colours(count: int) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(count)]


def heat_colour(value: float, top: float) -> str:
    """White for nothing, deepening to orange-red at ``top``."""
    share = 0.0 if top <= 0 else max(0.0, min(1.0, value / top))
    rgb = [round(lo + (hi - lo) * share) for lo, hi in zip(LOW, HIGH, strict=True)]
    return "#{:02X}{:02X}{:02X}".format(*rgb)
