"""A sparkline of a paper's daily signals as inline SVG, rendered on the server (no JavaScript)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from markupsafe import Markup

from paperwire.trending.explain import describe

WIDTH, HEIGHT, PAD = 120, 24, 2


def sparkline_svg(
    history: Sequence[tuple[date, dict[str, float]]], *, width: int = WIDTH, height: int = HEIGHT
) -> Markup:
    """A line of each day's total signal increments; its accessible name says what the period held.

    Safe to put into HTML as is (every text is escaped); ``Markup`` so templates do not escape it again.
    """
    totals = [sum(day.values()) for _, day in history]
    label = _label(history)
    attrs = (
        f'xmlns="http://www.w3.org/2000/svg" class="sparkline" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}"'
    )
    line = _polyline(totals, width, height)
    return Markup(f"<svg {attrs}><title>{escape(label)}</title>{line}</svg>")  # noqa: S704 - escaped above


def _label(history: Sequence[tuple[date, dict[str, float]]]) -> str:
    if not history:
        return "No signal history"
    summed: dict[str, float] = {}
    for _, day in history:
        for kind, value in day.items():
            summed[kind] = summed.get(kind, 0.0) + value
    span = f"{history[0][0].isoformat()} to {history[-1][0].isoformat()}"
    return f"Signals per day, {span}: " + (describe(summed) if summed else "none")


def _polyline(totals: list[float], width: int, height: int) -> str:
    if not totals:
        return ""
    top = max(totals) or 1.0
    step = (width - 2 * PAD) / max(len(totals) - 1, 1)
    points = " ".join(
        f"{PAD + i * step:.1f},{height - PAD - (value / top) * (height - 2 * PAD):.1f}"
        for i, value in enumerate(totals)
    )
    return f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{points}"/>'
