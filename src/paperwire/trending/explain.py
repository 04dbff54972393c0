"""Words for the numbers: why a paper is on a trending list, in whole numbers of real events.

The score decays every signal (``why`` and ``points`` in the API keep those amounts); sentences never show a
decayed mass. They count what happened in the window's span: ``"12 upvotes here · 163 on Hugging Face ·
+40 GitHub stars this week"``. The words of each kind come from the table in ``paperwire.core.signals``.
"""

from __future__ import annotations

from collections.abc import Mapping

from paperwire.core.signals import BY_NAME, EVENT_KINDS, SNAPSHOT_KINDS
from paperwire.trending.formula import PRIOR

# This site's own readers first, then Hugging Face, then GitHub.
ORDER: tuple[str, ...] = EVENT_KINDS + SNAPSHOT_KINDS
SPAN_WORDS = {"day": "today", "week": "this week", "month": "this month"}
NOTHING = "no votes or stars yet"


def describe(counts: Mapping[str, float], window: str | None = None) -> str:
    """``{"upvote": 12, "hf_upvotes": 163, "github_stars": 40}``, ``"week"`` ->
    ``"12 upvotes here · 163 on Hugging Face · +40 GitHub stars this week"``.

    ``counts`` are whole events (for Hugging Face and GitHub: how much the count rose); fractions are rounded.
    Without a window, no span is named (a sparkline's own period, a paper's totals).
    """
    phrases = [_phrase(kind, counts[kind]) for kind in ORDER if round(counts.get(kind, 0)) > 0]
    if not phrases:
        return NOTHING
    span = f" {SPAN_WORDS[window]}" if window in SPAN_WORDS else ""
    return " · ".join(phrases) + span


def explain(
    counts: Mapping[str, float], why: Mapping[str, float], window: str, totals: Mapping[str, float] | None = None
) -> str:
    """A list item's reason: its counts in the window's span, or, when it still scores on older signals
    (decaying, within six half-lives), that it does.

    ``totals`` are series first seen in the span (a repository's first star count): with no earlier count
    there is no rise to tell, so they are named as totals after the span's words ("... today · 2,300 GitHub
    stars"), and only for a kind with no rise counted."""
    told = _told(counts, totals, window)
    if told is not None:
        return told
    if any(value > 0 for kind, value in why.items() if kind != PRIOR):
        return f"earlier signals, fading: nothing new {SPAN_WORDS.get(window, 'lately')}"
    return NOTHING


def told(counts: Mapping[str, float], totals: Mapping[str, float] | None = None) -> str | None:
    """``explain``'s words for the counts and the first-seen totals, without a span ("12 upvotes here · 163
    on Hugging Face"), for a sentence that names the period itself; None when there is nothing to tell."""
    return _told(counts, totals, None)


def _told(counts: Mapping[str, float], totals: Mapping[str, float] | None, window: str | None) -> str | None:
    seen = [_total(kind, n) for kind, n in (totals or {}).items() if round(n) > 0 and round(counts.get(kind, 0)) <= 0]
    said = [describe(counts, window)] if any(round(counts.get(kind, 0)) > 0 for kind in ORDER) else []
    return " · ".join(said + seen) if said or seen else None


def describe_points(points: Mapping[str, float]) -> str:
    """What each part added: ``"hf_upvotes +5.03 · recency_prior +1.00"`` (largest first)."""
    ordered = sorted(points.items(), key=lambda item: -item[1])
    return " · ".join(f"{'recency' if name == PRIOR else name} +{value:.2f}" for name, value in ordered)


def _total(kind: str, amount: float) -> str:
    """``"2,300 GitHub stars"``: a count as observed, no sign (it is not a rise)."""
    signal = BY_NAME[kind]
    one, many = signal.counted if signal.counted[0] else (signal.one, signal.many)
    n = round(amount)
    return f"{n:,} {one if n == 1 else many}"


def _phrase(kind: str, amount: float) -> str:
    signal = BY_NAME[kind]
    one, many = signal.counted if signal.counted[0] else (signal.one, signal.many)
    n = round(amount)
    return f"{signal.counted_sign}{n:,} {one if n == 1 else many}"
