"""Precompute the bundled sample's embeddings so `make run` starts searching in seconds, not minutes.

Usage: .venv/bin/python scripts/build_sample_embeddings.py

Loads the sample into a throwaway database, embeds it with the default model (exactly what
`paperwire index` would store), and writes src/paperwire/sample/embeddings.npz: paper ids, the model name,
and the float16 vectors. `load_sample` stores them; a paper whose text or model differs is re-embedded as
usual, so a stale file costs time, never correctness.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from sqlalchemy import select

from paperwire.config import Settings
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.db.schema import paper_embeddings
from paperwire.ingest import service
from paperwire.search import SearchService

OUT = Path(__file__).resolve().parents[1] / "src" / "paperwire" / "sample" / "embeddings.npz"


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        db = Database(settings.resolved_database_url)
        upgrade(db)
        service.load_sample(db, settings, with_embeddings=OUT.exists())  # reuse what is still current
        SearchService(settings, db).catch_up()
        with db.read() as conn:
            rows = conn.execute(
                select(paper_embeddings.c.paper_id, paper_embeddings.c.model, paper_embeddings.c.vector).order_by(
                    paper_embeddings.c.paper_id
                )
            ).all()
        models = {row.model for row in rows}
        assert len(models) == 1, models
        vectors = np.stack([np.frombuffer(row.vector, dtype="<f2") for row in rows])
        np.savez_compressed(
            OUT, ids=np.array([row.paper_id for row in rows]), model=np.array(models.pop()), vectors=vectors
        )
        print(f"wrote {len(rows)} embeddings ({vectors.shape[1]} dims) to {OUT}")


if __name__ == "__main__":
    main()
