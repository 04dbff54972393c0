"""The registries of paper sources and signal collectors: the CLI, the scheduler and the docs read them."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from paperwire.cli import app
from paperwire.cli.ingest import app as ingest_app
from paperwire.cli.trending import signals_app
from paperwire.config import ConfigurationError, Settings
from paperwire.core import signals
from paperwire.core.records import Page, Signal
from paperwire.db import jobs
from paperwire.db import signals as signals_db
from paperwire.db.engine import Database
from paperwire.ingest import collectors, sources
from paperwire.ingest.normalize import make_record
from paperwire.ingest.pipeline import IngestReport, ingest
from paperwire.jobs import pipeline
from paperwire.jobs.scheduler import Scheduler
from paperwire.search import SearchService

OPERATIONS = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()


@pytest.mark.parametrize("source", sources.SOURCES.values(), ids=lambda s: s.name)
def test_every_source_is_a_command_and_documented(source: sources.PaperSource) -> None:
    assert source.name in {c.name for c in ingest_app.registered_commands}
    assert source.harvest or source.read_files
    assert f"| `{source.name}` |" in OPERATIONS
    assert source.help in OPERATIONS


@pytest.mark.parametrize("collector", collectors.COLLECTORS.values(), ids=lambda c: c.name)
def test_every_collector_is_a_command_and_documented(collector: collectors.SignalCollector) -> None:
    assert collector.name in {c.name for c in signals_app.registered_commands}
    assert set(collector.kinds) <= set(signals.NAMES)
    assert f"| `{collector.name}` |" in OPERATIONS
    assert collector.help in OPERATIONS


def test_the_collectors_are_the_ones_the_signal_kinds_name() -> None:
    named = {kind.collector.name for kind in signals.KINDS if kind.collector}
    assert set(collectors.COLLECTORS) == named == {"github"}
    github = collectors.COLLECTORS["github"]
    assert github.kinds == (signals.GITHUB_STARS,)
    assert github.help == signals.GITHUB.help

    from paperwire.ingest import github_stars

    assert github.function() is github_stars.collect  # the row's "module:function", imported when it runs


def _hits(db: Database, settings: Settings, now: datetime | None) -> dict[str, Any]:
    return {"now": now}


def test_a_new_row_naming_a_collector_registers_it() -> None:
    hits = signals.Collector("hits", f"{__name__}:_hits", "Count hits.")
    rows = (
        *signals.KINDS,
        signals.SignalKind("hits", "snapshot", "hit", "hits", 1.0, "hits", collector=hits),
        signals.SignalKind("misses", "snapshot", "miss", "misses", 1.0, "misses", collector=hits),
    )
    registry = collectors.from_kinds(rows)
    assert list(registry) == ["github", "hits"]
    assert registry["hits"].kinds == ("hits", "misses")
    assert registry["hits"].collect(None, Settings(), datetime(2026, 3, 2)) == {"now": datetime(2026, 3, 2)}  # type: ignore[arg-type]
    other = signals.Collector("hits", f"{__name__}:_fake_harvest", "Another.")
    with pytest.raises(ValueError, match="two different collectors 'hits'"):
        collectors.from_kinds((*rows, signals.SignalKind("x", "event", "x", "xs", 1.0, "x", collector=other)))


def test_the_registries_import_no_source_or_collector() -> None:
    code = (
        "import sys; import paperwire.ingest.sources, paperwire.ingest.collectors; "
        "print(sorted(m for m in sys.modules if m.startswith('paperwire.ingest.') or m == 'httpx'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['paperwire.ingest.collectors', 'paperwire.ingest.sources']"


def test_harvest_plan_reads_the_registry() -> None:
    plan = sources.harvest_plan(" oai:cs, rss:cs.LG+cs.CL ,hf-daily,")
    assert [(source.name, argument) for source, argument in plan] == [
        ("oai", "cs"),
        ("rss", "cs.LG+cs.CL"),
        ("hf-daily", ""),
    ]
    with pytest.raises(ConfigurationError, match="'arxv' is not a source the scheduler can harvest"):
        sources.harvest_plan("oai:cs,arxv")
    with pytest.raises(ConfigurationError, match="'kaggle'"):  # registered, but files only
        sources.harvest_plan("kaggle")


def test_a_bad_name_is_an_error_as_the_settings_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERWIRE_HOME", str(tmp_path))
    monkeypatch.setenv("PAPERWIRE_HARVEST_SOURCES", "oai:cs,hf_daily")
    result = CliRunner().invoke(app, ["ingest", "status"])
    assert result.exit_code == 1
    assert "'hf_daily' is not a source the scheduler can harvest" in result.output
    monkeypatch.setenv("PAPERWIRE_HARVEST_SOURCES", "")
    monkeypatch.setenv("PAPERWIRE_SIGNAL_COLLECTORS", "gitlab")
    result = CliRunner().invoke(app, ["ingest", "status"])
    assert result.exit_code == 1
    assert "unknown collector 'gitlab' (use github)" in result.output


def _fake_harvest(db: Database, settings: Settings, run: sources.HarvestRun) -> IngestReport:
    record = make_record(raw_id=f"2603.0000{run.argument}", title="Fake", abstract="", source="fake", announced=run.day)
    return ingest(db, [Page([record], label="fake")])


def test_the_scheduler_harvests_a_registered_source(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sources.SOURCES, "fake", sources.PaperSource("fake", "A fake source.", harvest=_fake_harvest))
    settings = settings.model_copy(update={"harvest_sources": "fake:1, fake:2"})
    reports = pipeline.harvest(db, settings, day=date(2026, 3, 2))
    assert [r.counts.inserted for r in reports] == [1, 1]


def test_the_scheduler_runs_the_enabled_collectors_once_a_day(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_harvest(db, settings, sources.HarvestRun("1", date(2026, 3, 2)))
    runs: list[datetime | None] = []

    def collect(db: Database, settings: Settings, now: datetime | None) -> dict[str, Any]:
        runs.append(now)
        with db.write() as conn:
            signals_db.add_signals(
                conn, [("2603.00001", Signal(signals.GITHUB_STARS, 7.0, datetime(2026, 3, 2), "fake"))]
            )
        return {"recorded": 1}

    monkeypatch.setitem(
        collectors.COLLECTORS, "fake", collectors.SignalCollector("fake", (signals.GITHUB_STARS,), "Fake.", collect)
    )
    settings = settings.model_copy(update={"signal_collectors": "fake", "harvest_hour": 2})
    scheduler = Scheduler(db, settings, SearchService(settings, db), clock=lambda: datetime(2026, 3, 2, 1))
    scheduler._signals(datetime(2026, 3, 2, 1))  # before the harvest hour: nothing
    assert runs == []
    for hour in (3, 4):
        scheduler._signals(datetime(2026, 3, 2, hour))
    assert runs == [datetime(2026, 3, 2, 3)]  # once that day
    assert jobs.last_finished(db, "signals:2026-03-02")
    assert signals_db.count_signals(db, kind=signals.GITHUB_STARS) == 1


def test_a_registered_source_without_its_own_command_gets_the_plain_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    from paperwire.cli.ingest import add_plain_command

    def read(db: Database, settings: Settings, paths: Any, on_page: Any) -> IngestReport:
        return ingest(
            db,
            [
                Page(
                    [make_record(raw_id=p.stem, title="From a file", abstract="", source="fake") for p in paths],
                    label="fake",
                )
            ],
            on_page=on_page,
        )

    group = typer.Typer()
    add_plain_command(group, sources.PaperSource("fake", "A fake source.", read_files=read))
    add_plain_command(group, sources.PaperSource("other", "Another.", read_files=read))
    monkeypatch.setenv("PAPERWIRE_HOME", str(tmp_path))
    assert CliRunner().invoke(app, ["init"]).exit_code == 0  # only init and run create a database
    (tmp_path / "2603.00007.txt").write_text("")
    result = CliRunner().invoke(group, ["fake", str(tmp_path / "2603.00007.txt"), "--json"])
    assert result.exit_code == 0, result.output
    assert '"inserted": 1' in result.output
    no_files = CliRunner().invoke(group, ["fake"])
    assert no_files.exit_code == 1
    assert "reads recorded files only" in no_files.output
