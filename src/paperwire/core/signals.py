"""The one table of signal kinds: every part that knows a kind (the trending formula and its words, the
weight settings, the sources and collectors that observe them, the reactions storage) reads it from here.

A *snapshot* kind is a cumulative count observed now and then (Hugging Face upvotes, GitHub stars): trending
counts how much each observation raises the running maximum. An *event* kind is one row per event (an
upvote, a page view): each counts 1. Adding a kind is one row here (its weight setting
``trending_weight_<name>``, its words and its docs rows follow from it), plus whatever observes it: a paper
source, the app, or a *collector* the row names (``paperwire.ingest.collectors`` registers every collector the
rows name; the docs tables are made by ``scripts/gen_docs_tables.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

HF_UPVOTES = "hf_upvotes"
HF_COMMENTS = "hf_comments"
GITHUB_STARS = "github_stars"
UPVOTE = "upvote"
SAVE = "save"
VIEW = "view"
CLICK = "click"


@dataclass(frozen=True, slots=True)
class Collector:
    """A job that observes kinds outside paperwire: ``paperwire signals <name>``, and daily in the scheduler
    when named in ``PAPERWIRE_SIGNAL_COLLECTORS``. Named here by path only (the vocabulary imports nothing):
    ``entry`` is ``"module:function"``, a ``function(db, settings, now) -> dict`` (one idempotent run; its
    report) imported only when the collector runs."""

    name: str  # as in `paperwire signals <name>` and PAPERWIRE_SIGNAL_COLLECTORS
    entry: str  # "paperwire.ingest.github_stars:collect"
    help: str  # one line: the CLI's help and the docs


@dataclass(frozen=True, slots=True)
class SignalKind:
    name: str
    shape: Literal["snapshot", "event"]
    one: str  # "1 new GitHub star"
    many: str  # "8 new GitHub stars"
    default_weight: float
    weighs: str  # what the weight setting's help says it weighs
    first_counted: float | None = None  # at most this much of a snapshot's first observation counts
    collector: Collector | None = None  # the collector that observes it, if one does (kinds may share one)
    counted: tuple[str, str] = ("", "")  # whole counts in a sentence: "12 upvotes here", "163 on Hugging Face"
    counted_sign: str = ""  # before the number: "+40 GitHub stars" (a rise)

    @property
    def weight_setting(self) -> str:
        return f"trending_weight_{self.name}"

    @property
    def told_as_rise(self) -> bool:
        """Its words say "+N": a series' first observation (nothing seen before it) is no rise to draw."""
        return self.counted_sign == "+"

    @property
    def first_count_is_total(self) -> bool:
        """A snapshot series' first observation (nothing seen before it) says how many there are, not how many
        came in a window's span: the words name it as a total after the span's ("... today · 163 on Hugging
        Face", "2,300 GitHub stars"), never inside it ("163 on Hugging Face today")."""
        return self.shape == "snapshot"


GITHUB = Collector(
    "github",
    "paperwire.ingest.github_stars:collect",
    "Record today's GitHub star counts of recent and trending papers' code (resumes after a rate limit).",
)

# Snapshots first, then events: the trending formula numbers kinds in this order.
KINDS: tuple[SignalKind, ...] = (
    SignalKind(HF_UPVOTES, "snapshot", "Hugging Face upvote", "Hugging Face upvotes", 1.0,
               "Hugging Face daily-papers upvotes", counted=("on Hugging Face", "on Hugging Face")),
    SignalKind(HF_COMMENTS, "snapshot", "Hugging Face comment", "Hugging Face comments", 0.5,
               "Hugging Face daily-papers comments",
               counted=("comment on Hugging Face", "comments on Hugging Face")),
    # A repository's first star count is mostly history (a new paper's code may live in a famous
    # repository): at most 50 of it counts; every later rise counts in full.
    SignalKind(GITHUB_STARS, "snapshot", "new GitHub star", "new GitHub stars", 0.5,
               "new GitHub stars of the paper's code", first_counted=50.0, collector=GITHUB,
               counted=("GitHub star", "GitHub stars"), counted_sign="+"),
    SignalKind(UPVOTE, "event", "upvote", "upvotes", 2.0, "upvotes by signed-in users",
               counted=("upvote here", "upvotes here")),
    SignalKind(SAVE, "event", "save", "saves", 2.0, "saves by signed-in users", counted=("save", "saves")),
    SignalKind(VIEW, "event", "view", "views", 0.25, "paper-page views, one per visitor per day",
               counted=("view", "views")),
    SignalKind(CLICK, "event", "digest click", "digest clicks", 1.0, "clicks from digest emails",
               counted=("digest click", "digest clicks")),
)  # fmt: skip

BY_NAME: dict[str, SignalKind] = {kind.name: kind for kind in KINDS}
NAMES: tuple[str, ...] = tuple(kind.name for kind in KINDS)
SNAPSHOT_KINDS: tuple[str, ...] = tuple(kind.name for kind in KINDS if kind.shape == "snapshot")
EVENT_KINDS: tuple[str, ...] = tuple(kind.name for kind in KINDS if kind.shape == "event")
FIRST_COUNTED: dict[str, float] = {k.name: k.first_counted for k in KINDS if k.first_counted is not None}

# In-app reactions: at most one per user, paper and kind (the database enforces it), taken back by deleting.
REACTION_KINDS: tuple[str, ...] = (UPVOTE, SAVE)

# Where a signal came from (the ``source`` column).
APP_SOURCE = "app"  # upvotes, saves and page views given in the web app
DIGEST_SOURCE = "digest"  # clicks on a paper link in a digest email
HF_SOURCE = "hf"
GITHUB_SOURCE = "github"
