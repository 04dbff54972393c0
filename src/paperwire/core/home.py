"""Where paperwire keeps its data: the default home, the database URL it implies, and the two settings a
light command needs (``papers count``, ``subscribers list``, ``ingest status``), read without pydantic.

Building ``paperwire.config.Settings`` imports pydantic and pydantic-settings, about a quarter of a second
before a light command has done anything (issue 16: the CLI must start at once). ``HomeSettings`` is the typed
subset those commands use; ``from_environ`` gives it only when the environment sets nothing else of
paperwire's (any other ``PAPERWIRE_`` variable must be validated as ``Settings`` validates it, so the caller
builds the full settings then), and reads the two names the way pydantic-settings reads them (prefix
``PAPERWIRE_``, names in any case). ``tests/cli/test_light_cli.py`` checks that both agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "PAPERWIRE_"


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
    """``Settings.home`` and ``Settings.database_url``, nothing else."""

    home: Path
    database_url: str | None = None

    @property
    def resolved_database_url(self) -> str:
        return database_url_for(self.home, self.database_url)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> HomeSettings | None:
        """The two settings from ``environ``; None when it sets any other paperwire setting, or one of these
        twice (in two cases) or empty: then only the full ``Settings`` can say what it means."""
        found: dict[str, str] = {}
        for key, value in environ.items():
            if not key.upper().startswith(ENV_PREFIX):
                continue
            name = key[len(ENV_PREFIX) :].lower()
            if name not in {"home", "database_url"} or name in found or not value:
                return None
            found[name] = value
        home = Path(found["home"]) if "home" in found else default_home()
        return cls(home=home, database_url=found.get("database_url"))
