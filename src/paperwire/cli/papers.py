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
from paperwire.ingest import service

app = typer.Typer(help="Look at stored papers.")


def register(root: typer.Typer) -> None:
    root.command()(init)


@clean_errors
def init(
    sample: Annotated[bool, typer.Option("--sample/--no-sample", help="Load the bundled sample papers.")] = False,
) -> None:
    """Create (or migrate) the database; with --sample, load the bundled sample papers."""
    config = settings()
    db = open_database(config)
    err.print(f"database ready: {db.display_url}", highlight=False)
    if sample:
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
        print_json(paper)
        return
    out = Console()
    out.print(f"[bold]{paper['title']}[/]", highlight=False)
    out.print(f"{paper['id']}v{paper['version'] or '?'} · {', '.join(paper['categories'])}", highlight=False)
    out.print(", ".join(paper["authors"]), highlight=False)
    out.print(f"submitted {paper['submitted_at'] or '-'} · updated {paper['updated_at'] or '-'}", highlight=False)
    for label in ("doi", "journal_ref", "comments", "license"):
        if paper[label]:
            out.print(f"{label}: {paper[label]}", highlight=False)
    if paper["code_links"]:
        out.print("code: " + " ".join(paper["code_links"]), highlight=False)
    out.print()
    out.print(paper["abstract"], highlight=False)
