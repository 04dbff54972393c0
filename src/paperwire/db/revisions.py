"""The head revision as the migration files spell it, read without Alembic or SQLAlchemy.

``migrate.upgrade`` and the light read path (``lite``) both compare it with the database's
``alembic_version`` so that a current database costs one query, not an Alembic import (issue 16).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
_ASSIGNMENT = re.compile(r"""^(revision|down_revision)\s*(?::[^=]+)?=\s*(?:"([^"]*)"|'([^']*)'|(None))\s*$""", re.M)


@cache
def head_from_files() -> str | None:
    """The head revision as the migration files spell it, without Alembic; None unless they form one chain
    (every file names one revision and at most one parent, and exactly one revision is nobody's parent)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found: dict[str, str | None] = {}
        for match in _ASSIGNMENT.finditer(path.read_text(encoding="utf-8")):
            found[match.group(1)] = match.group(2) or match.group(3)  # None for `= None`
        revision = found.get("revision")
        if revision is None or "down_revision" not in found:
            return None  # a tuple of parents, a computed value: not a plain chain
        revisions.add(revision)
        parent = found["down_revision"]
        if parent is not None:
            parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None
