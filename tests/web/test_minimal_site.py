from __future__ import annotations

from fastapi.testclient import TestClient

from paperwire.config import Settings
from paperwire.db.engine import Database
from paperwire.ingest import service
from paperwire.web.app import create_app


def test_site_lists_sample_papers_and_answers_health(sqlite_db: Database, settings: Settings) -> None:
    service.load_sample(sqlite_db, settings)
    client = TestClient(create_app(settings, db=sqlite_db))
    assert client.get("/healthz").json() == {"status": "ok"}
    page = client.get("/")
    assert page.status_code == 200
    # The newest sample day is 2026-07-01; its papers come first.
    assert "2026-07-01" in page.text
    paper = client.get("/papers/2606.27377")  # a Hugging Face daily paper from the sample
    assert paper.status_code == 200
    assert "DanceOPD: On-Policy Generative Field Distillation" in paper.text


def test_unknown_paper_is_404(sqlite_db: Database, settings: Settings) -> None:
    client = TestClient(create_app(settings, db=sqlite_db))
    assert client.get("/papers/9999.99999").status_code == 404


def test_paper_text_is_escaped(sqlite_db: Database, settings: Settings) -> None:
    from paperwire.db.papers import upsert_papers
    from paperwire.ingest.pipeline import utcnow
    from paperwire.ingest.records import PaperRecord, make_record

    evil = make_record(raw_id="2401.00001", title="<script>alert(1)</script>", abstract="x", source="t")
    assert isinstance(evil, PaperRecord)
    with sqlite_db.write() as conn:
        upsert_papers(conn, [evil], now=utcnow())
    client = TestClient(create_app(settings, db=sqlite_db))
    assert "<script>alert(1)</script>" not in client.get("/").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/papers/2401.00001").text
