from __future__ import annotations

import pytest

from paperwire.search.fusion import (
    Fused,
    by_author_first,
    field_aware_fusion,
    keyword_fusion,
    matches_first,
    pin_first,
    reciprocal_rank_fusion,
    with_semantic,
)


def test_rrf_scores_are_sums_of_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion(["a", "b", "c"], ["b", "d"], k=10, depth=10)
    scores = {hit.id: hit.score for hit in fused}
    assert scores["b"] == pytest.approx(1 / 12 + 1 / 11)
    assert scores["a"] == pytest.approx(1 / 11)
    assert scores["d"] == pytest.approx(1 / 12)
    assert [hit.id for hit in fused] == ["b", "a", "d", "c"]


def test_ranks_are_kept_per_list_and_none_when_absent() -> None:
    by_id = {hit.id: hit for hit in reciprocal_rank_fusion(["a", "b"], ["b", "c"], k=60, depth=10)}
    assert (by_id["a"].lexical_rank, by_id["a"].semantic_rank) == (1, None)
    assert (by_id["b"].lexical_rank, by_id["b"].semantic_rank) == (2, 1)
    assert (by_id["c"].lexical_rank, by_id["c"].semantic_rank) == (None, 2)


def test_depth_cuts_each_list_before_fusion() -> None:
    fused = reciprocal_rank_fusion(["a", "b", "c"], ["x", "y", "z"], k=60, depth=2)
    assert {hit.id for hit in fused} == {"a", "b", "x", "y"}


def test_a_document_in_both_lists_beats_one_ranked_first_in_only_one() -> None:
    fused = reciprocal_rank_fusion(["solo", "both"], ["both", "other"], k=60, depth=10)
    assert fused[0].id == "both"


def test_ties_go_to_the_better_single_rank_then_id() -> None:
    fused = reciprocal_rank_fusion(["a", "b"], ["c", "d"], k=60, depth=10)
    assert [hit.id for hit in fused] == ["a", "c", "b", "d"]


def test_weights_shift_the_balance() -> None:
    fused = reciprocal_rank_fusion(["a"], ["b"], k=60, depth=10, lexical_weight=1.0, semantic_weight=2.0)
    assert fused[0].id == "b"


def test_pins_go_first_in_order_and_unfound_pins_are_added() -> None:
    fused = reciprocal_rank_fusion(["a", "b", "c"], [], k=60, depth=10)
    pinned = pin_first(fused, ["c", "zz", "c"])
    assert [hit.id for hit in pinned] == ["c", "zz", "a", "b"]
    assert [hit.pinned for hit in pinned] == [True, True, False, False]
    assert pinned[1].lexical_rank is None
    assert pinned[1].semantic_rank is None


def test_field_aware_fusion_weighs_each_field_list_and_keeps_keyword_ranks() -> None:
    fused = field_aware_fusion(
        ["t1", "both"],
        ["both", "a1"],
        ["s1", "both"],
        lexical=["both", "t1", "only-lexical"],
        k=10,
        depth=10,
        title_weight=0.5,
        abstract_weight=1.0,
        semantic_weight=2.0,
    )
    by_id = {hit.id: hit for hit in fused}
    assert by_id["both"].score == pytest.approx(0.5 / 12 + 1.0 / 11 + 2.0 / 12)
    assert by_id["t1"].score == pytest.approx(0.5 / 11)
    assert by_id["s1"].score == pytest.approx(2.0 / 11)
    assert (by_id["both"].lexical_rank, by_id["both"].semantic_rank) == (1, 2)
    assert by_id["a1"].lexical_rank is None  # not in the combined keyword list
    assert by_id["only-lexical"].score == pytest.approx(1 / 13)  # a word still being typed: joins with weight 1
    assert fused[0].id == "both"


def test_matches_come_first_after_pins_and_an_authors_papers() -> None:
    hits = [Fused("a", 3.0), Fused("b", 2.0, match=0.9, matched=True), Fused("c", 1.0), Fused("p", 0.0, pinned=True)]
    ordered = by_author_first(matches_first(hits), ["c"])
    assert [hit.id for hit in ordered] == ["p", "c", "b", "a"]
    assert ordered[1].by_author
    assert ordered[1].matched


def test_the_keyword_half_then_the_semantic_half_gives_one_pass_sums_to_the_bit() -> None:
    # What search computes while the query is embedded, then once the vector is there: each score is the sum
    # of the same terms in the same order as one pass over the lists (title, abstract, keyword-only, semantic).
    title, abstract, lexical, semantic = ["a", "b", "c"], ["b", "d", "a"], ["b", "a", "e"], ["d", "f", "a"]
    keywords = keyword_fusion(title, abstract, lexical=lexical, k=20, depth=100, title_weight=1.3, abstract_weight=0.7)
    assert sorted(keywords) == ["a", "b", "c", "d", "e"]  # unsorted, no semantic term yet
    assert (keywords["e"].score, keywords["e"].lexical_rank, keywords["e"].semantic_rank) == (1.0 / 23, 3, None)
    fused = with_semantic(keywords, semantic, k=20, depth=100, semantic_weight=2.0)
    scores = {hit.id: hit.score for hit in fused}
    assert scores["a"] == 1.3 / 21 + 0.7 / 23 + 2.0 / 23  # exactly: the same additions in the same order
    assert scores["d"] == 0.7 / 22 + 2.0 / 21
    assert scores["f"] == 2.0 / 22
    assert [hit.id for hit in fused] == [
        h.id
        for h in field_aware_fusion(
            title,
            abstract,
            semantic,
            lexical=lexical,
            k=20,
            depth=100,
            title_weight=1.3,
            abstract_weight=0.7,
            semantic_weight=2.0,
        )
    ]
