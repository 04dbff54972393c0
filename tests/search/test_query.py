from __future__ import annotations

import pytest

from paperwire.search.query import MAX_QUERY_CHARS, QueryError, named_paper_id, parse_query, title_key


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty query"),
        ("   \t\n", "empty query"),
        ("a" * (MAX_QUERY_CHARS + 1), "query too long"),
        ('"diffusion models', "unclosed quote"),
        ('a "b" "c', "unclosed quote"),
        ("((( *** )))", "no words"),
    ],
)
def test_bad_queries_get_one_line_messages(raw: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as caught:
        parse_query(raw)
    assert "\n" not in str(caught.value)


def test_longest_allowed_query_is_accepted() -> None:
    assert parse_query("a" * MAX_QUERY_CHARS).words == "a" * MAX_QUERY_CHARS


def test_phrases_words_and_semantic_text_are_separated() -> None:
    parsed = parse_query('"state of the art" transformers for  vision')
    assert parsed.phrases == ("state of the art",)
    assert parsed.words == "transformers for vision"
    assert parsed.text == "state of the art transformers for vision"


@pytest.mark.parametrize(
    ("raw", "prefix"),
    [("graph neur", "neur"), ("graph neur ", None), ('"graph neural"', None), ("graph 12", None), ("a b", None)],
)
def test_last_word_is_a_prefix_only_while_being_typed(raw: str, prefix: str | None) -> None:
    assert parse_query(raw).prefix == prefix


@pytest.mark.parametrize(
    ("raw", "paper_id"),
    [
        ("2401.00001", "2401.00001"),
        ("2401.00001v3", "2401.00001"),
        ("arXiv:2401.00001", "2401.00001"),
        ("https://arxiv.org/abs/2401.00001v2", "2401.00001"),
        ("https://arxiv.org/pdf/2401.00001v2.pdf", "2401.00001"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("2401.00001 diffusion", None),
        ("diffusion", None),
        ("12345", None),
    ],
)
def test_a_query_naming_one_paper_is_recognised(raw: str, paper_id: str | None) -> None:
    assert named_paper_id(raw) == paper_id


def test_title_key_ignores_case_accents_punctuation_and_spacing() -> None:
    assert title_key("Attention Is  All You Need!") == title_key("attention is all you need")
    assert title_key("Café: a study") == "cafe a study"
    assert title_key("GPT-4 (technical report)") == "gpt 4 technical report"
