"""A sparkline of a paper's life as inline SVG, rendered on the server (no JavaScript).

One line per signal kind (each scaled to its own busiest day, so a few views still show next to hundreds of
Hugging Face upvotes), the first and last day written under it, the busiest day marked and labelled, and the
same facts in words as the image's accessible name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from markupsafe import Markup

from paperwire.core.signals import BY_NAME
from paperwire.trending.explain import ORDER, describe

WIDTH, HEIGHT, PAD, LABEL = 320, 64, 4, 12
KIND_ORDER = ORDER
History = Sequence[tuple[date, dict[str, float]]]


def sparkline_svg(history: History, *, width: int = WIDTH, height: int = HEIGHT) -> Markup:
    """The paper's daily signals; safe to put into HTML as is (every text is escaped)."""
    label = describe_history(history)
    attrs = (
        f'xmlns="http://www.w3.org/2000/svg" class="sparkline" width="{width}" height="{height + LABEL}" '
        f'viewBox="0 0 {width} {height + LABEL}" role="img" aria-label="{escape(label)}"'
    )
    body = _lines(history, width, height) + _labels(history, width, height)
    return Markup(f"<svg {attrs}><title>{escape(label)}</title>{body}</svg>")  # noqa: S704 - escaped above


def describe_history(history: History) -> str:
    """``"June 26, 2026 to July 1, 2026: 45 on Hugging Face · 1 view. Busiest day: July 1, 2026 (46)."``"""
    if not history:
        return "No signal history"
    summed: dict[str, float] = {}
    for _, day in history:
        for kind, value in day.items():
            summed[kind] = summed.get(kind, 0.0) + value
    first, last = history[0][0], history[-1][0]
    span = _day(first) if first == last else f"{_day(first)} to {_day(last)}"
    if not summed:
        return f"Signals, {span}: none"
    peak_day, peak = _peak(history)
    return f"Signals, {span}: {describe(summed)}. Busiest day: {_day(peak_day)} ({peak:,.0f})."


def _peak(history: History) -> tuple[date, float]:
    totals = [(sum(values.values()), day) for day, values in history]
    best = max(total for total, _ in totals)
    return next(day for total, day in totals if total == best), best


def _x(i: int, n: int, width: int) -> float:
    return PAD + (i * (width - 2 * PAD) / (n - 1) if n > 1 else (width - 2 * PAD) / 2)


def _y(value: float, top: float, height: int) -> float:
    return height - PAD - (value / top if top else 0.0) * (height - 2 * PAD)


def _lines(history: History, width: int, height: int) -> str:
    n = len(history)
    kinds = [k for k in KIND_ORDER if any(values.get(k) for _, values in history)]
    out = []
    for kind in kinds:
        series = [values.get(kind, 0.0) for _, values in history]
        top = max(series)
        points = " ".join(f"{_x(i, n, width):.1f},{_y(v, top, height):.1f}" for i, v in enumerate(series))
        name = escape(BY_NAME[kind].many if kind in BY_NAME else kind)
        if n == 1:
            x, y = points.split(",")
            out.append(f'<circle class="kind-{kind}" cx="{x}" cy="{y}" r="2.5"><title>{name}</title></circle>')
        else:
            out.append(
                f'<polyline class="kind-{kind}" fill="none" stroke="currentColor" stroke-width="1.5" '
                f'points="{points}"><title>{name}</title></polyline>'
            )
    return "".join(out)


def _labels(history: History, width: int, height: int) -> str:
    if not history:
        return ""
    n = len(history)
    base = height + LABEL - 2
    first, last = history[0][0], history[-1][0]
    out = [f'<text class="start" x="{PAD}" y="{base}">{escape(_short(first))}</text>']
    if last != first:
        out.append(f'<text class="end" x="{width - PAD}" y="{base}" text-anchor="end">{escape(_short(last))}</text>')
    peak_day, peak = _peak(history)
    if peak > 0:
        i = next(i for i, (day, _) in enumerate(history) if day == peak_day)
        x = _x(i, n, width)
        anchor = "start" if x < width / 3 else "end" if x > 2 * width / 3 else "middle"
        text = f"busiest {_short(peak_day)}: {peak:,.0f}"
        out.append(f'<circle class="peak" cx="{x:.1f}" cy="{PAD}" r="2" fill="currentColor"/>')
        tx = x - 6 if anchor == "end" else x + 6 if anchor == "start" else x  # beside the mark, not on it
        out.append(f'<text class="peak" x="{tx:.1f}" y="{PAD + 9}" text-anchor="{anchor}">{escape(text)}</text>')
    return "".join(out)


def _day(day: date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _short(day: date) -> str:
    return f"{day.strftime('%b')} {day.day}, {day.year}"
