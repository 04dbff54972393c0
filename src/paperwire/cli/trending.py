"""``paperwire trending ...`` (the list, refresh, a paper's history) and ``paperwire signals github``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from paperwire import trending as lib
from paperwire.cli.common import CliError, JsonOpt, clean_errors, err, open_database, print_json, settings
from paperwire.ingest.collectors import COLLECTORS, SignalCollector
from paperwire.ingest.normalize import parse_datetime
from paperwire.trending.explain import describe

app = typer.Typer(help="What is trending, and why.", invoke_without_command=True)
signals_app = typer.Typer(help="Collect external signals (the registered collectors: GitHub stars).")

NowOpt = Annotated[
    str | None,
    typer.Option("--now", help="Score as of this moment (ISO date or datetime, UTC) for reproducible lists."),
]


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    root.add_typer(app, name="trending")
    root.add_typer(signals_app, name="signals")


def parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise CliError(f"not a date or datetime: {value!r} (use e.g. 2026-08-21 or 2026-08-21T09:30)")
    return parsed


@app.callback()
@clean_errors
def show(
    ctx: typer.Context,
    window: Annotated[str, typer.Option("--window", help="day, week or month.")] = "day",
    category: Annotated[str | None, typer.Option("--category", help="cs.LG, or a prefix: cs.* (or cs).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many papers.")] = 20,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many first.")] = 0,
    now: NowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The trending papers, best first, each with the signals behind its score."""
    if ctx.invoked_subcommand is not None:
        return
    config = settings()
    db = open_database(config)
    try:
        items = lib.trending(
            db, config, window=window, category=category, limit=limit, offset=offset, now=parse_now(now)
        )
    except lib.TrendingError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json([item.as_dict() for item in items])
        return
    out = Console(soft_wrap=True)  # one line per paper, even when piped
    for rank, item in enumerate(items, offset + 1):
        out.print(f"{rank:>3}. [bold]{item.title}[/]", highlight=False)
        facts = [item.id, ", ".join(item.categories[:3]), f"score {item.score:.2f}", item.reason]
        out.print("     " + " · ".join(fact for fact in facts if fact), highlight=False)
    if not items:
        err.print("nothing to show" + (f" in {category}" if category else " (no papers yet?)"), highlight=False)


@app.command("refresh")
@clean_errors
def refresh(now: NowOpt = None, as_json: JsonOpt = False) -> None:
    """Recompute the stored scores of every window (does nothing when no signal or paper changed)."""
    config = settings()
    report = lib.refresh(open_database(config), config, now=parse_now(now))
    if as_json:
        print_json(report.as_dict())
    elif report.skipped:
        err.print(f"trending is up to date (as of {report.as_of.isoformat()})", highlight=False)
    else:
        counts = ", ".join(f"{window} {n:,}" for window, n in report.papers.items())
        err.print(
            f"[green]done:[/] scored as of {report.as_of.isoformat()} from {report.signals_read:,} signals "
            f"in {report.seconds:.2f}s; papers per window: {counts}",
            highlight=False,
        )


@app.command("history")
@clean_errors
def history(
    paper_id: Annotated[str, typer.Argument(metavar="ID")],
    days: Annotated[int, typer.Option("--days", min=1, max=365, help="How many days back.")] = 30,
    now: NowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A paper's signals per day (what the sparkline on its page shows)."""
    db = open_database(settings())
    buckets = lib.signal_history(db, paper_id, days=days, now=parse_now(now))
    if as_json:
        print_json([{"day": day, "signals": values} for day, values in buckets])
        return
    for day, values in buckets:
        if values:
            print(f"{day.isoformat()}  {describe(values)}")


@signals_app.command("github", help=COLLECTORS["github"].help)
@clean_errors
def signals_github(now: NowOpt = None, as_json: JsonOpt = False) -> None:
    """Record today's GitHub star counts of recent and trending papers' code (resumes after a rate limit)."""
    from paperwire.ingest.github import GitHubClient  # httpx: only this command talks to the internet
    from paperwire.ingest.github_stars import collect_stars

    config = settings()
    db = open_database(config)
    waits = lambda seconds, why: err.print(f"[yellow]waiting {seconds:.0f}s:[/] {why}")  # noqa: E731
    with GitHubClient(config, on_wait=waits) as client:
        report = collect_stars(db, config, client, now=parse_now(now))
    if as_json:
        print_json(report.as_dict())
    else:
        for name in report.not_found:
            err.print(f"[yellow]not found[/] github.com/{name} (deleted, renamed away or private)")
        for line in report.refused:
            err.print(f"[yellow]skipped[/] {line}", highlight=False)
        err.print(
            f"[green]done:[/] {report.planned:,} repositories asked, {report.recorded:,} star counts stored, "
            f"{report.already_today:,} already checked today, {report.left:,} left for the next run",
            highlight=False,
        )
    if report.stopped:
        err.print(f"[yellow]stopped early:[/] {report.stopped}; run again later to continue", highlight=False)


def _plain_collector_command(collector: SignalCollector) -> None:
    """``paperwire signals <name>`` for a registered collector without its own command: run it, print its report."""

    def command(now: NowOpt = None, as_json: JsonOpt = False) -> None:
        config = settings()
        report = collector.collect(open_database(config), config, parse_now(now))
        if as_json:
            print_json(report)
        else:
            err.print(f"[green]done:[/] {collector.name}: " + ", ".join(f"{k} {v}" for k, v in report.items()))

    signals_app.command(collector.name, help=collector.help)(clean_errors(command))


for _collector in COLLECTORS.values():
    if _collector.name not in {c.name for c in signals_app.registered_commands}:
        _plain_collector_command(_collector)
