"""The registry of paper sources: one entry each, read by the CLI (``paperwire ingest``), the scheduler
(``PAPERWIRE_HARVEST_SOURCES``) and the docs (the table in docs/operations.md is made from it by
``scripts/gen_docs_tables.py``; a test checks it is current).

An entry names the source, says in one line what it is, and gives up to two ways in: ``harvest`` (live, what
the scheduler runs daily with the argument after the colon in ``oai:cs``) and ``read_files`` (recorded files,
the same parser offline). Adding a source is a parser module, one entry here and a test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from paperwire.config import ConfigurationError, Settings

if TYPE_CHECKING:  # the parsers load when a source runs, not when settings are checked
    from paperwire.db.engine import Database
    from paperwire.ingest.pipeline import IngestReport, PageCallback

Harvest = Callable[["Database", Settings, "HarvestRun"], "IngestReport"]
ReadFiles = Callable[["Database", Settings, Sequence[Path], "PageCallback | None"], "IngestReport"]


@dataclass(frozen=True, slots=True)
class HarvestRun:
    """One live harvest: the argument from ``PAPERWIRE_HARVEST_SOURCES`` (``cs`` in ``oai:cs``), the day."""

    argument: str
    day: date
    on_page: PageCallback | None = None


@dataclass(frozen=True, slots=True)
class PaperSource:
    name: str  # as in `paperwire ingest <name>` and PAPERWIRE_HARVEST_SOURCES
    help: str  # one line: the CLI's help and the docs' table
    harvest: Harvest | None = None  # live; what the scheduler runs daily
    read_files: ReadFiles | None = None  # recorded files, offline
    argument: str = ""  # "WORD (what the argument after the colon means)", for the docs; "" = none
    also: str = ""  # other ways in that its own CLI command offers, for the docs ("`--id`, `--query`")


def _oai(db: Database, settings: Settings, run: HarvestRun) -> IngestReport:
    from paperwire.ingest import service
    from paperwire.ingest.http import PoliteClient

    with PoliteClient(settings) as client:
        return service.harvest_oai(db, settings, client, set_=run.argument or None, on_page=run.on_page)


def _oai_files(db: Database, settings: Settings, paths: Sequence[Path], on_page: PageCallback | None) -> IngestReport:
    from paperwire.ingest import service

    return service.ingest_oai_files(db, paths, on_page=on_page)


def _arxiv_api_files(
    db: Database, settings: Settings, paths: Sequence[Path], on_page: PageCallback | None
) -> IngestReport:
    from paperwire.ingest import service

    return service.ingest_arxiv_api(db, settings, paths=paths, on_page=on_page)


def _rss(db: Database, settings: Settings, run: HarvestRun) -> IngestReport:
    from paperwire.ingest import service

    categories = [c for c in run.argument.split("+") if c]
    return service.ingest_rss(db, settings, categories=categories, on_page=run.on_page)


def _rss_files(db: Database, settings: Settings, paths: Sequence[Path], on_page: PageCallback | None) -> IngestReport:
    from paperwire.ingest import service

    return service.ingest_rss(db, settings, paths=paths, on_page=on_page)


def _kaggle_files(
    db: Database, settings: Settings, paths: Sequence[Path], on_page: PageCallback | None
) -> IngestReport:
    from paperwire.ingest import service

    return combined([service.ingest_kaggle(db, settings, path, on_page=on_page) for path in paths])


def _jsonl_files(db: Database, settings: Settings, paths: Sequence[Path], on_page: PageCallback | None) -> IngestReport:
    from paperwire.ingest import service

    return service.ingest_jsonl(db, settings, paths, on_page=on_page)


def _hf_daily(db: Database, settings: Settings, run: HarvestRun) -> IngestReport:
    from paperwire.ingest import service

    return service.ingest_hf_daily(db, settings, day=run.day, on_page=run.on_page)


def _hf_daily_files(
    db: Database, settings: Settings, paths: Sequence[Path], on_page: PageCallback | None
) -> IngestReport:
    from paperwire.ingest import service

    return service.ingest_hf_daily(db, settings, paths=paths, on_page=on_page)


SOURCES: dict[str, PaperSource] = {
    source.name: source
    for source in (
        PaperSource(
            "oai",
            "arXiv OAI-PMH ListRecords (resumable: a rerun continues where a crash stopped).",
            harvest=_oai,
            read_files=_oai_files,
            argument="SET (an OAI set, e.g. cs or physics:hep-th; empty = everything)",
        ),
        PaperSource(
            "arxiv-api",
            "arXiv API (Atom): by id list or a search query, paged, at most one request every 3 s.",
            read_files=_arxiv_api_files,
            also="`--id`, `--query`",
        ),
        PaperSource(
            "rss",
            "arXiv RSS new-submission feeds (rss.arxiv.org RSS 2.0, and the old RSS 1.0 format).",
            harvest=_rss,
            read_files=_rss_files,
            argument="CATS (categories joined by +, e.g. cs.LG+cs.CL)",
        ),
        PaperSource(
            "kaggle",
            "The Kaggle arXiv metadata snapshot (JSON lines), streamed with flat memory.",
            read_files=_kaggle_files,
        ),
        PaperSource(
            "jsonl",
            "Plain JSONL / CSV: id, title, abstract (or summary), optional authors, categories, dates, code.",
            read_files=_jsonl_files,
        ),
        PaperSource(
            "hf-daily",
            "Hugging Face daily papers: papers plus upvotes, GitHub stars and AI summaries.",
            harvest=_hf_daily,
            read_files=_hf_daily_files,
        ),
    )
}


def combined(reports: Sequence[IngestReport]) -> IngestReport:
    """Several runs' reports as one (complete when every run was)."""
    from paperwire.ingest.pipeline import IngestReport

    total = IngestReport(complete=all(r.complete for r in reports))
    for report in reports:
        total.pages += report.pages
        total.counts.add(report.counts)
        total.errors.extend(report.errors)
        total.signals_added += report.signals_added
    return total


def get(name: str) -> PaperSource:
    try:
        return SOURCES[name]
    except KeyError:
        raise ConfigurationError(f"unknown paper source {name!r}: use one of {', '.join(SOURCES)}") from None


def harvest_plan(spec: str) -> list[tuple[PaperSource, str]]:
    """``"oai:cs, rss:cs.LG+cs.CL, hf-daily"`` -> the sources to harvest and their arguments.

    ``ConfigurationError`` names the entry of ``PAPERWIRE_HARVEST_SOURCES`` that is not a live source.
    """
    plan = []
    for part in spec.split(","):
        name, _, argument = part.strip().partition(":")
        if not name:
            continue
        source = SOURCES.get(name.strip())
        if source is None or source.harvest is None:
            live = ", ".join(s.name for s in SOURCES.values() if s.harvest)
            raise ConfigurationError(
                f"PAPERWIRE_HARVEST_SOURCES: {part.strip()!r} is not a source the scheduler can harvest "
                f"(use {live}, comma-separated, e.g. oai:cs,rss:cs.LG+cs.CL,hf-daily)"
            )
        plan.append((source, argument.strip()))
    return plan


def check_settings(settings: Settings) -> None:
    """The registries' part of loading settings (the CLI and the app call it as they load them): every
    name in ``PAPERWIRE_HARVEST_SOURCES`` and ``PAPERWIRE_SIGNAL_COLLECTORS`` is a registered one."""
    from paperwire.ingest import collectors

    harvest_plan(settings.harvest_sources)
    collectors.enabled(settings)
