"""``paperwire init`` and ``paperwire papers ...``: the database and the papers in it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from paperwire.cli.common import (
    CliError,
    JsonOpt,
    clean_errors,
    err,
    open_database,
    print_json,
    run_ingest,
    settings,
)
from paperwire.core.ids import split_arxiv_id
from paperwire.db import papers

app = typer.Typer(help="Look at stored papers.")


def register(root: typer.Typer) -> None:
    root.command()(init)
    root.add_typer(app, name="papers")


@clean_errors
def init(
    sample: Annotated[bool, typer.Option("--sample/--no-sample", help="Load the bundled sample papers.")] = False,
) -> None:
    """Create (or migrate) the database; with --sample, load the bundled sample papers."""
    config = settings()
    db = open_database(config, create=True)
    err.print(f"database ready: {db.display_url}", highlight=False)
    if sample:
        from paperwire.ingest import service

        run_ingest("sample", False, lambda on_page: service.load_sample(db, config, on_page=on_page))


@app.command("count")
@clean_errors
def papers_count() -> None:
    """Print the number of stored (not deleted) papers."""
    print(papers.count_papers(open_database(settings())))


@app.command("show")
@clean_errors
def papers_show(paper_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Show one paper (an arXiv id with or without version, or an arxiv.org URL)."""
    db = open_database(settings())
    paper = papers.get_paper(db, split_arxiv_id(paper_id)[0])
    if paper is None:
        raise CliError(f"no paper {paper_id!r} in the database")
    if as_json:
        print_json(paper.as_dict())
        return
    out = Console()
    out.print(f"[bold]{paper.title}[/]", highlight=False)
    facts = [f"{paper.id}v{paper.version or '?'}", ", ".join(paper.categories) or "no category yet"]
    out.print(" · ".join(facts), highlight=False)
    out.print(", ".join(paper.authors), highlight=False)
    out.print(f"submitted {paper.submitted_at or '-'} · updated {paper.updated_at or '-'}", highlight=False)
    for label, value in (("doi", paper.doi), ("journal_ref", paper.journal_ref), ("comments", paper.comments)):
        if value:
            out.print(f"{label}: {value}", highlight=False)
    if paper.license:
        out.print(f"license: {paper.license}", highlight=False)
    if paper.code_links:
        out.print("code: " + " ".join(paper.code_links), highlight=False)
    out.print()
    out.print(paper.abstract, highlight=False)


@app.command("complete-categories")
@clean_errors
def papers_complete_categories(
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=200, help="Ids per arXiv API request.")] = 100,
    max_papers: Annotated[int | None, typer.Option("--max", min=1, help="Stop after this many papers.")] = None,
    restart: Annotated[
        bool, typer.Option("--restart", help="Start from the first paper, not where it stopped.")
    ] = False,
    url: Annotated[str | None, typer.Option("--url", help="arXiv API URL (default: the setting).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask the arXiv API for the categories of papers that have none (those known only from Hugging Face).

    Polite (one request per PAPERWIRE_ARXIV_API_INTERVAL seconds) and resumable: a rerun continues after the
    last batch stored.
    """
    from paperwire.ingest.categories import complete_categories

    config = settings()
    db = open_database(config)

    def progress(report: object) -> None:
        if not as_json:
            err.print(f"asked {getattr(report, 'asked', 0):,}, completed {getattr(report, 'completed', 0):,}…")

    done = complete_categories(
        db, config, batch_size=batch_size, max_papers=max_papers, restart=restart, url=url, on_batch=progress
    )
    if as_json:
        print_json(done.as_dict())
        return
    unknown = f"; arXiv does not know {len(done.unknown):,}" if done.unknown else ""
    left = "" if done.complete else " (stopped early: run again to continue)"
    err.print(f"done: {done.completed:,} of {done.asked:,} papers have categories now{unknown}{left}", highlight=False)
