"""Typed settings: every knob paperwire has, each with a default and help text.

Settings are read once (from the environment, prefix ``PAPERWIRE_``) and passed into whatever needs them;
nothing reads the environment behind the caller's back, so tests can build their own ``Settings``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAPERWIRE_", extra="ignore")

    home: Path = Field(
        default=Path("./var"),
        description="Directory for the SQLite database and derived indexes (search, caches).",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database; default sqlite:///$PAPERWIRE_HOME/paperwire.db. "
        "postgresql://user@host/db selects PostgreSQL (psycopg 3).",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The site's public URL; absolute links (feeds, mail) are built on it.",
    )
    host: str = Field(default="127.0.0.1", description="Address `paperwire serve` binds to.")
    port: int = Field(default=8000, description="Port `paperwire serve` listens on.")

    # --- harvesting -------------------------------------------------------------------------------------
    oai_url: str = Field(default="https://oaipmh.arxiv.org/oai", description="arXiv OAI-PMH endpoint.")
    arxiv_api_url: str = Field(
        default="https://export.arxiv.org/api/query", description="arXiv API endpoint."
    )
    rss_url: str = Field(
        default="https://rss.arxiv.org/rss/",
        description="arXiv RSS base URL; the category (or cat1+cat2) is appended.",
    )
    hf_daily_url: str = Field(
        default="https://huggingface.co/api/daily_papers",
        description="Hugging Face daily papers API endpoint.",
    )
    http_timeout: float = Field(default=60.0, description="Seconds before an HTTP request to a source fails.")
    http_retries: int = Field(
        default=5, description="Attempts per request on 503/429/5xx or a dropped connection before giving up."
    )
    max_retry_after: float = Field(
        default=600.0, description="Longest Retry-After (seconds) paperwire will wait; longer fails clearly."
    )
    oai_page_pause: float = Field(
        default=1.0, description="Seconds between OAI-PMH pages (arXiv asks harvesters to be polite)."
    )
    arxiv_api_interval: float = Field(
        default=3.0, description="Minimum seconds between arXiv API requests (arXiv's terms: one per 3 s)."
    )
    user_agent: str = Field(
        default="paperwire/0.1 (+https://github.com/paperwire/paperwire)",
        description="User-Agent sent to sources.",
    )
    ingest_batch_size: int = Field(default=500, description="Records written per database transaction.")

    # --- search (the search issue adds its settings here) --------------------------------------------------

    # --- trending (the trending issue adds its settings here) ----------------------------------------------

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'paperwire.db').as_posix()}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (used by the CLI and tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
