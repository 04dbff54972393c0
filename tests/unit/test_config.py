from __future__ import annotations

from pathlib import Path

import pytest

from paperwire.config import Settings

DOCS = Path(__file__).parents[2] / "docs" / "configuration.md"


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_has_help_and_is_documented(name: str) -> None:
    field = Settings.model_fields[name]
    assert field.description, f"{name} has no help text"
    assert f"`PAPERWIRE_{name.upper()}`" in DOCS.read_text(), f"{name} missing from docs/configuration.md"


def test_database_url_defaults_to_sqlite_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERWIRE_DATABASE_URL", raising=False)  # the PostgreSQL test run sets it
    settings = Settings(home=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.as_posix()}/paperwire.db"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PAPERWIRE_HOME", str(tmp_path))
    monkeypatch.setenv("PAPERWIRE_DATABASE_URL", "postgresql://u@h/db")
    settings = Settings()
    assert settings.home == tmp_path
    assert settings.resolved_database_url == "postgresql://u@h/db"
