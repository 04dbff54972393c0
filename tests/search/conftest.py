"""Search fixtures: one real ONNX embedder for the whole session (loading it costs ~0.5 s), a service on the
``db`` fixture (SQLite and PostgreSQL), and a small set of real-looking papers."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.db.engine import Database
from paperwire.search import SearchService
from paperwire.search.embedder import OnnxMiniLM
from testkit.search_fixtures import PAPERS, paper, store


@pytest.fixture(scope="session")
def embedder() -> OnnxMiniLM:
    return OnnxMiniLM(max_tokens=128, batch_size=8)


@pytest.fixture
def search_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", search_hnsw_threshold=50_000)


@pytest.fixture
def service(search_settings: Settings, db: Database, embedder: OnnxMiniLM) -> SearchService:
    return SearchService(search_settings, db, embedder=embedder)


@pytest.fixture
def indexed(service: SearchService, db: Database) -> SearchService:
    """The service with the six papers above stored and caught up."""
    store(db, [paper(*row) for row in PAPERS])
    service.catch_up()
    return service
