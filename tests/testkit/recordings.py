"""Paths to the recorded responses in tests/fixtures and small helpers to load them."""

from __future__ import annotations

import json
from pathlib import Path

from paperwire.ingest.xmltools import read_bytes
from testkit.replay_server import Reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OAI_DIR = FIXTURES / "oai"
API_DIR = FIXTURES / "arxiv_api"
RSS_DIR = FIXTURES / "rss"
OAI_CHAIN = [OAI_DIR / f"ListRecords_data_{n}.xml.gz" for n in range(3)]


def oai_fixture(name: str) -> bytes:
    """A recorded OAI-PMH body (gzipped ones come back decompressed, as the server sent them)."""
    return read_bytes(OAI_DIR / name)


def rss_fixture(name: str) -> bytes:
    return (RSS_DIR / name).read_bytes()


def api_fixture(name: str) -> bytes:
    """An arXiv API body: the ``.xml`` file, or the ``body`` of a ``.json`` recording."""
    return api_recording(name).body if name.endswith(".json") else (API_DIR / name).read_bytes()


def api_recording(name: str) -> Reply:
    """An arxiv.py ``{url, status_code, body}`` recording as a reply (the body is stored as latin-1 text)."""
    recorded = json.loads((API_DIR / name).read_text(encoding="utf-8"))
    body = recorded["body"].encode("latin-1")
    return Reply(recorded["status_code"], body, {"Content-Type": "application/atom+xml"})


class SleepRecorder:
    """Stands in for ``time.sleep``: records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
