from __future__ import annotations

import pytest

from paperwire.search.query import MAX_QUERY_CHARS, QueryError, named_paper_id, parse_query, title_key


@pytest.mark.parametrize("raw", ["", "   \t\n", "\x00", "\x00 \x01"])
def test_only_an_empty_query_is_refused(raw: str) -> None:
    with pytest.raises(QueryError, match="empty query") as caught:
        parse_query(raw)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "words", "note"),
    [
        ('"diffusion models', "diffusion models", "unmatched quote"),
        ('a "b" "c', "a c", "unmatched quote"),
        ("((( *** )))", "((( *** )))", None),
        ("au: graphs", "au graphs", "au: with nothing after it"),
        ("cat:", "cat", "cat: with nothing after it"),
        ("$\\alpha$-stable \\mathcal{O}(n) noise", "$\\alpha$-stable \\mathcal{O}(n) noise", "LaTeX"),
        ("-", "-", None),
        ("-transformer", "-transformer", "only exclusions"),
    ],
)
def test_odd_input_is_searched_literally_with_a_note(raw: str, words: str, note: str | None) -> None:
    parsed = parse_query(raw)
    assert parsed.words == words
    if note is None:
        assert parsed.notes == ()
    else:
        assert any(note in n for n in parsed.notes), parsed.notes


def test_text_past_the_limit_is_cut_with_a_note_never_refused() -> None:
    parsed = parse_query("word " * MAX_QUERY_CHARS)
    assert len(parsed.raw) <= MAX_QUERY_CHARS
    assert parsed.raw.startswith("word word")
    assert any(f"{MAX_QUERY_CHARS:,} characters" in note for note in parsed.notes)
    assert parse_query("a" * MAX_QUERY_CHARS).notes == ()


def test_a_long_text_is_searched_as_papers_like_it() -> None:
    abstract = 'We study "graph neural" networks -- au: a model -x ti:y. ' * 8
    parsed = parse_query(abstract)
    assert parsed.long_text
    assert parsed.phrases == ()
    assert parsed.excluded == ()
    assert parsed.title_terms == ()
    assert parsed.prefix is None


def test_operators_exclusions_and_phrases_combine_with_words() -> None:
    parsed = parse_query('au:"Tat-Seng Chua" ti:retrieval abs:"user intent" cat:cs.IR -survey -"large language" graph')
    assert parsed.authors == ("Tat-Seng Chua",)
    assert parsed.title_terms == ("retrieval",)
    assert parsed.abstract_terms == ('"user intent"',)
    assert parsed.categories == ("cs.IR",)
    assert parsed.excluded == ("survey", "large language")
    assert parsed.words == "graph"
    assert "retrieval" in parsed.text
    assert "user intent" in parsed.text
    assert "survey" not in parsed.text
    assert parsed.name_query is None
    assert parsed.title_key == ""


def test_operator_names_are_case_blind_and_unknown_ones_are_words() -> None:
    assert parse_query("AU:chua").authors == ("chua",)
    assert parse_query("au:del_maestro").authors == ("del maestro",)
    parsed = parse_query("title:diffusion C++: x")
    assert parsed.words == "title:diffusion C++: x"
    assert parsed.authors == ()


def test_id_operator_names_a_paper_and_a_bad_id_is_words() -> None:
    assert parse_query("id:2104.12255v2").paper_id == "2104.12255"
    parsed = parse_query("id:banana")
    assert parsed.ids == ()
    assert "banana" in parsed.words
    assert any("not an arXiv id" in note for note in parsed.notes)


def test_hyphenated_words_are_not_exclusions() -> None:
    parsed = parse_query("state-of-the-art self-supervised x - y")
    assert parsed.excluded == ()
    assert parsed.words == "state-of-the-art self-supervised x - y"


def test_a_short_plain_query_may_be_a_name() -> None:
    assert parse_query("Tat-Seng Chua").name_query == "Tat-Seng Chua"
    assert parse_query("Chua, Tat-Seng").name_query == "Chua, Tat-Seng"
    assert parse_query("transformers").name_query is None
    assert parse_query('"Tat-Seng Chua"').name_query is None


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
