"""Where paperwire keeps its data: the default home, the database URL it implies, and the settings a light
command needs (``papers count``, ``subscribers list``, ``ingest status``, ``search``), read without pydantic.

Building ``paperwire.config.Settings`` imports pydantic and pydantic-settings, about a quarter of a second
before a light command has done anything (issue 16: the CLI must start at once). ``HomeSettings`` is the typed
subset those commands use: the home and the database URL from the environment, search's settings at their
defaults. ``from_environ`` gives it only when the environment sets nothing else of paperwire's but
``UNCHECKED_STRINGS`` (any other ``PAPERWIRE_`` variable must be validated as ``Settings`` validates it, so
the caller builds the full settings then), and reads the two names the way pydantic-settings reads them
(prefix ``PAPERWIRE_``, names in any case). ``tests/cli/test_light_cli.py`` checks that both agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "PAPERWIRE_"
# Settings that are plain strings (``str`` in ``Settings``, no constraint, no check when settings are loaded)
# and that no light command reads: any value is valid, so setting one (``PAPERWIRE_LOG_LEVEL`` in a shell
# profile, ``PAPERWIRE_BASE_URL`` as the README suggests) need not cost a light command the full settings.
# ``tests/cli/test_light_cli.py`` checks each against ``Settings``.
UNCHECKED_STRINGS = frozenset(
    {
        "base_url",
        "host",
        "oai_url",
        "arxiv_api_url",
        "rss_url",
        "hf_daily_url",
        "user_agent",
        "secret_key",
        "log_level",
        "mail_url",
        "mail_from",
        "dkim_selector",
        "empty_digest",
        "github_api_url",
    }
)


def default_home() -> Path:
    """The user's data folder (platformdirs), so the database does not follow the current folder."""
    from platformdirs import user_data_dir  # ~10 ms: only when PAPERWIRE_HOME is not set

    return Path(user_data_dir("paperwire", appauthor=False))


def database_url_for(home: Path, database_url: str | None) -> str:
    """The configured URL, else the SQLite file in the home."""
    if database_url:
        return database_url
    return f"sqlite:///{(home / 'paperwire.db').as_posix()}"


@dataclass(frozen=True, slots=True)
class HomeSettings:
    """``Settings.home`` and ``Settings.database_url``, and search's settings (``search.reads.SearchSettings``)
    at the defaults ``Settings`` gives them (a test holds them equal)."""

    home: Path
    database_url: str | None = None
    search_embedder: str = "minilm-l6-int8"
    search_max_tokens: int = 256
    search_embed_batch_size: int = 8
    search_hnsw_threshold: int = 50_000
    search_hnsw_ef_search: int = 128
    search_rrf_k: int = 20
    search_semantic_weight: float = 2.0
    search_depth: int = 100
    search_title_weight: float = 0.5
    search_abstract_weight: float = 1.0
    search_first_pass_weight: float = 0.75

    @property
    def resolved_database_url(self) -> str:
        return database_url_for(self.home, self.database_url)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> HomeSettings | None:
        """The two settings from ``environ``; None when it sets any other paperwire setting (but
        ``UNCHECKED_STRINGS``), or one of these twice (in two cases) or empty: then only the full ``Settings``
        can say what it means."""
        found: dict[str, str] = {}
        for key, value in environ.items():
            if not key.upper().startswith(ENV_PREFIX):
                continue
            name = key[len(ENV_PREFIX) :].lower()
            if name in UNCHECKED_STRINGS:
                continue
            if name not in {"home", "database_url"} or name in found or not value:
                return None
            found[name] = value
        home = Path(found["home"]) if "home" in found else default_home()
        return cls(home=home, database_url=found.get("database_url"))
