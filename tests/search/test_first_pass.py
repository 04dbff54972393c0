"""The first pass (issue 16): every paper searchable by a fast static model at once, the transformer
catching up newest first, search in both spaces meanwhile, and the coverage said while it is incomplete.
Real databases (SQLite and PostgreSQL), the real ONNX model and the shipped first-pass table."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from paperwire.config import Settings
from paperwire.db import embeddings
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.search import Coverage, IndexWriteError, SearchService
from paperwire.search import service as search_service
from paperwire.search.embedder import EmbedderError, OnnxMiniLM
from paperwire.search.index import SearchIndex
from paperwire.search.static import STATIC_PATH, StaticEmbedder
from paperwire.web.app import create_app
from testkit.search_fixtures import PAPERS, paper, store

NEWEST_THREE = {"2601.00006", "2601.00005", "2601.00004"}  # announced 03-01, 02-11, 02-10


def upgraded_ids(service: SearchService) -> set[str]:
    index = service._loaded()
    return {paper_id for paper_id, row in index.rows.row_of.items() if index.rows.upgraded[row]}


def test_the_first_pass_model_ships_inside_the_package_and_loads_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    shipped = files("paperwire.search") / "model" / "static_minilm.npy"
    assert Path(str(shipped)) == STATIC_PATH
    assert STATIC_PATH.is_file()
    model = StaticEmbedder()
    vectors = model.embed(
        ["dark matter halos in galaxies", "galaxies and the universe", "a sampler of photographs", ""]
    )
    assert vectors.shape == (4, model.dim) == (4, 256)
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert not vectors[3].any()  # no words, no direction
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_missing_first_pass_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError, match="first-pass model file missing"):
        StaticEmbedder(tmp_path / "static_minilm.npy")


def test_the_first_pass_alone_makes_every_paper_searchable_and_says_the_coverage(
    service: SearchService, db: Database
) -> None:
    store(db, [paper(*row) for row in PAPERS])
    report = service.catch_up(upgrade=0)
    assert (report.indexed, report.embedded, report.upgraded, report.pending) == (6, 0, 0, 6)
    assert embeddings.count_embeddings(db, model=service.embedder.name) == 0
    status = service.status()
    assert (status.documents, status.meaning_covered) == (6, 0)
    results = service.search("galaxies and the universe")  # no word in common with the paper
    assert results.hits[0].id == "2601.00005"
    assert results.hits[0].lexical_rank is None
    assert results.hits[0].semantic_rank == 1
    assert results.coverage == Coverage(covered=0, documents=6)
    assert results.coverage.message.startswith("Meaning-based search covers 0 of 6 papers (catching up")


def test_the_upgrade_goes_newest_first_and_search_uses_both_spaces_meanwhile(
    service: SearchService, db: Database
) -> None:
    store(db, [paper(*row) for row in PAPERS])
    report = service.catch_up(upgrade=3)
    assert (report.upgraded, report.embedded, report.pending) == (3, 3, 3)
    assert upgraded_ids(service) == NEWEST_THREE
    assert service.search("diffusion").coverage == Coverage(covered=3, documents=6)
    # A pending paper is found by meaning in the first-pass space, an upgraded one in the transformer's.
    # (The first-pass list weighs less than the transformer's, so its first is not the overall first.)
    hits = {hit.id: hit for hit in service.search("creating photographs with a sampler").hits}
    assert (hits["2601.00001"].lexical_rank, hits["2601.00001"].semantic_rank) == (None, 1)
    assert hits["2601.00001"].score < hits["2601.00006"].score  # rank 1 of each list, transformer weighs more
    upgraded_hit = service.search("galaxies and the universe").hits[0]
    assert (upgraded_hit.id, upgraded_hit.lexical_rank, upgraded_hit.semantic_rank) == ("2601.00005", None, 1)
    every = service.search("research", limit=10).hits
    assert {hit.id for hit in every if hit.semantic_rank is not None} == {row[0] for row in PAPERS}
    # Similar papers of a pending paper are looked up in the first-pass space, where every paper has a vector.
    assert len(service.similar("2601.00002", limit=5)) == 5


def test_the_upgrade_is_resumable_and_idempotent(search_settings: Settings, db: Database, embedder: OnnxMiniLM) -> None:
    store(db, [paper(*row) for row in PAPERS])
    first = SearchService(search_settings, db, embedder=embedder)
    assert first.catch_up(upgrade=2).upgraded == 2
    restarted = SearchService(search_settings, db, embedder=embedder)  # a new process on the same home
    assert restarted.status().meaning_covered == 2
    rest = restarted.catch_up()
    assert (rest.upgraded, rest.embedded, rest.pending) == (4, 4, 0)
    assert upgraded_ids(restarted) == {row[0] for row in PAPERS}
    again = restarted.catch_up()
    assert (again.changed, again.upgraded, again.embedded, again.pending) == (0, 0, 0, 0)
    assert restarted.search("diffusion").coverage is None
    assert restarted.status().meaning_covered == 6


def test_an_upgrade_cut_short_keeps_its_embeddings_and_the_next_run_reuses_them(
    search_settings: Settings, db: Database, embedder: OnnxMiniLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    store(db, [paper(*row) for row in PAPERS])
    service = SearchService(search_settings, db, embedder=embedder)
    service.catch_up(upgrade=0)
    saved = SearchIndex.save_arrays

    def full_disk(self: SearchIndex, last_seq: int) -> object:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SearchIndex, "save_arrays", full_disk)
    with pytest.raises(IndexWriteError):
        service.catch_up()
    monkeypatch.setattr(SearchIndex, "save_arrays", saved)
    assert embeddings.count_embeddings(db, model=embedder.name) == 6  # stored before the index save failed
    assert service.status().meaning_covered == 0  # the index as last saved
    resumed = service.catch_up()
    assert (resumed.upgraded, resumed.embedded, resumed.reused) == (6, 0, 6)


def test_a_changed_paper_goes_back_to_the_first_pass_until_it_is_embedded_again(
    indexed: SearchService, db: Database
) -> None:
    store(db, [paper("2601.00003", "Attention is all you need", "A new abstract about pointer networks.", version=2)])
    assert indexed.catch_up(upgrade=0).pending == 1
    assert indexed.search("attention").coverage == Coverage(covered=5, documents=6)
    assert indexed.catch_up().upgraded == 1
    assert indexed.search("attention").coverage is None


def test_the_api_and_the_search_page_say_the_coverage_only_while_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_service, "UPGRADE_BEFORE_SEARCH", 2)  # a big import, in miniature
    settings = Settings(
        home=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'paperwire.db'}",
        base_url="http://testserver",
        index_catch_up_seconds=3600,
    )
    db = Database(settings.resolved_database_url)
    upgrade(db)
    store(db, [paper(*row) for row in PAPERS])
    app = create_app(settings, db=db)
    # Starting the site indexes every paper with the first pass and the newest (here: two) with the transformer.
    with TestClient(app) as client:
        data = client.get("/api/search", params={"q": "diffusion"}).json()
        assert data["meaning_coverage"]["covered"] == 2
        assert data["meaning_coverage"]["documents"] == 6
        page = client.get("/search", params={"q": "diffusion"}).text
        assert "Meaning-based search covers 2 of 6 papers (catching up" in page
        app.state.services.search.catch_up()
        app.state.services.cache.clear()
        assert client.get("/api/search", params={"q": "diffusion models"}).json()["meaning_coverage"] is None
        assert "Meaning-based search covers" not in client.get("/search", params={"q": "diffusion models"}).text
    db.dispose()


def test_upgraded_rows_replace_the_first_pass_rows_and_compaction_keeps_both_spaces_aligned(
    service: SearchService, db: Database
) -> None:
    store(db, [paper(*row) for row in PAPERS])
    service.catch_up(upgrade=0)
    before = service._loaded()
    first_pass = {pid: before.first_pass.vector(row) for pid, row in before.rows.row_of.items()}
    service.catch_up()
    index = service._loaded()
    assert index.rows.dead_count == 0  # six dead first-pass rows of twelve: compacted
    assert len(index.rows) == len(index.vectors) == len(index.first_pass) == 6
    stored = {
        row.id: row.vector for row in embeddings.texts_for_embedding(db, list(first_pass), model=service.embedder.name)
    }
    for paper_id, row in index.rows.row_of.items():
        assert np.array_equal(index.first_pass.vector(row), first_pass[paper_id])
        expected = np.frombuffer(stored[paper_id] or b"", dtype="<f2").astype(np.float32)
        assert np.allclose(index.vectors.vector(row), expected, atol=1e-3)  # stored as float16


class _ClearedAfterUpdate(dict[str, np.ndarray]):
    """A word cache that another thread clears right after this one filled it (the race web requests run)."""

    def update(self, *args: object, **kwargs: object) -> None:
        super().update(*args, **kwargs)  # type: ignore[arg-type]
        self.clear()


def test_a_cache_cleared_by_another_thread_mid_lookup_changes_nothing() -> None:
    text = "Graph neural networks for molecules, and graph transformers"
    expected = StaticEmbedder().token_ids(text)
    racing = StaticEmbedder()
    racing._word_ids = _ClearedAfterUpdate()
    assert np.array_equal(racing.token_ids(text), expected)


def test_the_first_pass_model_is_loaded_only_when_some_paper_or_the_query_needs_it(
    service: SearchService, search_settings: Settings, db: Database, embedder: OnnxMiniLM
) -> None:
    store(db, [paper(*row) for row in PAPERS])
    service.catch_up(upgrade=3)
    partly = SearchService(search_settings, db, embedder=embedder)  # a new process: the saved index
    assert partly.search("diffusion").coverage is not None
    assert partly._first_pass is not None  # three papers are searched in its space
    service.catch_up()
    covered = SearchService(search_settings, db, embedder=embedder)
    assert covered.search("diffusion").hits
    assert covered.status().meaning_covered == 6
    assert covered._first_pass is None  # every paper is in the transformer's space: never loaded
