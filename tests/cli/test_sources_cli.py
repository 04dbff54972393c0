"""Each source through the CLI into a real SQLite database, checked field by field from the recordings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from paperwire.cli import app

FIXTURES = Path(__file__).parents[1] / "fixtures"


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def show(env: dict[str, str], paper_id: str) -> dict[str, Any]:
    code, out, err = run(env, "papers", "show", paper_id, "--json")
    assert code == 0, err
    paper: dict[str, Any] = json.loads(out)
    return paper


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {"PAPERWIRE_HOME": str(tmp_path / "home")}
    assert run(environment, "init")[0] == 0  # only init (and run) create a database
    return environment


def test_kaggle(env: dict[str, str]) -> None:
    code, out, _ = run(
        env,
        "ingest",
        "kaggle",
        str(FIXTURES / "kaggle/arxiv-metadata-oai-snapshot.head100.json"),
        "--category",
        "hep-ph",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["inserted"] > 0
    paper = show(env, "0704.0001")
    assert paper["title"] == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert paper["authors"] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert paper["doi"] == "10.1103/PhysRevD.76.013009"
    assert paper["categories"] == ["hep-ph"]
    assert paper["version"] == 2


def test_jsonl_corpus_day(env: dict[str, str]) -> None:
    code, _, _ = run(env, "ingest", "jsonl", str(FIXTURES / "arxiv_daily/2026-06-25.jsonl"))
    assert code == 0
    paper = show(env, "2606.25042")
    assert paper["title"] == "Information from coincidences"
    assert paper["authors"] == ["Akshay Balsubramani"]
    assert paper["categories"] == ["cs.IT", "math.PR", "math.ST", "stat.ML"]
    assert paper["announced_on"] == "2026-06-25"  # from the day file's name


def test_jsonl_date_option_sets_announcement(env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "papers.csv"
    data.write_text("id,title,abstract,authors\nacl-2024-1,A non-arXiv paper,Text.,A; B\n")
    assert run(env, "ingest", "jsonl", str(data), "--date", "2024-05-01")[0] == 0
    paper = show(env, "acl-2024-1")
    assert (paper["announced_on"], paper["authors"]) == ("2024-05-01", ["A", "B"])


def test_hf_daily_with_signals(env: dict[str, str]) -> None:
    code, out, _ = run(env, "ingest", "hf-daily", str(FIXTURES / "hf_daily/2026-08-21.json"), "--json")
    assert code == 0
    assert json.loads(out)["signals"] > 0
    paper = show(env, "2608.19880")
    assert paper["title"] == "EnvHarness: Awakening Static Worlds for Agent Learning"
    assert paper["code_links"][0] == "https://github.com/google-research/envharness"
    assert "reinforcement learning" in paper["ai_keywords"]
    assert paper["ai_summary"]
    again = json.loads(run(env, "ingest", "hf-daily", str(FIXTURES / "hf_daily/2026-08-21.json"), "--json")[1])
    assert (again["signals"], again["inserted"], again["updated"]) == (0, 0, 0)


def test_rss(env: dict[str, str]) -> None:
    code, _, _ = run(env, "ingest", "rss", str(FIXTURES / "rss/arxiv_cs_lg.xml"))
    assert code == 0
    paper = show(env, "2604.21952")
    assert paper["title"].startswith("Focus Session: Hardware and Software Techniques")
    assert paper["categories"] == ["cs.LG", "cs.AI", "cs.AR", "cs.NE", "cs.RO"]
    assert paper["authors"][:2] == ["Muhammad Shafique", "Abdul Basit"]
    assert paper["announced_on"] == "2026-04-27"
    assert paper["license"] == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert "visual resolution & stride" in paper["abstract"]
    assert not paper["abstract"].startswith("arXiv:")


def test_arxiv_api(env: dict[str, str]) -> None:
    code, _, _ = run(env, "ingest", "arxiv-api", str(FIXTURES / "arxiv_api/id_1707.08567_s0_m100_6a1afebfc6a3.xml"))
    assert code == 0
    paper = show(env, "1707.08567")
    assert paper["title"] == "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    assert paper["version"] == 1


def test_arxiv_api_needs_ids_or_query(env: dict[str, str]) -> None:
    code, _, err = run(env, "ingest", "arxiv-api")
    assert code == 1
    assert "give --id" in err
