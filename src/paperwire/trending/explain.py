"""Words for the numbers: a trending item's ``why`` as a phrase people can read."""

from __future__ import annotations

from collections.abc import Mapping

from paperwire.core.signals import BY_NAME
from paperwire.trending.formula import KINDS, PRIOR


def describe(why: Mapping[str, float]) -> str:
    """``{"hf_upvotes": 163, "github_stars": 8}`` -> ``"163 Hugging Face upvotes · 8 new GitHub stars"``.

    Amounts are decayed, so they are rarely whole; they are shown to one decimal when small.
    """
    phrases = [_phrase(kind, why[kind]) for kind in KINDS if why.get(kind, 0) > 0]
    return " · ".join(phrases) if phrases else "new: no signals yet"


def describe_points(points: Mapping[str, float]) -> str:
    """What each part added: ``"hf_upvotes +5.03 · recency_prior +1.00"`` (largest first)."""
    ordered = sorted(points.items(), key=lambda item: -item[1])
    return " · ".join(f"{'recency' if name == PRIOR else name} +{value:.2f}" for name, value in ordered)


def _phrase(kind: str, amount: float) -> str:
    one, many = BY_NAME[kind].one, BY_NAME[kind].many
    shown = f"{amount:.0f}" if amount >= 10 or amount == int(amount) else f"{amount:.1f}"
    return f"{shown} {one if shown == '1' else many}"
