"""The search library end to end on real databases (SQLite and PostgreSQL), a real ONNX model and real
tantivy/faiss indexes on disk."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

import pytest
import tantivy

from paperwire.config import Settings
from paperwire.db import embeddings
from paperwire.db.engine import Database
from paperwire.search import MATCH_THRESHOLD, QueryError, SearchFilters, SearchService
from paperwire.search.embedder import OnnxMiniLM, Vectors, paper_text
from paperwire.search.query import parse_query
from testkit.search_fixtures import PAPERS, paper, store


def indexed_vector(service: SearchService, paper_id: str) -> Vectors:
    index = service._loaded()
    return index.vectors.vector(index.rows.row_of[paper_id])


def ids(service: SearchService, query: str, **kwargs: object) -> list[str]:
    return [hit.id for hit in service.search(query, **kwargs).hits]  # type: ignore[arg-type]


def test_catch_up_indexes_and_stores_every_embedding(service: SearchService, db: Database) -> None:
    store(db, [paper(*row) for row in PAPERS])
    report = service.catch_up()
    assert (report.seen, report.indexed, report.embedded, report.reused) == (6, 6, 6, 0)
    assert embeddings.count_embeddings(db, model=service.embedder.name) == 6
    assert service.status().documents == 6
    assert service.status().behind == 0
    again = service.catch_up()
    assert again.changed == 0
    assert again.embedded == 0


def test_keyword_and_meaning_both_find_the_right_paper(indexed: SearchService) -> None:
    assert ids(indexed, "diffusion")[0] == "2601.00001"
    # No shared keyword: only the semantic side can connect these.
    results = indexed.search("creating photographs with a sampler")
    assert results.hits[0].id == "2601.00001"
    assert results.hits[0].lexical_rank is None
    assert results.hits[0].semantic_rank == 1
    hit = indexed.search("cosmological simulations of dark matter").hits[0]
    assert hit.id == "2601.00005"
    assert hit.lexical_rank == 1
    assert hit.semantic_rank == 1
    assert hit.score > 0
    assert not hit.pinned
    assert hit.authors == ["Ada Lovelace", "Alan Turing"]
    assert hit.categories == ["astro-ph.CO"]
    assert hit.announced_on == date(2026, 2, 11)


def test_exact_id_in_any_form_and_exact_title_are_pinned_first(indexed: SearchService) -> None:
    for query in ("2601.00006", "2601.00006v1", "arXiv:2601.00006", "https://arxiv.org/abs/2601.00006v1"):
        first = indexed.search(query).hits[0]
        assert (first.id, first.pinned) == ("2601.00006", True), query
    first = indexed.search("attention is ALL you need!").hits[0]
    assert (first.id, first.pinned) == ("2601.00003", True)
    assert not any(hit.pinned for hit in indexed.search("attention").hits)


def test_filters_apply_to_both_lists(indexed: SearchService) -> None:
    query = "neural networks and learning"
    assert set(ids(indexed, query, filters=SearchFilters(categories=["cs.CL"]))) == {"2601.00003", "2601.00004"}
    assert set(ids(indexed, query, filters=SearchFilters(categories=["math.*"]))) == {"2601.00006"}
    assert set(ids(indexed, query, filters=SearchFilters(categories=["astro-ph"]))) == {"2601.00005"}
    assert set(ids(indexed, query, filters=SearchFilters(has_code=True))) == {"2601.00001", "2601.00003"}
    window = SearchFilters(since=date(2026, 2, 10), until=date(2026, 2, 11))
    assert set(ids(indexed, query, filters=window)) == {"2601.00004", "2601.00005"}
    assert ids(indexed, "2601.00006", filters=SearchFilters(categories=["cs"]))[:1] != ["2601.00006"]


def test_sort_by_date_and_by_trending_scores(indexed: SearchService) -> None:
    by_date = indexed.search("learning models", sort="date").hits
    days = [hit.announced_on for hit in by_date]
    assert days == sorted(days, reverse=True)  # type: ignore[type-var]
    scores = {"2601.00005": 10.0, "2601.00002": 5.0}
    assert ids(indexed, "learning models", sort="trending", sort_scores=scores)[:2] == ["2601.00005", "2601.00002"]


def test_pages_do_not_overlap(indexed: SearchService) -> None:
    first = ids(indexed, "learning", limit=3)
    second = ids(indexed, "learning", limit=3, offset=3)
    assert len(first) == 3
    assert not set(first) & set(second)


def test_snippets_mark_matches_and_are_html_safe(service: SearchService, db: Database) -> None:
    store(db, [paper("2601.00009", "Safe snippets", "We compare <script>alert(1)</script> & diffusion models.")])
    service.catch_up()
    snippet = service.search("diffusion").hits[0].snippet_html
    assert "<mark>diffusion</mark>" in snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "&amp;" in snippet


@pytest.mark.parametrize(
    "query", ['"', "title:foo", "*", "(", "attention*", "$\\alpha$-stable $L^2$ \\mathbb{R}", "Ünïcödé 学习", "a:b:c"]
)
def test_special_characters_are_safe(indexed: SearchService, query: str) -> None:
    message = ""
    try:
        indexed.search(query)
    except QueryError as exc:  # only the documented one-line messages are allowed
        message = str(exc)
    assert "\n" not in message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"query": " "}, "empty query"),
        ({"query": "x", "sort": "stars"}, "unknown sort"),
        ({"query": "x", "limit": 0}, "limit"),
        ({"query": "x", "filters": SearchFilters(categories=["no such!"])}, "not a category"),
    ],
)
def test_bad_queries_raise_query_error(indexed: SearchService, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        indexed.search(**kwargs)  # type: ignore[arg-type]


def test_similar_excludes_the_paper_itself_in_any_version(indexed: SearchService) -> None:
    hits = indexed.similar("2601.00003v2", limit=3)
    assert "2601.00003" not in [hit.id for hit in hits]
    assert len(hits) == 3
    assert hits[0].semantic_rank == 1
    assert hits[0].score >= hits[1].score >= hits[2].score
    with pytest.raises(KeyError):
        indexed.similar("2999.99999")


def test_added_updated_and_deleted_papers_are_seen_by_the_next_query(indexed: SearchService, db: Database) -> None:
    store(db, [paper("2601.00010", "Quantum error correction with surface codes", "Topological qubits.")])
    report = indexed.catch_up()
    assert (report.indexed, report.embedded) == (1, 1)
    assert ids(indexed, "surface codes")[0] == "2601.00010"

    store(db, [paper("2601.00010", "Photonic lattices", "Light in waveguide arrays.", version=2)])
    indexed.catch_up()
    assert ids(indexed, "photonic waveguide")[0] == "2601.00010"
    old_words = indexed.search("surface codes qubits")
    assert old_words.keyword_matches == 0  # the old title and abstract are gone from the keyword index
    new_vector = indexed.embedder.embed([paper_text("Photonic lattices", "Light in waveguide arrays.")])[0]
    assert float(indexed.embed_query("Photonic lattices. Light in waveguide arrays.") @ new_vector) > 0.99
    assert indexed_vector(indexed, "2601.00010") @ new_vector > 0.99  # the vector was replaced too

    store(db, [paper("2601.00010", "", "", version=3, deleted=True)])
    report = indexed.catch_up()
    assert report.removed == 1
    assert "2601.00010" not in ids(indexed, "photonic waveguide lattices light")
    assert "2601.00010" not in [h.id for h in indexed.similar("2601.00001", limit=20)]
    with pytest.raises(KeyError):
        indexed.similar("2601.00010")


def test_a_paper_deleted_after_the_last_catch_up_is_left_out_of_results(indexed: SearchService, db: Database) -> None:
    store(db, [paper("2601.00005", "", "", version=2, deleted=True)])
    assert "2601.00005" not in ids(indexed, "dark matter halos")


def test_a_second_node_reuses_stored_embeddings(
    indexed: SearchService, db: Database, embedder: OnnxMiniLM, tmp_path: object
) -> None:
    from pathlib import Path

    other = SearchService(Settings(home=Path(str(tmp_path)) / "node2"), db, embedder=embedder)
    report = other.catch_up()
    assert (report.indexed, report.embedded, report.reused) == (6, 0, 6)
    assert ids(other, "diffusion")[0] == "2601.00001"


def test_a_reader_process_picks_up_what_the_writer_saved(
    indexed: SearchService, search_settings: Settings, db: Database, embedder: OnnxMiniLM
) -> None:
    reader = SearchService(search_settings, db, embedder=embedder)  # same index directory
    assert reader.status().documents == 6
    store(db, [paper("2601.00011", "Protein folding with language models", "Amino acid sequences.")])
    indexed.catch_up()
    assert ids(reader, "protein folding")[0] == "2601.00011"


def test_a_keyword_index_of_an_older_schema_is_rebuilt_with_its_saved_state(
    indexed: SearchService, search_settings: Settings, db: Database, embedder: OnnxMiniLM
) -> None:
    lexical = indexed.directory.lexical
    shutil.rmtree(lexical)
    lexical.mkdir()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("older", stored=True)
    older = tantivy.Index(builder.build(), path=str(lexical))
    writer = older.writer(15_000_000, 1)
    writer.add_document(tantivy.Document(older="an index an older paperwire wrote"))
    writer.commit()
    first = SearchService(search_settings, db, embedder=embedder)
    assert first.status().documents == 0  # dropped with the keyword index it was saved with
    second = SearchService(search_settings, db, embedder=embedder)  # the next process: must not find it either
    assert (second.status().documents, second.status().behind) == (0, 6)
    assert second.catch_up().indexed == 6  # caught up from the start
    assert ids(second, "diffusion")[0] == "2601.00001"


def test_rebuild_starts_over_and_keeps_stored_vectors(indexed: SearchService) -> None:
    report = indexed.rebuild()
    assert report.rebuilt
    assert (report.indexed, report.embedded, report.reused) == (6, 0, 6)
    assert indexed.status().documents == 6
    assert ids(indexed, "diffusion")[0] == "2601.00001"


def test_catch_up_is_busy_while_another_process_writes(indexed: SearchService) -> None:
    with indexed.directory.write_lock(wait=False) as mine:
        assert mine
        # flock is per open file: a second open of the lock file in this process behaves like another process
        assert indexed.catch_up().busy


def test_switching_to_hnsw_above_the_threshold_keeps_results(
    search_settings: Settings, db: Database, embedder: OnnxMiniLM
) -> None:
    settings = search_settings.model_copy(update={"search_hnsw_threshold": 3})
    service = SearchService(settings, db, embedder=embedder)
    store(db, [paper(*row) for row in PAPERS])
    service.catch_up()
    assert service.status().vector_index == "hnsw"
    assert ids(service, "creating photographs with a sampler")[0] == "2601.00001"
    assert ids(service, "learning", filters=SearchFilters(categories=["astro-ph.*"])) == ["2601.00005"]


def test_embed_query_is_a_unit_vector(service: SearchService) -> None:
    vector = service.embed_query("papers about diffusion models")
    assert vector.shape == (384,)
    assert abs(float((vector**2).sum()) - 1.0) < 1e-4


def test_match_scores_judge_given_papers_as_search_does(indexed: SearchService) -> None:
    query = "denoising diffusion models for image synthesis"
    results = indexed.search(query, limit=50)
    scores = indexed.match_scores(query, ["2601.00001", "2601.00001v2", "2699.99999"])
    by_id = {hit.id: hit.match for hit in results.hits}
    assert scores["2601.00001"] == pytest.approx(by_id["2601.00001"], abs=1e-4)
    assert scores["2601.00001v2"] == scores["2601.00001"]
    assert scores["2699.99999"] == 0.0
    assert scores["2601.00001"] >= MATCH_THRESHOLD
    nonsense = indexed.match_scores("qzxvbnm wpfjkq", [p[0] for p in PAPERS])
    assert all(value < MATCH_THRESHOLD for value in nonsense.values())


def test_a_phrase_narrows_and_exclusions_leave_papers_out(indexed: SearchService) -> None:
    narrowed = ids(indexed, '"graph neural"')
    assert narrowed == ["2601.00002"]  # the semantic side is narrowed too: no neighbours without the phrase
    assert ids(indexed, '"graph neural networks"') == ["2601.00002"]
    assert ids(indexed, '"neural graph"') == []  # word order counts in a phrase
    assert "2601.00001" not in ids(indexed, "diffusion models -denoising")
    assert "2601.00004" not in ids(indexed, 'language models -"human feedback"')
    assert "2601.00004" in ids(indexed, "language models")


def test_field_operators_combine_with_words(indexed: SearchService) -> None:
    assert ids(indexed, "ti:attention") == ["2601.00003"]
    assert ids(indexed, "abs:marchenko") == ["2601.00006"]
    assert set(ids(indexed, "learning cat:cs.CL")) == {"2601.00003", "2601.00004"}
    assert ids(indexed, "id:2601.00005") == ["2601.00005"]
    assert ids(indexed, "au:lovelace", limit=10)[:1] == ["2601.00006"]  # every paper is hers: newest first
    assert ids(indexed, "au:nobody") == []


def test_an_author_name_lists_their_papers_first_newest_first(service: SearchService, db: Database) -> None:
    store(db, [paper(*row) for row in PAPERS])
    authored = [
        paper("2601.00011", "Multimodal retrieval", "We study retrieval.", announced="2026-03-02"),
        paper("2601.00012", "Video question answering", "We answer questions.", announced="2026-04-02"),
    ]
    with_authors = [replace(p, authors=["Tat-Seng Chua", "Other Person"]) for p in authored]
    store(
        db,
        [
            *with_authors,
            replace(paper("2601.00013", "Chua's theorem", "A result.", announced="2026-05-01"), authors=["L. O. Chua"]),
        ],
    )
    service.catch_up()
    for query in ("Tat-Seng Chua", "Chua, Tat-Seng", "T.-S. Chua", "tat-seng chua", "Tat-Seng Chuá"):
        results = service.search(query)
        assert [hit.id for hit in results.hits[:2]] == ["2601.00012", "2601.00011"], query
        assert all(hit.by_author and hit.matched for hit in results.hits[:2])
        assert "2601.00013" not in [hit.id for hit in results.hits if hit.by_author]  # L. O. Chua is someone else
        assert results.author == query


def test_nonsense_gets_no_matches_and_a_judged_match_passes(indexed: SearchService) -> None:
    nonsense = indexed.search("xqzvbk jwpfmt")
    assert nonsense.matches == 0
    assert not any(hit.matched for hit in nonsense.hits)
    relevant = indexed.search("dark matter halos in cosmological simulations")
    assert relevant.hits[0].id == "2601.00005"
    assert relevant.hits[0].matched
    assert relevant.matches >= 1
    assert relevant.matches == sum(
        hit.matched for hit in indexed.search("dark matter halos in cosmological simulations", limit=1000).hits
    )


def test_a_short_topic_named_by_a_title_is_a_match_and_a_partial_title_is_not(indexed: SearchService) -> None:
    # The model is fitted on long questions; a one- or two-word topic that a title names is direct evidence.
    results = indexed.search("diffusion models", limit=50)
    by_id = {hit.id: hit for hit in results.hits}
    assert by_id["2601.00001"].matched  # "Denoising diffusion models for image synthesis"
    assert by_id["2601.00001"].match >= MATCH_THRESHOLD
    assert results.hits[0].id == "2601.00001"  # matches first
    # every word must be in the title, and only short queries qualify
    index = indexed._loaded()
    titled = lambda q: {index.id_of_key[k] for k in index.lexical.titles_holding_all(parse_query(q), None, 100)}  # noqa: E731
    assert "2601.00001" in titled("Diffusion Models")
    assert "2601.00001" in titled("ti:diffusion")
    assert titled("diffusion graphs") == set()
    assert titled("denoising diffusion models for image synthesis") == set()  # a question: the model decides
    assert indexed.search("xqzvbk", limit=50).matches == 0
