"""The library calls behind ``paperwire ingest``: pick a source, resume where it stopped, run the pipeline.

The CLI and the scheduler both call these; each returns the pipeline's ``IngestReport``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

from paperwire.config import Settings
from paperwire.core.clock import utcnow
from paperwire.core.records import Page, PaperRecord, SourceError
from paperwire.db import harvest
from paperwire.db.engine import Database
from paperwire.ingest import arxiv_api, categories, hf_daily, jsonl, kaggle, oai, rss
from paperwire.ingest.http import PoliteClient
from paperwire.ingest.pipeline import IngestReport, PageCallback, ingest

log = logging.getLogger(__name__)
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"
SAMPLE_EMBEDDINGS = SAMPLE_DIR / "embeddings.npz"


def require_files(paths: Sequence[Path]) -> list[Path]:
    """Fail early, before anything is stored, when a named file is missing."""
    for path in paths:
        if not path.is_file():
            raise SourceError(f"no such file: {path}")
    return list(paths)


def oai_harvest_key(metadata_prefix: str, set_: str | None) -> str:
    return f"oai:{metadata_prefix}:{set_ or '*'}"


def _with_range(pages: Iterable[Page], request: dict[str, str | int | None]) -> Iterator[Page]:
    """Remember the request's range next to each resumption token, so a resumed run knows what it finishes."""
    for page in pages:
        if page.resume is not None:
            page.resume = {**page.resume, **request}
        yield page


def harvest_oai(
    db: Database,
    settings: Settings,
    client: PoliteClient,
    *,
    url: str | None = None,
    metadata_prefix: str = "arXiv",
    from_: str | None = None,
    until: str | None = None,
    set_: str | None = None,
    restart: bool = False,
    on_page: PageCallback | None = None,
) -> IngestReport:
    """Harvest from an OAI-PMH endpoint, resuming an interrupted run of the same prefix and set.

    - an unfinished earlier run (crash, kill, a failed page) continues from its last resumption token;
    - after a complete run, a run without ``from_`` is incremental: it starts at the newest datestamp seen;
    - ``restart`` forgets the saved state and harvests the requested range from its start;
    - with no checkpoint and no ``from_`` it starts ``harvest_backfill_days`` before today (UTC): without
      ``from`` arXiv would send its whole set (all of ``cs`` since 1993), which no first run should ask for.
    """
    key = oai_harvest_key(metadata_prefix, set_)
    state = None if restart else harvest.get_state(db, key)
    token: str | None = None
    if state and state.status != harvest.COMPLETE and state.resume and state.resume.get("token"):
        token = str(state.resume["token"])
        from_, until = _opt(state.resume.get("from")), _opt(state.resume.get("until"))
    elif state and state.status == harvest.COMPLETE and from_ is None:
        from_ = state.last_datestamp
    if token is None and from_ is None:
        from_ = backfill_start(settings, utcnow().date()).isoformat()
    pages = oai.fetch_oai_pages(
        client,
        url or settings.oai_url,
        metadata_prefix=metadata_prefix,
        from_=from_,
        until=until,
        set_=set_,
        resume_token=token,
        page_pause=settings.oai_page_pause,
    )
    return ingest(
        db,
        _with_range(pages, {"from": from_, "until": until}),
        harvest_key=key,
        restart=token is None,
        datestamp_of=lambda page: page.datestamp,
        on_page=on_page,
    )


def backfill_start(settings: Settings, today: date) -> date:
    """Where a first OAI-PMH harvest starts: ``harvest_backfill_days`` before today."""
    return today - timedelta(days=settings.harvest_backfill_days)


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def ingest_oai_files(db: Database, paths: Sequence[Path], *, on_page: PageCallback | None = None) -> IngestReport:
    return ingest(db, oai.parse_oai_files(require_files(paths)), on_page=on_page)


def ingest_arxiv_api(
    db: Database,
    settings: Settings,
    *,
    paths: Sequence[Path] = (),
    ids: Sequence[str] = (),
    query: str | None = None,
    max_results: int | None = None,
    url: str | None = None,
    on_page: PageCallback | None = None,
) -> IngestReport:
    if paths:
        return ingest(db, arxiv_api.parse_atom_files(require_files(paths)), on_page=on_page)
    if not ids and not query:
        raise SourceError("give --id (one or more arXiv ids) or --query, or recorded Atom files")
    with PoliteClient(settings, min_interval=settings.arxiv_api_interval) as client:
        pages = arxiv_api.fetch_api_pages(
            client, url or settings.arxiv_api_url, ids=list(ids) or None, query=query, max_results=max_results
        )
        return ingest(db, pages, on_page=on_page)


