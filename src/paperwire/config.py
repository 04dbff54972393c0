"""Typed settings: every knob paperwire has, each with a default and help text.

Settings are read once (from the environment, prefix ``PAPERWIRE_``) and passed into whatever needs them;
nothing reads the environment behind the caller's back, so tests can build their own ``Settings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from paperwire.core import signals
from paperwire.core.home import database_url_for
from paperwire.core.home import default_home as default_home  # where it was: tests and callers import it here


def _weight_settings() -> dict[str, Any]:
    return {
        kind.weight_setting: (
            float,
            Field(default=kind.default_weight, description=f"Trending weight of {kind.weighs} (per ln(1+count))."),
        )
        for kind in signals.KINDS
    }


if TYPE_CHECKING:
    _SignalWeights = BaseSettings
else:
    # One weight setting per signal kind, made from the table: a new kind brings its setting with it.
    _SignalWeights = create_model("_SignalWeights", __base__=BaseSettings, **_weight_settings())


class Settings(_SignalWeights):
    model_config = SettingsConfigDict(env_prefix="PAPERWIRE_", extra="ignore")

    home: Path = Field(
        default_factory=default_home,
        description="Directory for the SQLite database and derived indexes (search, caches); default the "
        "user's data folder (~/.local/share/paperwire on Linux), whatever the current folder. `make run` "
        "uses ./var.",
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
    arxiv_api_url: str = Field(default="https://export.arxiv.org/api/query", description="arXiv API endpoint.")
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
    harvest_backfill_days: int = Field(
        default=7,
        ge=0,
        description="A first OAI-PMH harvest (no checkpoint yet, no --from) starts this many days before "
        "today, not at the beginning of arXiv; `paperwire ingest oai --from` goes further back.",
    )

    # --- web --------------------------------------------------------------------------------------------
    secret_key: str = Field(
        default="dev-insecure-secret-change-me",
        description="Signs sessions, CSRF tokens and every link in mail. Set a long random value in "
        "production (all web nodes and workers must share it).",
    )
    production: bool = Field(default=False, description="Production mode: refuse to start with the default secret key.")
    session_days: int = Field(default=30, description="How long a sign-in lasts (days).")
    magic_link_minutes: int = Field(default=15, description="How long a sign-in link stays valid (minutes).")
    signin_rate_limit: int = Field(
        default=5, description="Sign-in requests allowed per address and per client IP in 10 minutes."
    )
    vote_rate_limit: int = Field(default=60, description="Votes and saves allowed per user per minute.")
    ready_max_index_lag: int = Field(
        default=1000, description="/readyz reports not ready while the search index is more changes behind."
    )
    log_json: bool = Field(default=False, description="Log one JSON object per line (for log collectors).")
    log_level: str = Field(default="INFO", description="Logging level: DEBUG, INFO, WARNING or ERROR.")
    index_catch_up_seconds: float = Field(
        default=30.0,
        description="How often a web node catches its search index and trending up with the database.",
    )

    # --- mail -------------------------------------------------------------------------------------------
    mail_url: str = Field(
        default="dev://",
        description="Mail transport: smtp://user:pass@host:port (?starttls=1 or smtps://), file:///dir "
        "(writes .eml files), or dev:// (stored and shown at /_mail; for trying paperwire out).",
    )
    mail_from: str = Field(default="paperwire <paperwire@localhost>", description="From address of all mail.")
    mail_max_attempts: int = Field(
        default=6, description="Delivery attempts for a message before it is marked failed (SMTP 4xx retries)."
    )
    mail_retry_seconds: float = Field(
        default=60.0, description="First retry delay after a temporary failure; doubles each time, with jitter."
    )
    mail_rate: float = Field(default=0.0, description="Messages per second per sender process; 0 = no limit.")
    mail_connections: int = Field(
        default=2, description="SMTP connections a sender process keeps open and sends over in parallel."
    )
    mail_messages_per_connection: int = Field(
        default=100, description="Messages sent over one SMTP connection before it is renewed (0 = no limit)."
    )
    outbox_lease_seconds: float = Field(
        default=30.0,
        description="How long a sender holds a claimed outbox row; a sender that dies loses its rows after this.",
    )
    hard_bounce_limit: int = Field(default=3, description="Hard bounces after which an address is suppressed.")
    confirmation_mails_per_day: int = Field(
        default=3, description="Confirmation mails one address can be sent per day (no mail-bombing via the form)."
    )
    click_tracking: bool = Field(
        default=True, description="Digest links go through a signed redirect that records the click signal."
    )
    empty_digest: str = Field(
        default="skip",
        description="When nothing new qualifies for a subscriber: skip (no mail) or note (a short note).",
    )
    dkim_key_file: Path | None = Field(default=None, description="PEM private key to DKIM-sign mail (optional).")
    dkim_selector: str = Field(default="paperwire", description="DKIM selector (the DNS record name part).")
    webhook_token: str | None = Field(
        default=None, description="Shared secret for the bounce/complaint webhook (POST /hooks/bounce); unset = off."
    )

    # --- scheduler --------------------------------------------------------------------------------------
    harvest_sources: str = Field(
        default="",
        description="What the scheduler harvests daily, comma-separated: registered live sources and their "
        "argument, e.g. oai:cs, rss:cs.LG+cs.CL, hf-daily (all: docs/operations.md). Empty = no live harvest "
        "(offline installs).",
    )
    signal_collectors: str = Field(
        default="",
        description="Signal collectors the scheduler runs daily after the harvest hour, comma-separated: github "
        "(GitHub stars of papers' code). Empty = none (offline installs).",
    )
    harvest_hour: int = Field(
        default=2, description="UTC hour after which the daily harvest runs (arXiv lists ~00:00)."
    )
    scheduler_tick_seconds: float = Field(default=60.0, description="How often the scheduler looks for due work.")

    # --- search -----------------------------------------------------------------------------------------
    search_embedder: str = Field(
        default="minilm-l6-int8",
        description="Embedding model for semantic search (minilm-l6-int8: all-MiniLM-L6-v2, int8 ONNX). "
        "Changing it re-embeds every paper on the next `paperwire index`.",
    )
    search_max_tokens: int = Field(
        default=256,
        description="Tokens of title + abstract embedded per paper (longer text is truncated).",
    )
    search_embed_batch_size: int = Field(default=8, description="Texts per ONNX inference call.")
    search_hnsw_threshold: int = Field(
        default=50_000,
        description="Indexed papers above which the vector index switches from exact search to HNSW.",
    )
    search_hnsw_ef_search: int = Field(
        default=128, description="HNSW search breadth: higher finds more true neighbours, slower."
    )
    search_rrf_k: int = Field(
        default=20, description="Reciprocal rank fusion constant k (score = sum of weight / (k + rank))."
    )
    search_semantic_weight: float = Field(
        default=2.0, description="Weight of the semantic list in fusion (against the title and abstract keyword lists)."
    )
    search_depth: int = Field(
        default=100, description="Hits taken from each of the keyword and semantic lists before fusion."
    )
    search_title_weight: float = Field(
        default=0.5, description="Weight in fusion of the keyword list over titles alone (field-aware fusion)."
    )
    search_abstract_weight: float = Field(
        default=1.0, description="Weight in fusion of the keyword list over abstracts alone (field-aware fusion)."
    )
    search_first_pass_weight: float = Field(
        default=0.75,
        description="Weight in fusion of the first-pass (static model) list, which ranks papers the transformer "
        "has not embedded yet (the keyword list weighs 1; chosen on CISI and Cranfield, docs/benchmarks.md).",
    )

    # --- trending ---------------------------------------------------------------------------------------
    trending_half_life_day: float = Field(
        default=12.0, description="Half-life (hours) of a signal in the day window of trending."
    )
    trending_half_life_week: float = Field(
        default=72.0, description="Half-life (hours) of a signal in the week window of trending."
    )
    trending_half_life_month: float = Field(
        default=240.0, description="Half-life (hours) of a signal in the month window of trending."
    )
    # trending_weight_<kind>: one per signal kind, made from paperwire.core.signals (see _SignalWeights)
    trending_prior_weight: float = Field(
        default=1.0,
        description="Recency prior: points a paper gets on its announcement day, decaying with the window's "
        "half-life (a fresh install shows the newest papers first).",
    )
    trending_credibility: float = Field(
        default=3.0,
        description="Pseudo-events of prior belief: signal points are scaled by n/(n+this), n = events seen, "
        "so a paper with one or two events cannot jump to the top.",
    )
    trending_actor_cap_share: float = Field(
        default=0.2,
        description="Largest share of a paper's in-app signal (votes, saves, views, clicks) one user or "
        "visitor may contribute (never less than one event of the heaviest kind they gave: an upvoter "
        "one upvote's worth, a visitor who only looked one view's).",
    )
    hf_complete_categories: bool = Field(
        default=True,
        description="After fetching a Hugging Face day, ask the arXiv API for the categories of its papers "
        "(Hugging Face has none); `paperwire papers complete-categories` backfills older ones.",
    )
    trending_refresh_seconds: float = Field(
        default=15.0,
        gt=0,
        description="How often the scheduler refreshes trending: a vote, save, view or click shows in the "
        "scores within this (plus the pages' 10-second cache). A refresh with nothing changed is skipped.",
    )
    trending_keep: int = Field(
        default=5000,
        description="Papers kept on each window's trending list (its depth; search's sort-by-trending sees "
        "these, any other paper scores 0).",
    )
    github_api_url: str = Field(default="https://api.github.com", description="GitHub REST API base URL.")
    github_token: SecretStr | None = Field(
        default=None,
        description="GitHub token for `paperwire signals github` (optional; raises the rate limit from 60 "
        "to 5,000 requests an hour).",
    )
    github_recent_days: int = Field(
        default=14,
        description="`signals github` checks the code repositories of papers announced in the last N days.",
    )
    github_trending_top: int = Field(
        default=200, description="`signals github` also checks the code of the week's top N trending papers."
    )
    github_max_repos: int = Field(
        default=500, description="Most GitHub repositories `signals github` asks about per run."
    )

    @property
    def resolved_database_url(self) -> str:
        return database_url_for(self.home, self.database_url)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (used by the CLI and tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]


DEFAULT_SECRET = Settings.model_fields["secret_key"].default


class ConfigurationError(RuntimeError):
    """The settings are unsafe or inconsistent; the message says which one to change."""


def check_settings(settings: Settings) -> None:
    """Refuse what must not run in production (checked before serving, so no worker starts)."""
    if settings.production and (settings.secret_key == DEFAULT_SECRET or len(settings.secret_key) < 32):
        raise ConfigurationError(
            "PAPERWIRE_PRODUCTION is on but PAPERWIRE_SECRET_KEY is the default or shorter than 32 "
            "characters; set it to a long random value (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
