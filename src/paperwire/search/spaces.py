"""Two vector spaces during catch-up: the transformer's and the first-pass model's.

A paper is searched by meaning in exactly one space: the transformer's once it has a transformer vector,
the first-pass (static) model's until then. A query is embedded in both; each space answers among its own
papers only. The first-pass list joins the fusion at a lower weight than the transformer's, and the
transformer's list weighs in proportion to the share of the library it covers; both chosen on CISI and
Cranfield so that search during catch-up still ranks better than keywords alone (docs/benchmarks.md, "Fast
first-pass embedding").
Once every paper is upgraded the first-pass list is empty, the transformer weighs in full, and search is
exactly what it was before the first pass existed.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperwire.search.fusion import Fused, fused_order
from paperwire.search.rows import Mask


def space_masks(allowed: Mask | None, upgraded: Mask) -> tuple[Mask | None, Mask | None]:
    """(rows the transformer side may return, rows the first-pass side may return); ``None`` for the
    transformer means every row (all upgraded, nothing filtered), ``None`` for the first pass means none."""
    if bool(upgraded.all()):
        return allowed, None
    base = upgraded if allowed is None else allowed & upgraded
    pending = ~upgraded if allowed is None else allowed & ~upgraded
    return base, (pending if bool(pending.any()) else None)


def transformer_weight(weight: float, covered: int, documents: int) -> float:
    """The transformer list's fusion weight while it covers only part of the library: in proportion to that
    part. At full weight, a list over half the library ranks that half's best papers as highly as the whole
    library's best, and crowds out the keyword matches of the other half: measured on Cranfield halfway
    through, keyword + both spaces fell to 0.32 nDCG@10 against keyword search's 0.38; weighted by the share
    it stays at or above keyword search at every quarter of the way (docs/benchmarks.md)."""
    if documents <= 0 or covered >= documents:
        return weight
    return weight * covered / documents


def add_first_pass(fused: list[Fused], first_pass_ids: Sequence[str], *, k: int, weight: float) -> list[Fused]:
    """Fuse the first-pass list into an RRF result: each of its papers gains ``weight / (k + rank)``.

    The first-pass list holds only papers the transformer list cannot (not upgraded yet), so a paper's
    ``semantic_rank`` is its rank in whichever meaning list found it.
    """
    if not first_pass_ids:
        return fused
    by_id = {hit.id: hit for hit in fused}
    for rank, paper_id in enumerate(first_pass_ids, start=1):
        hit = by_id.get(paper_id)
        if hit is None:
            hit = by_id[paper_id] = Fused(paper_id, 0.0)
        if hit.semantic_rank is None:
            hit.semantic_rank = rank
        hit.score += weight / (k + rank)
    return sorted(by_id.values(), key=fused_order)  # the same order as field_aware_fusion
