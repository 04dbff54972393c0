"""``paperwire search | similar | index`` end to end through the real CLI, SQLite and ONNX model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperwire.cli import app
from testkit.search_fixtures import PAPERS


def cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # 128 tokens: the same model, faster to embed in tests.
    environment = {"PAPERWIRE_HOME": str(tmp_path / "home"), "PAPERWIRE_SEARCH_MAX_TOKENS": "128"}
    assert cli(environment, "init")[0] == 0  # only init (and run) create a database
    return environment


@pytest.fixture
def papers_file(tmp_path: Path) -> Path:
    path = tmp_path / "papers.jsonl"
    rows = [
        {"id": pid, "title": title, "abstract": abstract, "categories": cats, "published": day}
        for pid, title, abstract, cats, day, _code in PAPERS
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    return path


def test_ingest_then_search_just_works(env: dict[str, str], papers_file: Path) -> None:
    assert cli(env, "ingest", "jsonl", str(papers_file))[0] == 0
    code, out, err = cli(env, "search", "diffusion models", "--limit", "3")
    assert code == 0, err
    assert "index: 6 indexed" in err  # it caught up first
    assert "Denoising diffusion models" in out
    code, out, err = cli(env, "search", "diffusion models", "--json", "--limit", "3")
    hits = json.loads(out)
    assert hits[0]["id"] == "2601.00001"
    assert {"id", "title", "score", "lexical_rank", "semantic_rank", "pinned"} <= set(hits[0])
    assert len(hits) == 3


def test_filters_and_human_output(env: dict[str, str], papers_file: Path) -> None:
    cli(env, "ingest", "jsonl", str(papers_file))
    code, out, _err = cli(env, "search", "learning", "--category", "math.*", "--json")
    assert code == 0
    assert [hit["id"] for hit in json.loads(out)] == ["2601.00006"]
    code, out, _err = cli(env, "search", "learning", "--since", "2026-02-11", "--json")
    assert {hit["id"] for hit in json.loads(out)} == {"2601.00005", "2601.00006"}
    code, out, err = cli(env, "search", "2601.00003v1")
    assert code == 0
    assert "Attention is all you need" in out
    assert "exact match" in out
    assert "ranked in" in err


def test_similar_and_index(env: dict[str, str], papers_file: Path) -> None:
    cli(env, "ingest", "jsonl", str(papers_file))
    code, out, err = cli(env, "index", "--json")
    assert code == 0, err
    assert json.loads(out)["documents"] == 6
    code, out, _err = cli(env, "similar", "https://arxiv.org/abs/2601.00003v1", "--json", "-n", "2")
    assert code == 0
    hits = json.loads(out)
    assert len(hits) == 2
    assert "2601.00003" not in [h["id"] for h in hits]
    code, out, _err = cli(env, "index", "--rebuild", "--json")
    assert code == 0
    assert json.loads(out)["rebuilt"] is True
    assert json.loads(out)["embedded"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "   "], "empty query"),
        (["search", "x" * 1001], "query too long"),
        (["search", '"open'], "unclosed quote"),
        (["search", "x", "--category", "c$"], "not a category"),
        (["search", "x", "--since", "yesterday"], "not a date"),
        (["similar", "2999.99999"], "no paper '2999.99999'"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(env: dict[str, str], args: list[str], message: str) -> None:
    code, _out, err = cli(env, *args)
    assert code == 1
    assert message in err
    assert "Traceback" not in err
