"""The command starts at once (issue 16): `paperwire --help` imports no command module, each command only
what it needs, and the light commands (`papers count`, `subscribers list`, `ingest status`, `--version`, and a
`search` of a current index) not even typer, pydantic or SQLAlchemy (the light path, `cli/light.py`; its
output is compared with typer's in test_light_cli.py). Which modules a process imported is checked, not how
long it took (timings are in bench/cli.py and docs/benchmarks.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperwire.cli import COMMANDS, app, registered

HEAVY = [
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "numpy",
    "onnxruntime",
    "faiss",
    "tantivy",
    "tokenizers",
    "httpx",
]
LIBRARIES = ["typer", "click", "pydantic", "pydantic_settings", "pydantic_core", "sqlalchemy"]
# What the light path may load of paperwire (cli/light.py): nothing that imports those libraries.
LIGHT_PATH = {
    "paperwire.cli",
    "paperwire.cli.light",
    "paperwire.cli.output",
    "paperwire.core",
    "paperwire.core.home",
    "paperwire.db",
    "paperwire.db.lite",
    "paperwire.db.revisions",
    "paperwire.db.rows",
}
# ... and for a search: the search library, which reads the database through db.lite (search/reads.py).
SEARCH_PATH = {
    "paperwire.core.ids",
    "paperwire.core.text",
    "paperwire.search",
    *(f"paperwire.search.{name}" for name in ("authors", "calibration", "embedder", "filters", "fusion")),
    *(f"paperwire.search.{name}" for name in ("index", "lexical", "onnx_rewrite", "query", "reads", "results", "rows")),
    "paperwire.search.service",
    *(f"paperwire.search.{name}" for name in ("spaces", "static", "storage", "vectors")),
}
PROGRAM = """
import json, os, sys
from paperwire.cli import main
sys.argv = ["paperwire", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
with open(os.environ["MODULES_OUT"], "w") as out:
    json.dump(sorted(sys.modules), out)
"""


def imported_by(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh interpreter has imported after running ``paperwire ARGS`` (with no paperwire
    setting from the suite's environment: a PostgreSQL URL would take the full path)."""
    out = tmp_path / "modules.json"
    inherited = {k: v for k, v in os.environ.items() if not k.upper().startswith("PAPERWIRE_")}
    environment = {**inherited, **(env or {}), "MODULES_OUT": str(out)}
    subprocess.run([sys.executable, "-c", PROGRAM, *args], env=environment, capture_output=True, check=True)
    return set(json.loads(out.read_text()))


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def normalised(text: str | None) -> str:
    first_paragraph = (text or "").strip().split("\n\n")[0]
    return " ".join(first_paragraph.split())


@pytest.mark.parametrize("module", sorted({module for module, _ in COMMANDS.values()}))
def test_the_root_table_lists_every_command_a_module_registers(module: str) -> None:
    commands = registered(module)
    assert sorted(commands) == sorted(name for name, (owner, _) in COMMANDS.items() if owner == module)
    for name, command in commands.items():
        assert normalised(command.help) == normalised(COMMANDS[name][1]), f"help of `paperwire {name}` differs"


def test_help_lists_every_command_without_importing_any(tmp_path: Path) -> None:
    modules = imported_by(tmp_path, "--help")
    assert not {m for m in modules if m.startswith("paperwire.") and m not in {"paperwire.cli", "paperwire.cli.root"}}
    assert not top_level(modules) & {*HEAVY, "sqlalchemy", "pydantic"}
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name, (_module, text) in COMMANDS.items():
        assert f" {name} " in result.stdout
        assert text.split()[0] in result.stdout


def test_a_group_loads_its_commands_when_it_runs() -> None:
    result = CliRunner().invoke(app, ["ingest", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "oai" in result.stdout
    assert "status" in result.stdout
    typo = CliRunner().invoke(app, ["papres", "count"])
    assert typo.exit_code == 2
    assert "Did you mean 'papers'?" in typo.stderr


@pytest.fixture
def initialised(tmp_path: Path) -> dict[str, str]:
    env = {"PAPERWIRE_HOME": str(tmp_path / "home")}
    assert CliRunner().invoke(app, ["init"], env=env).exit_code == 0
    return env


@pytest.mark.parametrize(
    "command",
    [["papers", "count"], ["subscribers", "list"], ["subscribers", "list", "--json"], ["ingest", "status", "--json"]],
)
def test_light_commands_import_neither_typer_nor_pydantic_nor_sqlalchemy(
    tmp_path: Path, initialised: dict[str, str], command: list[str]
) -> None:
    modules = imported_by(tmp_path, *command, env=initialised)
    assert not top_level(modules) & {*HEAVY, *LIBRARIES}
    assert not {m for m in modules if m.startswith("paperwire.") and m not in LIGHT_PATH}
    assert "paperwire.db.lite" in modules  # (the probe ran the command)


def test_a_light_command_with_more_settings_builds_them_but_still_skips_typer_and_sqlalchemy(
    tmp_path: Path, initialised: dict[str, str]
) -> None:
    modules = imported_by(tmp_path, "papers", "count", env={**initialised, "PAPERWIRE_PORT": "8001"})
    assert "pydantic_settings" in modules
    assert not top_level(modules) & {*HEAVY, "typer", "click", "sqlalchemy"}


def test_other_commands_import_no_web_search_mail_or_migration_machinery(
    tmp_path: Path, initialised: dict[str, str]
) -> None:
    modules = imported_by(tmp_path, "papers", "show", "2401.00001", env=initialised)
    assert not top_level(modules) & set(HEAVY)
    assert not {m for m in modules if m.startswith(("paperwire.search", "paperwire.web", "paperwire.mail"))}
    assert {"paperwire.cli.common", "sqlalchemy"} <= modules  # (the probe ran the command)


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The bundled sample, loaded and indexed (every paper in the transformer's space)."""
    env = {"PAPERWIRE_HOME": str(tmp_path_factory.mktemp("sample") / "home")}
    assert CliRunner().invoke(app, ["init", "--sample"], env=env).exit_code == 0
    assert CliRunner().invoke(app, ["index"], env=env).exit_code == 0
    return env


@pytest.mark.parametrize(
    "command",
    [
        ["search", "graph neural networks"],
        ["search", "graph neural networks", "--json", "--limit", "3"],
        ["search", ""],
        ["search", "2607.99999"],
    ],
    ids=" ".join,
)
def test_a_cold_search_imports_neither_typer_nor_pydantic_nor_sqlalchemy(
    tmp_path: Path, sample_home: dict[str, str], command: list[str]
) -> None:
    modules = imported_by(tmp_path, *command, env={**sample_home, "PAPERWIRE_LOG_LEVEL": "WARNING"})
    assert not top_level(modules) & {*LIBRARIES, "alembic", "fastapi", "starlette", "uvicorn", "jinja2", "httpx"}
    assert not {m for m in modules if m.startswith("paperwire.") and m not in LIGHT_PATH | SEARCH_PATH}
    assert "paperwire.search.service" in modules  # (the probe ran the search)
    assert "rich.progress" not in modules  # nothing to index: no progress bar built


def test_version_imports_none_of_the_libraries(tmp_path: Path, initialised: dict[str, str]) -> None:
    modules = imported_by(tmp_path, "--version", env=initialised)
    assert not top_level(modules) & {*HEAVY, *LIBRARIES, "rich"}
    assert not {m for m in modules if m.startswith("paperwire.") and m not in LIGHT_PATH}


def test_search_imports_the_search_stack_but_not_the_web_or_alembic(
    tmp_path: Path, initialised: dict[str, str]
) -> None:
    modules = imported_by(tmp_path, "search", "graph neural networks", env=initialised)
    assert "paperwire.search.service" in modules
    assert "rich.progress" not in modules  # nothing to index: no progress bar built
    assert not top_level(modules) & {"alembic", "fastapi", "starlette", "uvicorn", "jinja2", "httpx"}
