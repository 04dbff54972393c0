"""Papers for the search tests, and a helper that stores them (imported by conftest and the tests)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from paperwire.core.records import PaperRecord
from paperwire.db import papers
from paperwire.db.engine import Database
from paperwire.ingest.normalize import make_record

NOW = datetime(2026, 11, 27, 12, 0)

# (id, title, abstract, categories, announced, code link)
PAPERS = [
    (
        "2601.00001",
        "Denoising diffusion models for image synthesis",
        "We train denoising diffusion probabilistic models that generate high quality images by reversing a "
        "gradual noising process.",
        "cs.CV cs.LG",
        "2026-01-05",
        "https://github.com/a/diffusion",
    ),
    (
        "2601.00002",
        "Graph neural networks for molecule property prediction",
        "Message passing neural networks on molecular graphs predict chemical properties of small molecules.",
        "cs.LG q-bio.BM",
        "2026-01-06",
        None,
    ),
    (
        "2601.00003",
        "Attention is all you need",
        "The Transformer relies entirely on self-attention to draw global dependencies between input and "
        "output, dispensing with recurrence and convolutions for machine translation.",
        "cs.CL cs.LG",
        "2026-01-07",
        "https://github.com/b/transformer",
    ),
    (
        "2601.00004",
        "Reinforcement learning from human feedback for language models",
        "We fine-tune large language models with reinforcement learning using a reward model trained on "
        "human preference comparisons.",
        "cs.CL",
        "2026-02-10",
        None,
    ),
    (
        "2601.00005",
        "Dark matter halos in cosmological simulations",
        "N-body simulations reveal the density profiles of dark matter halos across cosmic time.",
        "astro-ph.CO",
        "2026-02-11",
        None,
    ),
    (
        "2601.00006",
        "Random matrix theory of sample covariance",
        "We study the spectrum of large sample covariance matrices and the Marchenko-Pastur law.",
        "math.PR math.ST",
        "2026-03-01",
        None,
    ),
]


def paper(
    paper_id: str,
    title: str,
    abstract: str,
    categories: str = "cs.LG",
    announced: str | None = "2026-01-05",
    code: str | None = None,
    *,
    version: int = 1,
    deleted: bool = False,
) -> PaperRecord:
    built = make_record(
        raw_id=f"{paper_id}v{version}",
        title=title,
        abstract=abstract,
        source="test",
        authors=["Ada Lovelace", "Alan Turing"],
        categories=categories,
        announced=announced,
        submitted=f"{announced or '2025-12-01'}T10:00:00Z",
        updated=f"{announced or '2025-12-01'}T10:00:00Z",
        code_links=[code] if code else [],
        deleted=deleted,
    )
    assert isinstance(built, PaperRecord)
    return built


def store(db: Database, records: Sequence[PaperRecord]) -> None:
    with db.write() as conn:
        papers.upsert_papers(conn, list(records), now=NOW)
