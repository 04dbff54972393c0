"""CLI start-up: wall and CPU time of `paperwire --help`, light commands and a cold `paperwire search`, for
this checkout and a baseline (the code the CLI work started from), measured in the same run.

Usage:
  .venv/bin/python bench/cli.py                       # baseline: the start commit, exported once (below)
  .venv/bin/python bench/cli.py --repeat 9 --base-src /tmp/cli-base/src --base-python .venv/bin/python

The baseline is the source tree of the commit the work started from, run by another venv with the same
dependencies, or the same one (`git archive <start> | tar -x -C /tmp/cli-base`; PYTHONPATH puts its `src` first;
the light path's start was bcf2e96, the first CLI work's 29c280d). Each
command runs ``--repeat`` times, every time in a new process (so "cold" means a new interpreter: nothing
imported, nothing loaded; the operating system's file cache is warm after the first run, as it is for a
user typing commands; both source trees are byte-compiled first, as an installed package is). Both versions
get their own home with the bundled sample loaded and indexed
(prepared once and kept under ``--cache``). Reported: median and best wall time, median CPU time (user +
system of the child), and base/now ratios; plus which heavy packages each command imports now.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
QUIET = {"PAPERWIRE_LOG_LEVEL": "WARNING"}
# label -> (arguments, paperwire settings beyond PAPERWIRE_HOME). The light commands run with PAPERWIRE_HOME
# alone, as a user runs them; "+1 setting" shows the same command when the environment sets another paperwire
# setting that must be validated (then the full pydantic Settings are built and checked: cli/light.py; a plain
# string such as PAPERWIRE_LOG_LEVEL, core.home.UNCHECKED_STRINGS, is not, and no longer counts).
COMMANDS: dict[str, tuple[list[str], dict[str, str]]] = {
    "--help": (["--help"], {}),
    "papers count": (["papers", "count"], {}),
    "subscribers list": (["subscribers", "list"], {}),
    "ingest status": (["ingest", "status"], {}),
    "papers count +1 setting": (["papers", "count"], {"PAPERWIRE_PORT": "8001"}),
    "--version": (["--version"], {}),
    "search (cold)": (["search", "graph neural networks for molecules", "--limit", "10"], QUIET),
    "search --json (cold)": (["search", "graph neural networks for molecules", "--json"], QUIET),
}
# What no command can go below: the interpreter; what the light path imports (the standard library's sqlite3,
# rich for stderr, platformdirs for the default home); the libraries every other database command needs
# (typer, which itself imports pydantic; pydantic-settings for the typed settings; SQLAlchemy); what any search
# imports (the vectors, the keyword index, the model's runtime and tokenizer, rich for the results).
FLOORS: dict[str, str] = {
    "python -c pass": "pass",
    "light libraries": "import sqlite3, json, urllib.parse, rich.console, platformdirs",
    "full libraries": "import typer.main, pydantic_settings, sqlalchemy",
    "search libraries": "import numpy, onnxruntime, faiss, tantivy, tokenizers, rich.console",
}
HEAVY = [
    "typer",
    "sqlalchemy",
    "alembic",
    "pydantic",
    "pydantic_settings",
    "fastapi",
    "uvicorn",
    "httpx",
    "numpy",
    "onnxruntime",
    "faiss",
    "tantivy",
    "tokenizers",
    "jinja2",
]


@dataclass(frozen=True)
class Version:
    name: str
    python: str
    src: Path

    def env(self, home: Path, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PAPERWIRE_")}
        env.update({"PYTHONPATH": str(self.src), "PAPERWIRE_HOME": str(home), **extra})
        return env

    def run(
        self, home: Path, args: list[str], extra: dict[str, str] = QUIET, *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.python, "-m", "paperwire", *args],
            env=self.env(home, extra),
            cwd=home.parent,
            capture_output=True,
            text=True,
            check=check,
        )


def prepare(version: Version, home: Path) -> None:
    """The bundled sample, loaded and indexed, as `make run` leaves a fresh install."""
    if (home / "paperwire.db").exists() and (home / ".prepared").exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    print(f"preparing {version.name} home {home} (sample + index) …", file=sys.stderr)
    version.run(home, ["init", "--sample"])
    version.run(home, ["index"])
    (home / ".prepared").write_text("ok\n")


def timed(version: Version, home: Path, args: list[str], extra: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = version.run(home, args, extra, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{version.name}: paperwire {' '.join(args)} failed:\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def timed_python(python: str, program: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([python, "-c", program], check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_imports(version: Version, home: Path, args: list[str], extra: dict[str, str]) -> list[str]:
    """Which of HEAVY the command imports (from ``python -X importtime``)."""
    result = subprocess.run(
        [version.python, "-X", "importtime", "-m", "paperwire", *args],
        env=version.env(home, extra),
        cwd=home.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    loaded = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    return [name for name in HEAVY if name in loaded]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--base-src", type=Path, default=Path("/tmp/cli-base/src"))
    parser.add_argument("--base-python", default="/work/main/.venv/bin/python")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cli-cache/bench"))
    options = parser.parse_args()
    if not (options.base_src / "paperwire").is_dir():
        raise SystemExit(
            f"no baseline at {options.base_src}: git archive <start-commit> | tar -x -C {options.base_src.parent}"
        )
    versions = [
        # A relative path to the interpreter (.venv/bin/python) must survive the runs' cwd (the home's folder).
        Version(
            "base",
            str(Path(options.base_python).absolute()) if "/" in options.base_python else options.base_python,
            options.base_src,
        ),
        Version("now", sys.executable, HERE / "src"),
    ]
    homes = {v.name: options.cache / v.name / "home" for v in versions}
    for version in versions:
        prepare(version, homes[version.name])
        # An installed package has its bytecode; a source tree run with PYTHONDONTWRITEBYTECODE=1 (set on this
        # machine) never gets any and compiles every paperwire module it imports on every run (~60 ms of a
        # cold search here). Compile both trees first, so that neither pays it.
        subprocess.run([version.python, "-m", "compileall", "-q", str(version.src / "paperwire")], check=True)

    load_before = os.getloadavg()[0]
    figures: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for _ in range(options.repeat):  # interleaved, so a burst of load on the machine hits both versions
        for label, (args, extra) in COMMANDS.items():
            for version in versions:
                figures[(label, version.name)].append(timed(version, homes[version.name], args, extra))
        for label, program in FLOORS.items():
            figures[(label, "now")].append(timed_python(sys.executable, program))
    load_after = os.getloadavg()[0]

    print(
        f"paperwire CLI start-up, {options.repeat} runs each, new process every run; "
        f"load average {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'command':<24} {'base wall':>17} {'now wall':>17} {'base cpu':>9} {'now cpu':>8} {'wall ×':>7}")
    for label in COMMANDS:
        row = []
        for version in versions:
            runs = figures[(label, version.name)]
            walls, cpus = [w for w, _ in runs], [c for _, c in runs]
            row.append((statistics.median(walls), min(walls), statistics.median(cpus)))
        (bw, bmin, bc), (nw, nmin, nc) = row
        print(
            f"{label:<24} {bw:6.2f} s (≥{bmin:4.2f}) {nw:6.2f} s (≥{nmin:4.2f}) {bc:7.2f} s {nc:6.2f} s {bw / nw:6.1f}×"
        )
    for label in FLOORS:
        walls, cpus = [w for w, _ in figures[(label, "now")]], [c for _, c in figures[(label, "now")]]
        floor = f"{statistics.median(walls):6.2f} s (≥{min(walls):4.2f})"
        print(f"{label:<24} {'':>17} {floor} {'':>9} {statistics.median(cpus):6.2f} s")
    print("\nheavy packages imported now (python -X importtime):")
    for label, (args, extra) in COMMANDS.items():
        print(f"  {label:<24} {', '.join(heavy_imports(versions[1], homes['now'], args, extra)) or '-'}")


if __name__ == "__main__":
    main()
