"""The light path (issue 16): ``papers count``, ``subscribers list``, ``ingest status``, ``--version`` and
``search`` (on a current index) answered without typer, pydantic or SQLAlchemy print exactly what the typer
commands print, and everything else goes to typer.

Both paths run as the user runs them, in a new process: ``paperwire.cli.main`` (light first) against the
typer root alone (``paperwire.cli.root.app``), on the same SQLite home; stdout, stderr and the exit code must
be equal. What the light path imports is checked in ``test_startup.py``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from paperwire.cli import light
from paperwire.config import Settings
from paperwire.core.home import UNCHECKED_STRINGS, HomeSettings
from paperwire.db import embeddings, harvest, lite, papers
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database, sqlite_file
from paperwire.db.migrate import upgrade
from paperwire.ingest import service
from paperwire.search import SearchService
from paperwire.search.reads import SearchSettings

LIGHT = "from paperwire.cli import main; main()"
FULL = "from paperwire.cli.root import app; app()"
NOW = datetime(2026, 12, 2, 4, 30, 15, 123456)


def clean_environ(**extra: str) -> dict[str, str]:
    """The process environment without any paperwire setting the suite may set (a PostgreSQL URL)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PAPERWIRE_")}
    return {**env, **extra}


def run(program: str, args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-c", program, *args], env=env, capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with papers (one deleted), subscribers in every state, and harvests complete, running, failed."""
    root = tmp_path_factory.mktemp("light") / "home"
    settings = Settings(home=root, database_url=None)
    db = Database(settings.resolved_database_url)
    try:
        upgrade(db)
        service.load_sample(db, settings)
        with db.write() as conn:
            conn.exec_driver_sql("UPDATE papers SET deleted = 1 WHERE id IN (SELECT id FROM papers LIMIT 3)")
        prefs = subs.Preferences(topics=["graph neural networks", "ünïcode"], categories=["cs.LG", "cs.CL"])
        subs.add(db, "a@example.org", prefs, confirmed=True, now=NOW)
        subs.add(db, "b@example.org", subs.Preferences(frequency="weekly", hour=18), confirmed=False, now=NOW)
        paused, _ = subs.add(db, "c@example.org", prefs, confirmed=True, now=NOW)
        subs.update_preferences(db, paused.id, prefs, paused=True)
        subs.add(db, "d@example.org", prefs, confirmed=True, now=NOW)
        subs.suppress(db, "d@example.org", "hard bounce [550 user unknown]", now=NOW)
        with db.write() as conn:
            harvest.start(conn, "oai:cs", now=NOW)
            harvest.page_done(
                conn, "oai:cs", resume={"token": "abc|1", "n": 2}, records=1234, last_datestamp="2026-12-01", now=NOW
            )
            harvest.start(conn, "rss:cs.LG", now=NOW)
            harvest.page_done(conn, "rss:cs.LG", resume=None, records=7, last_datestamp=None, now=NOW)
            harvest.start(conn, "hf-daily", now=NOW)
        harvest.fail(db, "hf-daily", "a long error message " * 8 + "[bold]not markup[/bold] [x]", now=NOW)
    finally:
        db.dispose()
    return root


LIGHT_COMMANDS = [
    ["papers", "count"],
    ["subscribers", "list"],
    ["subscribers", "list", "--json"],
    ["subscribers", "list", "--status", "confirmed"],
    ["subscribers", "list", "--status=pending", "--json"],
    ["subscribers", "list", "--json", "--status", "nobody", "--status", "confirmed"],
    ["subscribers", "list", "--status="],
    ["ingest", "status"],
    ["ingest", "status", "--json"],
]


@pytest.mark.parametrize("args", LIGHT_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("columns", ["80", "40"])
def test_a_light_command_prints_what_the_typer_command_prints(home: Path, args: list[str], columns: str) -> None:
    env = clean_environ(PAPERWIRE_HOME=str(home), COLUMNS=columns)
    light_result = run(LIGHT, args, env)
    assert light_result == run(FULL, args, env)
    assert light_result[0] == 0
    assert light_result[1] or light_result[2]  # (it printed something)


def test_the_light_path_answers_them_itself(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = os.environ.copy()
    try:
        os.environ.clear()
        os.environ.update(clean_environ(PAPERWIRE_HOME=str(home)))
        assert light.run(["papers", "count"]) == 0
        db = Database(f"sqlite:///{home / 'paperwire.db'}")
        try:
            assert capsys.readouterr().out == f"{papers.count_papers(db)}\n"
            assert lite_rows_equal(db, home)
        finally:
            db.dispose()
    finally:
        os.environ.clear()
        os.environ.update(old)


def lite_rows_equal(db: Database, home: Path) -> bool:
    with lite.open_current(home / "paperwire.db") as conn:
        assert conn is not None
        return (
            lite.all_subscribers(conn) == subs.all_subscribers(db)
            and lite.all_subscribers(conn, status="pending") == subs.all_subscribers(db, status="pending")
            and lite.all_states(conn) == harvest.all_states(db)
        )


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["papers", "count", "--help"], {}),
        (["papers", "count", "extra"], {}),
        (["subscribers", "list", "--status"], {}),
        (["subscribers", "list", "--json=1"], {}),
        (["subscribers", "list", "--jsn"], {}),
        (["ingest", "status", "--status", "x"], {}),
        (["papers", "count"], {"PAPERWIRE_HARVEST_SOURCES": "nonsense"}),  # full settings: the same refusal
        (["ingest", "status"], {"PAPERWIRE_PORT": "8001"}),  # full settings, still the light path
        (["ingest", "status"], {"PAPERWIRE_LOG_LEVEL": "DEBUG"}),  # a plain string: HomeSettings
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else ",".join(value),
)
def test_anything_else_gets_what_typer_says(home: Path, args: list[str], extra: dict[str, str]) -> None:
    env = clean_environ(PAPERWIRE_HOME=str(home), **extra)
    assert run(LIGHT, args, env) == run(FULL, args, env)


def test_settings_that_fail_validation_fail_as_before(home: Path) -> None:
    env = clean_environ(PAPERWIRE_HOME=str(home), PAPERWIRE_PORT="not a port")
    light_code, light_out, light_err = run(LIGHT, ["papers", "count"], env)
    full_code, full_out, full_err = run(FULL, ["papers", "count"], env)
    assert (light_code, light_out) == (full_code, full_out) == (1, "")
    assert light_err.splitlines()[-3:] == full_err.splitlines()[-3:]
    assert "validation error" in light_err


@pytest.mark.parametrize("args", [["papers", "count"], ["subscribers", "list", "--json"], ["ingest", "status"]])
def test_a_missing_database_is_refused_the_same_way(tmp_path: Path, args: list[str]) -> None:
    env = clean_environ(PAPERWIRE_HOME=str(tmp_path / "nowhere"), COLUMNS="60")
    result = run(LIGHT, args, env)
    assert result == run(FULL, args, env)
    assert result[0] == 1
    assert "No paperwire database at" in result[2]
    assert not (tmp_path / "nowhere").exists()


def test_a_database_behind_the_newest_schema_goes_to_the_full_path(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'paperwire.db'}")
    try:
        upgrade(db)
        with lite.open_current(tmp_path / "paperwire.db") as conn:
            assert conn is not None
        with db.write() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
        with lite.open_current(tmp_path / "paperwire.db") as conn:
            assert conn is None  # the typer command migrates it first
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "environ",
    [
        {"PAPERWIRE_HOME": "/srv/paperwire"},
        {"paperwire_home": "relative/home"},
        {"PAPERWIRE_HOME": "/srv/pw", "PAPERWIRE_DATABASE_URL": "postgresql://u@db/pw"},
        {"Paperwire_Database_Url": "sqlite:////tmp/x.db"},
        {},
    ],
)
def test_home_settings_read_the_environment_as_settings_do(
    environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in list(os.environ):
        if key.upper().startswith("PAPERWIRE_"):
            monkeypatch.delenv(key)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    light_settings = HomeSettings.from_environ(os.environ)
    assert light_settings is not None
    full = Settings()
    assert (light_settings.home, light_settings.database_url) == (full.home, full.database_url)
    assert light_settings.resolved_database_url == full.resolved_database_url
    assert {"home", "database_url"} <= set(Settings.model_fields)


@pytest.mark.parametrize(
    "environ",
    [{"PAPERWIRE_HOME": ""}, {"PAPERWIRE_PORT": "8001"}, {"PAPERWIRE_HOME": "/a", "paperwire_home": "/b"}],
)
def test_anything_more_needs_the_full_settings(environ: dict[str, str]) -> None:
    assert HomeSettings.from_environ(environ) is None


@pytest.mark.parametrize(
    ("url", "handled"),
    [
        ("sqlite:////srv/paperwire/paperwire.db", True),
        ("sqlite:///var/paperwire.db", True),
        ("sqlite:////tmp/with space/paperwire.db", True),
        ("sqlite:////tmp/x.db?mode=ro", False),
        ("sqlite:////tmp/100%25.db", False),
        ("sqlite://", False),
        ("sqlite:///:memory:", False),
        ("sqlite+pysqlite:////tmp/x.db", False),
        ("postgresql://u@h/db", False),
    ],
)
def test_the_plain_sqlite_file_is_the_one_sqlalchemy_reads(url: str, handled: bool) -> None:
    plain = lite.plain_sqlite_file(url)
    assert (plain is not None) == handled
    if plain is not None:
        assert plain == sqlite_file(url)


# --- search and --version (the light path reads through db.lite.SearchReads: search/reads.py) -----------

LIGHT_ONLY = """import sys
from paperwire.cli import light
code = light.run(sys.argv[1:])
sys.exit(99 if code is None else code)  # 99: declined, the typer root would answer
"""
DECLINED = 99
TOOK = re.compile(r"ranked in \d+ ms")
PASTED = (
    "We study message passing neural networks on molecular graphs and show that a simple readout over "
    "learned atom embeddings, trained with a contrastive objective on unlabeled conformers, matches "
    "specialised architectures on property prediction while using a fraction of the parameters. "
) * 4


def without_timing(result: tuple[int, str, str]) -> tuple[int, str, str]:
    """The result with the one part that differs run to run (the search's own time) left out."""
    code, out, err = result
    return code, out, TOOK.sub("ranked in N ms", err)


@pytest.fixture(scope="module")
def indexed_home(home: Path) -> Path:
    """``home`` with its search index caught up (every paper in the transformer's space)."""
    settings = Settings(home=home, database_url=None)
    db = Database(settings.resolved_database_url)
    try:
        SearchService(settings, db).catch_up()
    finally:
        db.dispose()
    return home


@pytest.fixture(scope="module")
def first_pass_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample indexed with some papers in the first-pass space only (their stored vectors removed)."""
    root = tmp_path_factory.mktemp("first-pass") / "home"
    settings = Settings(home=root, database_url=None)
    db = Database(settings.resolved_database_url)
    try:
        upgrade(db)
        service.load_sample(db, settings)
        with db.write() as conn:
            conn.exec_driver_sql(
                "DELETE FROM paper_embeddings WHERE paper_id IN (SELECT id FROM papers ORDER BY id LIMIT 200)"
            )
        SearchService(settings, db).catch_up(upgrade=0)
    finally:
        db.dispose()
    return root


SEARCHES = [
    ["search", "graph neural networks"],
    ["search", "graph neural networks", "--json"],
    ["search", "--limit", "3", "diffusion", "--sort", "date", "-c", "cs.LG", "--category=cs.*"],
    ["search", "language models", "--since", "2026-06-29", "--until=2026-07-01", "--no-code", "-n", "5"],
    ["search", "reinforcement learning", "--has-code", "--json", "--limit=4", "--since", ""],
    ["search", "ti:diffusion -video", "--json", "--json"],
    ["search", '"large language" au:zhang'],
    ["search", "2607.99999"],  # an arXiv id this library does not hold
    ["search", "2607.99999", "--json"],
    ["search", PASTED],  # a pasted abstract: "papers like this text"
    ["search", "zzqx"],  # nothing matches
    ["search", ""],  # an empty query: the one-line error
    ["search", "x", "-c", "not a category!"],
    ["search", "x", "--since", "2026-07-01", "--until", "2026-06-01"],
]


@pytest.mark.parametrize("args", SEARCHES, ids=lambda args: " ".join(args)[:60])
def test_a_light_search_prints_what_the_typer_search_prints(indexed_home: Path, args: list[str]) -> None:
    env = clean_environ(PAPERWIRE_HOME=str(indexed_home), PAPERWIRE_LOG_LEVEL="WARNING", COLUMNS="80")
    light_result = without_timing(run(LIGHT_ONLY, args, env))
    assert light_result[0] != DECLINED
    assert light_result == without_timing(run(FULL, args, env))
    assert light_result[1] or light_result[2]


def test_a_light_search_keeps_the_json_shape(indexed_home: Path) -> None:
    env = clean_environ(PAPERWIRE_HOME=str(indexed_home))
    code, out, _err = run(LIGHT_ONLY, ["search", "graph neural networks", "--json", "-n", "3"], env)
    assert code == 0
    hits = json.loads(out)
    assert isinstance(hits, list)
    assert len(hits) == 3
    for hit in hits:
        assert {"id", "title", "score", "match", "matched", "why", "authors", "announced_on"} <= set(hit)
        assert "snippet_html" not in hit


@pytest.mark.parametrize("args", [["search", "graph neural networks"], ["search", "diffusion", "--json"]])
@pytest.mark.parametrize("columns", ["80", "40"])
def test_a_light_search_of_papers_in_the_first_pass_space_prints_the_same(
    first_pass_home: Path, args: list[str], columns: str
) -> None:
    env = clean_environ(PAPERWIRE_HOME=str(first_pass_home), COLUMNS=columns)
    light_result = without_timing(run(LIGHT_ONLY, args, env))
    assert light_result[0] == 0
    assert light_result == without_timing(run(FULL, args, env))
    assert "Meaning-based search covers" in light_result[2] or args[-1] == "--json"


@pytest.mark.parametrize(
    "args",
    [
        ["search"],
        ["search", "a", "b"],
        ["search", "--help"],
        ["search", "x", "--limit", "0"],
        ["search", "x", "-n5"],
        ["search", "x", "--limit", "1001"],
        ["search", "x", "--sort", "trending"],
        ["search", "x", "--since", "June"],
        ["search", "x", "--json=1"],
        ["search", "x", "--category"],
        ["search", "--", "-x"],
        ["search", "x", "--frobnicate"],
    ],
    ids=" ".join,
)
def test_a_search_the_light_path_does_not_take_gets_what_typer_says(indexed_home: Path, args: list[str]) -> None:
    env = clean_environ(PAPERWIRE_HOME=str(indexed_home))
    assert run(LIGHT_ONLY, args, env) == (DECLINED, "", "")
    assert without_timing(run(LIGHT, args, env)) == without_timing(run(FULL, args, env))


def test_a_search_with_the_index_behind_goes_to_typer_which_catches_up(tmp_path: Path) -> None:
    root = tmp_path / "home"
    settings = Settings(home=root, database_url=None)
    db = Database(settings.resolved_database_url)
    try:
        upgrade(db)
        service.load_sample(db, settings)  # never indexed
    finally:
        db.dispose()
    env = clean_environ(PAPERWIRE_HOME=str(root))
    assert run(LIGHT_ONLY, ["search", "graph neural networks"], env) == (DECLINED, "", "")
    code, out, err = run(LIGHT, ["search", "graph neural networks"], env)
    assert code == 0
    assert "index:" in err  # the typer command's catch-up report, then the hits
    assert out
    assert run(LIGHT_ONLY, ["search", "graph neural networks", "--json"], env)[0] == 0  # now current


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["search", "graph neural networks"], {"PAPERWIRE_SEARCH_DEPTH": "30"}),  # full settings, light path
        (["search", "graph neural networks"], {"PAPERWIRE_SEARCH_DEPTH": "deep"}),  # fails validation: typer
        (["search", "graph neural networks"], {"PAPERWIRE_BASE_URL": "http://x", "PAPERWIRE_SECRET_KEY": "s"}),
        (["--version"], {}),
        (["--version"], {"PAPERWIRE_PORT": "8001"}),
        (["--version"], {"PAPERWIRE_PORT": "not a port"}),
    ],
    ids=lambda value: " ".join(value)[:40] if isinstance(value, list) else ",".join(value),
)
def test_search_and_version_with_other_settings(indexed_home: Path, args: list[str], extra: dict[str, str]) -> None:
    env = clean_environ(PAPERWIRE_HOME=str(indexed_home), **extra)
    light_code, light_out, light_err = without_timing(run(LIGHT, args, env))
    full_code, full_out, full_err = without_timing(run(FULL, args, env))
    valid = "deep" not in extra.values() and "not a port" not in extra.values()
    assert (light_code, light_out) == (full_code, full_out)
    if valid:
        assert light_err == full_err
    else:  # the same validation error (the traceback passes through cli.main first)
        assert light_err.splitlines()[-3:] == full_err.splitlines()[-3:]
    assert (run(LIGHT_ONLY, args, env)[0] != DECLINED) == valid


@pytest.mark.parametrize("args", [["--version"], ["search", "graph"], ["search", "graph", "--json"]])
def test_version_and_search_of_a_missing_database(tmp_path: Path, args: list[str]) -> None:
    env = clean_environ(PAPERWIRE_HOME=str(tmp_path / "nowhere"), COLUMNS="60")
    light_result = run(LIGHT_ONLY, args, env)
    assert light_result == run(FULL, args, env)
    assert light_result[0] == (0 if args == ["--version"] else 1)
    assert not (tmp_path / "nowhere").exists()


def test_version_of_postgresql_goes_to_typer(home: Path) -> None:
    env = clean_environ(PAPERWIRE_HOME=str(home), PAPERWIRE_DATABASE_URL="postgresql://u:secret@db.example/pw")
    assert run(LIGHT_ONLY, ["--version"], env) == (DECLINED, "", "")
    code, out, _err = run(LIGHT, ["--version"], env)
    assert code == 0
    assert "db.example" in out
    assert "secret" not in out


def test_the_light_reader_returns_what_sqlalchemy_returns(indexed_home: Path) -> None:
    db = Database(f"sqlite:///{indexed_home / 'paperwire.db'}")
    try:
        with db.read() as conn:
            ids = [row[0] for row in conn.exec_driver_sql("SELECT id FROM papers ORDER BY id DESC LIMIT 950")]
        with lite.open_current(indexed_home / "paperwire.db") as light_conn:
            assert light_conn is not None
            reads = lite.SearchReads(light_conn)
            full = embeddings.SqlPaperStore(db)
            assert reads.max_seq() == full.max_seq() > 0
            assert reads.count_changed_since(5) == full.count_changed_since(5) > 0
            shown = reads.live_papers_by_id([*ids, "no-such-paper"])
            assert shown == full.live_papers_by_id([*ids, "no-such-paper"])
            assert len(shown) == len(ids) - 3  # the deleted ones left out
    finally:
        db.dispose()


def test_home_settings_give_search_the_defaults_settings_give(tmp_path: Path) -> None:
    light_settings, full = HomeSettings(home=tmp_path), Settings(home=tmp_path)
    names = [name for name in HomeSettings.__dataclass_fields__ if name.startswith("search_")]
    assert {name for name in dir(SearchSettings) if not name.startswith("_")} == {"home", *names}
    assert {name: getattr(light_settings, name) for name in names} == {name: getattr(full, name) for name in names}


@pytest.mark.parametrize("name", sorted(UNCHECKED_STRINGS))
def test_unchecked_settings_are_plain_strings_no_light_command_reads(name: str) -> None:
    field = Settings.model_fields[name]
    assert field.annotation is str
    assert not field.metadata
    assert name not in HomeSettings.__dataclass_fields__
    assert HomeSettings.from_environ({f"PAPERWIRE_{name.upper()}": "anything at all"}) is not None
