"""Small server-rendered SVG charts for the admin page (no JavaScript, no charting library)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD = 640, 180, 28


def line_chart(points: Sequence[tuple[str, float]], *, title: str) -> str:
    """A line over labelled points; ``title`` is the accessible name (and shown on hover)."""
    if not points:
        return f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}"></svg>'
    top = max(value for _, value in points) or 1
    step = (WIDTH - 2 * PAD) / max(1, len(points) - 1)
    coords = [
        (PAD + i * step, HEIGHT - PAD - (value / top) * (HEIGHT - 2 * PAD)) for i, (_, value) in enumerate(points)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    return (
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="currentColor" '
        f'stroke-opacity="0.3"/>'
        f'<polyline fill="none" stroke="currentColor" stroke-width="2" points="{path}"/>'
        f'<text x="{PAD}" y="{PAD - 10}" font-size="12" fill="currentColor">{top:g}</text>'
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11" fill="currentColor">{escape(points[0][0])}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end" fill="currentColor">'
        f"{escape(points[-1][0])}</text></svg>"
    )


def bar_chart(bars: Sequence[tuple[str, float, float]], *, title: str) -> str:
    """Stacked bars: (label, good, bad) per day — e.g. sent and failed digests."""
    if not bars:
        return f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}"></svg>'
    top = max(good + bad for _, good, bad in bars) or 1
    slot = (WIDTH - 2 * PAD) / len(bars)
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart">'
        f"<title>{escape(title)}</title>"
    ]
    for i, (label, good, bad) in enumerate(bars):
        x = PAD + i * slot + slot * 0.15
        width = slot * 0.7
        good_h = (good / top) * (HEIGHT - 2 * PAD)
        bad_h = (bad / top) * (HEIGHT - 2 * PAD)
        base = HEIGHT - PAD
        parts.append(
            f'<rect x="{x:.1f}" y="{base - good_h:.1f}" width="{width:.1f}" height="{good_h:.1f}" '
            f'fill="currentColor" fill-opacity="0.75"><title>{escape(label)}: {good:g} sent</title></rect>'
        )
        if bad:
            parts.append(
                f'<rect x="{x:.1f}" y="{base - good_h - bad_h:.1f}" width="{width:.1f}" height="{bad_h:.1f}" '
                f'fill="#d9480f"><title>{escape(label)}: {bad:g} failed</title></rect>'
            )
    parts.append(f'<text x="{PAD}" y="{PAD - 10}" font-size="12" fill="currentColor">{top:g}</text></svg>')
    return "".join(parts)
