"""The data folder rule (issue 16): the database does not follow the current folder, and only ``init`` and
``run`` create one. The rule is about SQLite files; these tests unset the PostgreSQL URL the suite may set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperwire.cli import app
from paperwire.config import Settings, default_home
from paperwire.db.engine import MissingDatabase, require_existing
from paperwire.web.app import create_app


def cli(env: dict[str, str | None], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "elsewhere" / "home"


@pytest.fixture
def env(home: Path) -> dict[str, str | None]:
    return {"PAPERWIRE_HOME": str(home), "PAPERWIRE_DATABASE_URL": None}


@pytest.mark.parametrize(
    "command",
    [
        ["papers", "count"],
        ["subscribers", "list"],
        ["ingest", "status"],
        ["ingest", "jsonl", "papers.jsonl"],
        ["search", "graph neural networks"],
        ["trending", "refresh"],
        ["serve", "--port", "1"],
    ],
)
def test_commands_refuse_to_create_a_database(env: dict[str, str | None], home: Path, command: list[str]) -> None:
    code, out, err = cli(env, *command)
    assert code == 1
    expected = f"No paperwire database at {home / 'paperwire.db'}: run `paperwire init`, or set PAPERWIRE_HOME"
    assert expected in " ".join(err.split())  # rich may wrap the line
    assert out == ""
    assert not home.exists()  # not the file, not the folder, not a lock file


def test_init_creates_it_and_then_the_commands_use_it(env: dict[str, str | None], home: Path) -> None:
    code, _, err = cli(env, "init")
    assert code == 0, err
    assert (home / "paperwire.db").is_file()
    assert cli(env, "papers", "count")[:2] == (0, "0\n")
    code, _, err = cli(env, "ingest", "status")
    assert code == 0
    assert f"database: {home / 'paperwire.db'}" in err


def test_version_names_the_database_and_says_when_it_is_missing(env: dict[str, str | None], home: Path) -> None:
    code, out, _ = cli(env, "--version")
    assert code == 0
    version, database = out.splitlines()
    assert version == "paperwire 0.1.0"
    assert database == f"database: {home / 'paperwire.db'} (not created yet: run `paperwire init`)"
    assert not home.exists()  # --version looks, it does not create
    cli(env, "init")
    assert cli(env, "--version")[1].splitlines()[1] == f"database: {home / 'paperwire.db'}"


def test_default_home_is_the_user_data_folder_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAPERWIRE_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # platformdirs' user data folder on Linux
    monkeypatch.chdir(tmp_path)
    if sys.platform.startswith("linux"):
        assert default_home() == tmp_path / "data" / "paperwire"
    assert Settings().home == default_home()
    monkeypatch.chdir("/")
    assert Settings().home == default_home()  # the same from any folder


def test_a_command_run_from_another_folder_creates_nothing_there(tmp_path: Path) -> None:
    folder = tmp_path / "some-project"
    folder.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in {"PAPERWIRE_HOME", "PAPERWIRE_DATABASE_URL"}}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "paperwire", "subscribers", "list"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "No paperwire database at" in result.stderr
    assert "0 subscriber" not in result.stderr + result.stdout  # the old silent answer
    assert list(folder.iterdir()) == []  # no var/ beside the user's files
    assert not (tmp_path / "data").exists()


def test_the_web_app_does_not_create_one_either(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "none", database_url=None)
    with pytest.raises(MissingDatabase, match="No paperwire database at"):
        create_app(settings)
    assert not (tmp_path / "none").exists()


def test_server_urls_are_not_files() -> None:
    require_existing("postgresql://postgres@127.0.0.1:5432/paperwire")  # the operator created it
    require_existing("sqlite://")  # in memory
    with pytest.raises(MissingDatabase):
        require_existing("sqlite:////nonexistent/folder/paperwire.db")
