"""Operations endpoints, the admin pages and role, backups, JSON logs."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from paperwire.cli import app as cli_app
from paperwire.config import Settings
from paperwire.core.clock import utcnow
from paperwire.db import subscribers as subs
from paperwire.db import users
from paperwire.db.engine import Database
from paperwire.db.subscribers import Preferences
from paperwire.logs import JsonFormatter
from testkit.site_helpers import csrf_of, sign_in


def test_readyz_reports_database_and_index(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["index"]["documents"] > 400
    assert body["index"]["behind"] == 0


def test_metrics_count_requests_and_read_the_database(client: TestClient) -> None:
    client.get("/papers/2606.27377")
    client.get("/api/search", params={"q": "graph"})
    text = client.get("/metrics").text
    assert 'paperwire_http_requests_total{method="GET",route="/papers/{paper_id:path}",status="200"}' in text
    assert "paperwire_search_seconds_count" in text
    assert "paperwire_papers " in text
    assert "paperwire_http_request_seconds_bucket" in text


def test_admin_pages_need_the_admin_role(client: TestClient, site_db: Database, site_settings: Settings) -> None:
    assert client.get("/admin", follow_redirects=False).status_code == 303  # not signed in: to sign-in
    sign_in(client, site_db, "plain@example.org")
    assert client.get("/admin").status_code == 403
    env = {"PAPERWIRE_HOME": str(site_settings.home), "PAPERWIRE_DATABASE_URL": site_settings.resolved_database_url}
    result = CliRunner().invoke(cli_app, ["admin", "grant", "plain@example.org"], env=env)
    assert result.exit_code == 0
    assert users.find_user(site_db, "plain@example.org").is_admin  # type: ignore[union-attr]
    page = client.get("/admin")
    assert page.status_code == 200
    assert '<svg role="img" aria-label="Subscribers, last 30 days"' in page.text


def test_admin_can_suppress_and_unsuppress(client: TestClient, site_db: Database) -> None:
    users.set_admin(site_db, "boss@example.org", admin=True, now=utcnow())
    sign_in(client, site_db, "boss@example.org")
    target, _ = subs.add(site_db, "noisy@example.org", Preferences(), confirmed=True, now=utcnow())
    csrf = csrf_of(client)
    client.post(f"/admin/subscribers/{target.id}/suppress", data={"csrf_token": csrf, "reason": "abuse report"})
    assert subs.get(site_db, target.id).suppressed_reason == "abuse report"  # type: ignore[union-attr]
    assert "abuse report" in client.get("/admin", params={"q": "noisy"}).text
    client.post(f"/admin/subscribers/{target.id}/unsuppress", data={"csrf_token": csrf})
    assert subs.get(site_db, target.id).suppressed_at is None  # type: ignore[union-attr]


def test_backup_is_a_consistent_copy(site_settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    env = {"PAPERWIRE_HOME": str(site_settings.home), "PAPERWIRE_DATABASE_URL": site_settings.resolved_database_url}
    result = CliRunner().invoke(cli_app, ["backup", "--to", str(target)], env=env)
    if not site_settings.resolved_database_url.startswith("sqlite"):
        assert result.exit_code == 1
        assert "pg_dump" in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    assert "integrity ok" in result.stderr
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM papers").fetchone()[0] > 400


def test_json_log_lines() -> None:
    record = logging.LogRecord("paperwire.test", logging.WARNING, __file__, 1, "hello %s", ("world",), None)
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["logger"], line["message"]) == ("warning", "paperwire.test", "hello world")
