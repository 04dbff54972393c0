from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from paperwire.search.authors import author_keys, name_keys
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


def authored(key: int, *names: str) -> LexicalDoc:
    keys = tuple(dict.fromkeys(k for name in names for k in author_keys(name)))
    return replace(doc(key, f"Paper {key}", "text", authors=", ".join(names)), author_keys=keys)


def test_the_author_lookup_asks_the_term_dictionary_before_searching(monkeypatch: pytest.MonkeyPatch) -> None:
    index = index_of(
        authored(1, "Tat-Seng Chua"), authored(2, "T.-S. Chua", "Ada Lovelace"), authored(3, "Alan Turing")
    )
    with index.writing():
        index.delete(["id3"])
    searched: list[object] = []
    keys_of = LexicalIndex._keys

    def counted(self: LexicalIndex, *args: Any, **kwargs: Any) -> list[int]:
        searched.append(args[0])
        return keys_of(self, *args, **kwargs)

    monkeypatch.setattr(LexicalIndex, "_keys", counted)
    assert sorted(index.keys_by_author(name_keys("Tat-Seng Chua"), None, 10)) == [1, 2]
    assert len(searched) == 1
    # No paper has an author of this name: no search at all (most short queries read as a name).
    assert index.keys_by_author(name_keys("mixture experts"), None, 10) == []
    assert index.keys_by_author(name_keys("Grace Hopper"), None, 10) == []
    assert len(searched) == 1
    # A key only a deleted paper holds is still in the dictionary: searched, and nothing is found, as before.
    assert index.keys_by_author(name_keys("Alan Turing"), None, 10) == []
    assert len(searched) == 2
