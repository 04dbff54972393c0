"""The registry of signal collectors: jobs that observe counted signals outside paperwire (GitHub stars today).

Made from the table of signal kinds (``paperwire.core.signals``): every collector a row names is registered
here, with the kinds that name it. Read by the CLI (``paperwire signals <name>``), the scheduler (the daily
collection of the collectors named in ``PAPERWIRE_SIGNAL_COLLECTORS``) and the docs. Importing this module
imports no collector: a collector's module loads when it runs. Signals that arrive with papers (Hugging Face
upvotes) come through their paper source instead; in-app signals through ``paperwire.trending.reactions``.
Adding a counted signal is a row in ``paperwire.core.signals`` (naming its collector), the collector's module
and a test.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from paperwire.config import ConfigurationError, Settings
from paperwire.core import signals

if TYPE_CHECKING:
    from paperwire.db.engine import Database

Collect = Callable[["Database", Settings, "datetime | None"], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SignalCollector:
    name: str  # as in `paperwire signals <name>` and PAPERWIRE_SIGNAL_COLLECTORS
    kinds: tuple[str, ...]  # the signal kinds it records (rows of paperwire.core.signals)
    help: str  # one line: the CLI's help and the docs
    entry: Collect | str  # the run itself, or "module:function" imported when it runs

    def collect(self, db: Database, settings: Settings, now: datetime | None) -> dict[str, Any]:
        """One idempotent run (resumable; safe to repeat the same day); returns its report."""
        return self.function()(db, settings, now)

    def function(self) -> Collect:
        if not isinstance(self.entry, str):
            return self.entry
        module, _, name = self.entry.partition(":")
        return cast(Collect, getattr(importlib.import_module(module), name))


def from_kinds(kinds: Iterable[signals.SignalKind]) -> dict[str, SignalCollector]:
    """The collectors the rows name, in table order, each with the kinds that name it."""
    named: dict[str, signals.Collector] = {}
    kinds_of: dict[str, list[str]] = {}
    for kind in kinds:
        collector = kind.collector
        if collector is None:
            continue
        if named.setdefault(collector.name, collector) != collector:
            raise ValueError(f"signal kinds name two different collectors {collector.name!r}")
        kinds_of.setdefault(collector.name, []).append(kind.name)
    return {
        name: SignalCollector(name, tuple(kinds_of[name]), collector.help, collector.entry)
        for name, collector in named.items()
    }


COLLECTORS: dict[str, SignalCollector] = from_kinds(signals.KINDS)


def enabled(settings: Settings) -> list[SignalCollector]:
    """The collectors named in ``PAPERWIRE_SIGNAL_COLLECTORS``; ``ConfigurationError`` for an unknown name."""
    names = [name.strip() for name in settings.signal_collectors.split(",") if name.strip()]
    unknown = [name for name in names if name not in COLLECTORS]
    if unknown:
        raise ConfigurationError(
            f"PAPERWIRE_SIGNAL_COLLECTORS: unknown collector {unknown[0]!r} (use {', '.join(COLLECTORS)})"
        )
    return [COLLECTORS[name] for name in names]
