"""Each personal signal on small hand-made data: pure numpy and the search library's analyser (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from paperwire.recommend import explain, signals
from paperwire.recommend.signals import AUTHOR_CAP, LikedAuthors, PeriodSignals, coauthors, identity


@dataclass(frozen=True)
class Paper:
    title: str
    abstract: str = ""
    authors: list[str] = field(default_factory=list)


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def period_of(papers: list[Paper], matrix: np.ndarray | None = None) -> PeriodSignals:
    if matrix is None:
        matrix = np.zeros((len(papers), 0), dtype=np.float32)
    return PeriodSignals(
        papers, matrix, np.ones(len(papers), dtype=bool) if matrix.shape[1] else np.zeros(len(papers), bool)
    )


def test_meaning_removes_the_direction_every_paper_of_the_period_shares() -> None:
    # Every paper of the day leans the same way (a common component). Raw cosine prefers the paper that is
    # nothing but that common direction; centred on the day's mean, the one that shares the liked paper's own
    # theme wins.
    dim = 8
    common, mine, other = np.eye(dim)[0], np.eye(dim)[1], np.eye(dim)[2]
    noise = np.random.default_rng(1).normal(size=(20, dim))
    noise[:, :3] = 0.0
    day = unit(
        np.vstack(
            [
                0.3 * common + mine + other,  # row 0: the liked paper's theme (and something else)
                common,  # row 1: only the common direction
                *(common + 0.3 * noise),
            ]
        )
    )
    liked = unit((common + mine)[None, :])
    raw = day @ liked[0]
    assert raw[1] > raw[0]  # raw cosine: the generic paper
    period = period_of([Paper(f"p{i}") for i in range(len(day))], day)
    closeness, which = period.meaning(period.centre(liked))
    assert int(np.argmax(closeness)) == 0
    assert closeness[0] > closeness[1] + 0.3
    assert (which == 0).all()


def test_meaning_names_the_liked_paper_each_paper_is_closest_to() -> None:
    day = unit(np.vstack([np.eye(4)[0] + 0.1, np.eye(4)[1] + 0.1, np.eye(4)[2] + 0.1, np.eye(4)[3] + 0.1]))
    period = period_of([Paper(f"p{i}") for i in range(4)], day)
    _closeness, which = period.meaning(period.centre(unit(np.vstack([np.eye(4)[1], np.eye(4)[0]]))))
    assert which[0] == 1
    assert which[1] == 0


def test_words_rank_the_paper_sharing_the_liked_papers_rare_words_first() -> None:
    day = [
        Paper("Speculative decoding with draft models", "We accelerate decoding of large language models."),
        Paper("A survey of large language models", "Large language models are large."),
        Paper("Graph colouring on planar graphs", "We colour planar graphs with four colours."),
        Paper("Language models for code", "Language models write code."),
    ]
    period = period_of(day)
    liked = [
        period.tfidf(signals.terms_of(Paper("Faster speculative decoding", "Drafting tokens speeds up decoding."))),
        period.tfidf(signals.terms_of(Paper("Four colour theorem", "Every planar map can be coloured."))),
    ]
    closeness, which = period.words(liked)
    assert list(np.argsort(-closeness)[:2]) == [0, 2]
    assert (which[0], which[2]) == (0, 1)
    assert closeness[1] < closeness[0]
    assert closeness[3] < closeness[0]
    # the words named are the paper's own words (as printed, lower case) that it shares with the liked paper
    shared = period.shared_words(0, liked[0])
    # ("Drafting" in the liked paper and "draft" here are one word to the index: shown as this paper prints it)
    assert shared[0] == "decoding"
    assert set(shared) == {"decoding", "speculative", "draft"}


def test_words_without_shared_words_are_zero_and_formula_symbols_do_not_count() -> None:
    period = period_of([Paper("Let x be in R", "Take x and y in 2d."), Paper("Protein folding", "Folding.")])
    liked = [period.tfidf(signals.terms_of(Paper("x y z", "x is in R and y in 2d")))]
    closeness, _ = period.words(liked)
    assert closeness.tolist() == [0.0, 0.0]


def test_coauthors_count_liked_papers_per_author_capped_and_the_readers_own_name_is_left_out() -> None:
    liked = {
        f"L{i}": Paper(
            f"liked {i}", authors=["Ada Lovelace", "Charles Babbage"] + (["Mary Somerville"] if i < 1 else [])
        )
        for i in range(5)
    }
    authors = LikedAuthors.of(liked, own_name="Ada Lovelace")
    day = [
        Paper("only the reader", authors=["A. Lovelace"]),  # the reader's own name, printed with an initial
        Paper("the reader and a stranger", authors=["Ada Lovelace", "Grace Hopper"]),
        Paper("by Babbage", authors=["Babbage, Charles"]),  # another printed order: the same person
        Paper("by Somerville", authors=["Mary Somerville"]),
        Paper("by both", authors=["Mary Somerville", "Charles Babbage"]),
        Paper("by another Babbage", authors=["Carl Babbage"]),
    ]
    score, best = coauthors(period_of(day), authors)
    assert score.tolist() == [0.0, 0.0, AUTHOR_CAP, 1.0, AUTHOR_CAP + 1.0, 0.0]
    assert set(best) == {2, 3, 4}
    assert best[2].name == "Babbage, Charles"
    assert len(best[2].liked) == 5  # the real count, not the capped one
    assert best[4].name == "Charles Babbage"  # the co-author with the most liked papers
    assert len(best[3].liked) == 1
    assert explain.coauthor(best[2].name, ["liked"] * len(best[2].liked)) == (
        "by Babbage, Charles, who wrote 5 papers you liked"
    )


def test_without_an_own_name_every_author_of_a_liked_paper_counts() -> None:
    liked = {"L1": Paper("a", authors=["Ada Lovelace"]), "L2": Paper("b", authors=["Ada Lovelace"])}
    score, best = coauthors(period_of([Paper("new", authors=["Ada Lovelace"])]), LikedAuthors.of(liked))
    assert score.tolist() == [2.0]
    assert best[0].liked == ("L1", "L2")


def test_an_author_is_one_person_by_full_given_names_not_by_initials() -> None:
    assert identity("Tat-Seng Chua") == identity("Chua, Tat-Seng") == identity("TAT-SENG CHUA")
    assert identity("Yi Wang") != identity("Yu Wang")
    assert identity("Y. Wang") != identity("Yi Wang")  # "Y. Wang" may be either: not claimed as the same
    assert identity("José Álvarez") == identity("Jose Alvarez")


def test_the_coauthor_explanation_says_each_kind_of_paper_with_its_count() -> None:
    assert explain.coauthor("A. Author", ["liked"]) == "by A. Author, who wrote 1 paper you liked"
    assert explain.coauthor("A. Author", ["liked", "saved", "liked"]) == (
        "by A. Author, who wrote 2 papers you liked and 1 you saved"
    )
    assert explain.coauthor("B. Author", ["own", "own"]) == "by B. Author, who wrote 2 papers with you"


def test_standardising_puts_each_signal_on_one_scale_and_leaves_unknown_rows_at_zero() -> None:
    values = np.array([1.0, 2.0, 3.0, 100.0], dtype=np.float32)
    mask = np.array([True, True, True, False])
    out = signals.standardised(values, mask)
    assert out[3] == 0.0
    assert abs(float(out[:3].mean())) < 1e-6
    assert abs(float(out[:3].std()) - 1.0) < 1e-5