def ingest_rss(
    db: Database,
    settings: Settings,
    *,
    categories: Sequence[str] = (),
    paths: Sequence[Path] = (),
    url: str | None = None,
    on_page: PageCallback | None = None,
) -> IngestReport:
    if paths:
        return ingest(db, rss.parse_rss_files(require_files(paths)), on_page=on_page)
    if not categories:
        raise SourceError("name one or more arXiv categories (e.g. cs.LG) or recorded feed files")
    with PoliteClient(settings, min_interval=settings.oai_page_pause) as client:
        return ingest(db, rss.fetch_rss(client, url or settings.rss_url, list(categories)), on_page=on_page)


def ingest_kaggle(
    db: Database,
    settings: Settings,
    path: Path,
    *,
    categories: Sequence[str] = (),
    on_page: PageCallback | None = None,
) -> IngestReport:
    pages = kaggle.read_kaggle(
        require_files([path])[0], categories=list(categories) or None, batch_size=settings.ingest_batch_size
    )
    return ingest(db, pages, on_page=on_page)


def ingest_jsonl(
    db: Database,
    settings: Settings,
    paths: Sequence[Path],
    *,
    announced: date | None = None,
    on_page: PageCallback | None = None,
) -> IngestReport:
    pages = jsonl.read_jsonl(require_files(paths), announced=announced, batch_size=settings.ingest_batch_size)
    return ingest(db, pages, on_page=on_page)


def ingest_hf_daily(
    db: Database,
    settings: Settings,
    *,
    paths: Sequence[Path] = (),
    day: date | None = None,
    url: str | None = None,
    on_page: PageCallback | None = None,
) -> IngestReport:
    if paths:
        return ingest(db, hf_daily.read_hf_files(require_files(paths), day=day), on_page=on_page)
    if day is None:
        raise SourceError("give --date YYYY-MM-DD (or recorded daily_papers JSON files)")
    seen: list[str] = []

    def noted(pages: Iterable[Page]) -> Iterator[Page]:
        for page in pages:
            seen.extend(item.id for item in page.items if isinstance(item, PaperRecord))
            yield page

    with PoliteClient(settings) as client:
        report = ingest(db, noted(hf_daily.fetch_hf_daily(client, url or settings.hf_daily_url, day)), on_page=on_page)
    if settings.hf_complete_categories and seen:
        complete_hf_categories(db, settings, seen)
    return report


def complete_hf_categories(db: Database, settings: Settings, ids: Sequence[str]) -> None:
    """Hugging Face has no categories: ask the arXiv API for those of the papers it brought (best effort:
    when arXiv cannot be reached the papers stay as they are, and ``papers complete-categories`` catches up)."""
    try:
        done = categories.complete_categories(db, settings, ids=ids)
    except SourceError as exc:
        log.warning("categories of %d Hugging Face papers not completed: %s", len(ids), exc)
        return
    log.info("categories completed for %d of %d papers asked about", done.completed, done.asked)


def load_sample(
    db: Database, settings: Settings, *, on_page: PageCallback | None = None, with_embeddings: bool = True
) -> IngestReport:
    """The bundled real sample (a few hundred papers and three Hugging Face days): a live site offline.

    Its embeddings ship precomputed (``scripts/build_sample_embeddings.py``), so the first search index
    builds in seconds; any paper whose stored text differs is simply embedded again by the index.
    """
    report = ingest_jsonl(db, settings, sorted(SAMPLE_DIR.glob("*.jsonl")), on_page=on_page)
    hf = ingest_hf_daily(db, settings, paths=sorted(SAMPLE_DIR.glob("hf-daily-*.json")), on_page=on_page)
    report.pages += hf.pages
    report.counts.add(hf.counts)
    report.errors.extend(hf.errors)
    report.signals_added += hf.signals_added
    if with_embeddings and SAMPLE_EMBEDDINGS.exists():
        store_sample_embeddings(db)
    return report


def store_sample_embeddings(db: Database) -> int:
    """Store the shipped sample vectors against the papers' current change sequence."""
    import numpy as np

    from paperwire.db import embeddings

    with np.load(SAMPLE_EMBEDDINGS) as data:
        ids = [str(i) for i in data["ids"]]
        model = str(data["model"])
        vectors = data["vectors"]
    seqs = embeddings.current_seqs(db, ids)
    rows = [
        embeddings.NewEmbedding(paper_id, seqs[paper_id], vectors[i].astype("<f2").tobytes())
        for i, paper_id in enumerate(ids)
        if paper_id in seqs
    ]
    embeddings.save_embeddings(db, rows, model=model, dim=int(vectors.shape[1]))
    return len(rows)
