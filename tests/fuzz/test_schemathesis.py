"""Schemathesis against the JSON API of a running ``paperwire serve``: every operation in /openapi.json,
valid and invalid requests, no server error, every response as the schema declares it.

The server is a real subprocess on a free port, with its own PAPERWIRE_HOME and SQLite database loaded
with the bundled sample (``paperwire init --sample``, ``index``, ``trending refresh``), so searches,
similar papers and trending lists have real results to return. State-changing operations need a signed-in
session and a CSRF token; schemathesis has neither, so 401/403 is their right answer -- a 5xx never is.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from testkit.live_site import LiveSite

CHECKS = ["not_a_server_error", "response_schema_conformance"]
EXAMPLES_PER_OPERATION = 60
SEED = 20261127
OPERATIONS = {
    "GET /api/papers",
    "GET /api/papers/{paper_id}",
    "GET /api/papers/{paper_id}/similar",
    "POST /api/papers/{paper_id}/{kind}",
    "DELETE /api/papers/{paper_id}/{kind}",
    "GET /api/search",
    "GET /api/trending",
    "GET /api/me",
}


def paperwire(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "paperwire", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"paperwire {' '.join(args)} failed:\n{done.stderr[-2000:]}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``(base URL, server log)`` of a running ``paperwire serve`` with the sample loaded."""
    home = tmp_path_factory.mktemp("schemathesis")
    site = LiveSite(
        home,
        PAPERWIRE_SECRET_KEY="schemathesis-" + "k" * 40,
        PAPERWIRE_INDEX_CATCH_UP_SECONDS="3600",
        PAPERWIRE_LOG_LEVEL="INFO",  # the access log is what the run is checked against
    )
    site.env.pop("PAPERWIRE_DATABASE_URL", None)  # SQLite in the home, whichever backend the suite uses
    paperwire(site.env, "init", "--sample")
    paperwire(site.env, "index")
    paperwire(site.env, "trending", "refresh")
    with site:
        yield site.base, site.log


def test_the_schema_lists_the_api(server: tuple[str, Path]) -> None:
    """The operations under test are all there (a schema that lost them would make the run vacuous)."""
    base, _log = server
    paths = httpx.get(f"{base}/openapi.json", timeout=10).json()["paths"]
    operations = {f"{method.upper()} {path}" for path, methods in paths.items() for method in methods}
    assert operations >= OPERATIONS


# Regressions: what schemathesis found, pinned as plain requests.


def test_trending_with_an_impossible_category_is_a_400(server: tuple[str, Path]) -> None:
    """Was a 500: the API let ``TrendingError`` escape (the trending page and feed already caught it)."""
    base, _log = server
    response = httpx.get(f"{base}/api/trending", params={"category": "0" * 40}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("not a category")
    assert httpx.get(f"{base}/api/trending", params={"category": ""}, timeout=10).status_code == 200


def test_paper_dates_are_rfc3339_with_an_offset(server: tuple[str, Path]) -> None:
    """Were naive ("2026-06-25T00:00:00"), which the schema's ``format: date-time`` does not allow."""
    base, _log = server
    listed = httpx.get(f"{base}/api/papers", params={"limit": 5}, timeout=10).json()["papers"]
    assert listed
    for paper in listed:
        for field in ("submitted_at", "updated_at"):
            value = paper[field]
            assert value is None or value.endswith(("Z", "+00:00")), f"{field} {value!r} has no offset"


def test_an_id_with_a_newline_gets_the_api_error_body(server: tuple[str, Path]) -> None:
    """Was the router's bare ``{"detail": "Not Found"}``: ``{paper_id:path}`` did not match a newline."""
    base, _log = server
    response = httpx.get(f"{base}/api/papers/a%0Ab", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404
    vote = httpx.delete(f"{base}/api/papers/a%0Ab/upvote", timeout=10)
    assert vote.status_code in (401, 403)
    assert "error" in vote.json()


def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(server: tuple[str, Path], tmp_path: Path) -> None:
    base, log = server
    report = tmp_path / "report.ndjson"
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{base}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--generation-database",
        "none",  # no examples carried over from another run: CI repeats exactly
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path, env=_cli_env()
    )
    statuses = _statuses(log)
    server_errors = {line for line, status in statuses if status >= 500}
    figures = _figures(done.stdout)
    print(f"\nschemathesis: {figures}; responses by status: {dict(Counter(s for _, s in statuses))}")
    detail = f"{done.stdout[-6000:]}\n--- server log ---\n{_tracebacks(log)}"
    assert done.returncode == 0, f"schemathesis failed (exit {done.returncode}):\n{detail}"
    assert not server_errors, f"server errors: {sorted(server_errors)[:10]}\n{detail}"
    # The run really exercised the API: every operation was requested, and most requests were answered.
    requested = {line.split(" HTTP/")[0] for line, _ in statuses}
    for operation in ("GET /api/papers", "GET /api/search", "GET /api/trending", "GET /api/me"):
        assert any(line.startswith(operation) for line in requested), f"{operation} never requested"
    assert sum(1 for _, status in statuses if status == 200) >= 100, "too few successful responses to mean much"


def _cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PAPERWIRE_DATABASE_URL", None)
    env["NO_COLOR"] = "1"
    return env


_ACCESS = re.compile(r'uvicorn\.access: [^ ]+ - "(?P<line>[A-Z]+ [^"]*)" (?P<status>\d{3})')


def _statuses(log: Path) -> list[tuple[str, int]]:
    """``("GET /api/search?q=... HTTP/1.1", 200)`` for every request the server logged."""
    text = log.read_text(errors="replace")
    return [(m.group("line"), int(m.group("status"))) for m in _ACCESS.finditer(text)]


def _tracebacks(log: Path) -> str:
    text = log.read_text(errors="replace")
    return "\n".join(part[:3000] for part in text.split("Traceback")[1:4]) or "(no traceback)"


def _figures(summary: str) -> str:
    """The CLI's own count line, e.g. "819 generated, 1 found 1 unique failure"."""
    match = re.search(r"Test cases:\s*\n\s*(.+)", summary)
    return match.group(1).strip() if match else "(no summary)"
