"""What a planned digest says, typed and serialised in one place: the outbox row's ``payload``.

Planning writes ``DigestPlan.to_json()``; the sender, the preview and the For-you surfaces read it back with
``DigestPlan.from_json`` (which also reads rows planned before reasons were stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REASONS = ("topic", "author", "category", "liked", "profile", "trending")


@dataclass(frozen=True, slots=True)
class PlannedItem:
    id: str
    reason: str  # one of REASONS
    why: str
    resembles: str | None = None  # liked/profile: the reader's paper it is closest to

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "reason": self.reason, "why": self.why}
        if self.resembles:
            out["resembles"] = self.resembles
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedItem:
        why = str(data.get("why", ""))
        reason = str(data.get("reason") or _old_reason(why))
        resembles = data.get("resembles")
        return cls(str(data["id"]), reason, why, str(resembles) if resembles else None)


def _old_reason(why: str) -> str:
    """Rows planned before reasons were stored said it only in words."""
    if why.startswith("matches your topic"):
        return "topic"
    if why.startswith("by "):
        return "author"
    if why.startswith("new in"):
        return "category"
    if why.startswith("similar to"):
        return "liked"
    return "trending"


@dataclass(frozen=True, slots=True)
class DigestPlan:
    label: str  # "Tuesday, June 30, 2026"
    items: list[PlannedItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "Nothing new on *speculative decoding* today"
    note: str | None = None  # an empty digest: what happened instead

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "items": [i.to_json() for i in self.items], "notes": self.notes}
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DigestPlan:
        note = data.get("note")
        return cls(
            label=str(data.get("label", "")),
            items=[PlannedItem.from_json(i) for i in data.get("items", [])],
            notes=[str(n) for n in data.get("notes", [])],
            note=str(note) if note else None,
        )

    @property
    def paper_ids(self) -> list[str]:
        return [i.id for i in self.items]
