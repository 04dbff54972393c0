from __future__ import annotations

from paperwire.search.lexical import LexicalDoc, LexicalIndex, mark_ranges, shorten
from paperwire.search.query import parse_query


def doc(key: int, title: str, abstract: str, authors: str = "Ada Lovelace") -> LexicalDoc:
    return LexicalDoc(key, f"id{key}", title, abstract, authors, title.lower(), ["cs.LG"], 0, False)


def index_of(*docs: LexicalDoc) -> LexicalIndex:
    index = LexicalIndex(None)
    with index.writing():
        index.add(list(docs))
    return index


def test_stemming_title_boost_phrases_prefix_and_authors() -> None:
    index = index_of(
        doc(1, "Networks of neurons", "We study spiking models in the state of the art cortex."),
        doc(2, "A survey", "Neural network training and the art of the state.", authors="Grace Hopper"),
    )
    assert index.search(parse_query("network"), None, 10) == [1, 2]  # title boosted; stems match
    assert index.search(parse_query('"state of the art"'), None, 10) == [1]  # a phrase, in order
    assert index.search(parse_query("spik"), None, 10) == [1]  # last word as a prefix
    assert index.search(parse_query("spik "), None, 10) == []  # ... but not once finished
    assert index.search(parse_query("hopper"), None, 10) == [2]
    assert index.search(parse_query("the of"), None, 10) == []  # nothing left but stop words


def test_a_deleted_document_is_gone_after_commit() -> None:
    index = index_of(doc(1, "Alpha", "first"), doc(2, "Beta", "second"))
    with index.writing():
        index.delete(["id1"])
    assert index.search(parse_query("alpha"), None, 10) == []
    assert index.num_docs == 1


def test_mark_ranges_counts_bytes_and_escapes() -> None:
    text = "Über <b> & naïve"
    start = len("Über <b> & ".encode())
    assert mark_ranges(text, [(start, start + len("naïve".encode()))]) == "Über &lt;b&gt; &amp; <mark>naïve</mark>"


def test_snippets_highlight_unicode_words_and_fall_back_to_plain_text() -> None:
    index = index_of(doc(1, "Café", "A café in Zürich."))
    [marked, plain] = index.snippets_html(parse_query("cafe zurich"), ["Über café <i> in Zürich.", "no match <x>"])
    assert marked == "Über <mark>café</mark> &lt;i&gt; in <mark>Zürich</mark>."
    assert plain == "no match &lt;x&gt;"


def test_shorten_cuts_at_a_word() -> None:
    assert shorten("one two three", 9) == "one two…"
    assert shorten("short", 9) == "short"
