"""Fixtures for the source tests: polite clients on a temporary home."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.ingest.http import PoliteClient


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., PoliteClient]]:
    """Build ``PoliteClient``s on ``Settings(home=tmp_path)``; all are closed after the test."""
    clients: list[PoliteClient] = []

    def build(**kwargs: object) -> PoliteClient:
        client = PoliteClient(Settings(home=tmp_path), **kwargs)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()
