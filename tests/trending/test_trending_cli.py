"""``paperwire trending ...`` and ``paperwire signals github`` end to end on a real SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperwire.cli import app
from testkit.replay_server import ReplayServer, Reply

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {"PAPERWIRE_HOME": str(tmp_path / "home")}
    assert run(environment, "init")[0] == 0  # only init (and run) create a database
    code, _, err = run(environment, "ingest", "hf-daily", str(FIXTURES / "hf_daily/2026-08-21.json"))
    assert code == 0, err
    return environment


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_trending_json_with_now(env: dict[str, str]) -> None:
    code, out, _ = run(env, "trending", "--window", "day", "--now", "2026-08-21", "--limit", "3", "--json")
    assert code == 0
    items = json.loads(out)
    assert [i["id"] for i in items] == ["2608.19880", "2608.20335", "2608.18580"]
    assert items[0]["why"] == {"hf_upvotes": 163.0, "hf_comments": 1.0, "github_stars": 8.0}
    assert set(items[0]) >= {"id", "title", "score", "why", "points", "authors", "announced_on"}


def test_trending_text_explains_each_rank(env: dict[str, str]) -> None:
    code, out, _ = run(env, "trending", "--now", "2026-08-21", "--limit", "1")
    assert code == 0
    assert "EnvHarness" in out
    # Whole numbers; first counts on Hugging Face and GitHub are totals (nothing seen before them), not "today".
    assert "score 7.43 · 163 on Hugging Face · 1 comment on Hugging Face · 8 GitHub stars\n" in out


def test_refresh_then_list_from_the_table(env: dict[str, str]) -> None:
    code, out, _ = run(env, "trending", "refresh", "--now", "2026-08-21", "--json")
    assert (code, json.loads(out)["skipped"], json.loads(out)["papers"]["week"]) == (0, False, 17)
    assert json.loads(run(env, "trending", "refresh", "--now", "2026-08-21", "--json")[1])["skipped"] is True
    stored = json.loads(run(env, "trending", "--window", "week", "--json", "--limit", "5")[1])
    computed = json.loads(run(env, "trending", "--window", "week", "--json", "--limit", "5", "--now", "2026-08-21")[1])
    assert stored == computed


def test_history_json(env: dict[str, str]) -> None:
    code, out, _ = run(env, "trending", "history", "2608.19880", "--days", "2", "--now", "2026-08-21", "--json")
    assert code == 0
    # The repository's first star count (8) is no observed rise: the history leaves it out.
    assert json.loads(out) == [
        {"day": "2026-08-20", "signals": {}},
        {"day": "2026-08-21", "signals": {"hf_upvotes": 163.0, "hf_comments": 1.0}},
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "year"], "use day, week or month"),
        (["--category", "cs LG"], "not a category"),
        (["--now", "yesterday"], "not a date or datetime"),
    ],
)
def test_bad_arguments_fail_with_one_line(env: dict[str, str], args: list[str], message: str) -> None:
    code, _, err = run(env, "trending", *args)
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_signals_github(env: dict[str, str], replay_server: ReplayServer) -> None:
    body = (Path(__file__).parent / "fixtures/github/google-research_envharness.json").read_bytes()
    replay_server.queue("/repos/google-research/envharness", Reply(200, body))
    replay_server.route(lambda request: Reply(404, b'{"message": "Not Found"}'))
    env = {**env, "PAPERWIRE_GITHUB_API_URL": replay_server.url()}
    code, out, _ = run(env, "signals", "github", "--now", "2026-08-22", "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["planned"], report["recorded"], len(report["not_found"])) == (12, 1, 11)
    code, out, _ = run(env, "trending", "history", "2608.19880", "--days", "2", "--now", "2026-08-22", "--json")
    assert json.loads(out)[-1] == {"day": "2026-08-22", "signals": {"github_stars": 404.0}}  # 412 - 8 from HF
