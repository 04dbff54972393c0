"""Every explanation and note the reader sees, in one place, in plain words that are true."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from paperwire import trending as _trending
from paperwire.recommend.periods import Period
from paperwire.recommend.reader import POSITIVE_LABELS


def short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def topic(name: str) -> str:
    return f"matches your topic “{name}”"


def author(name: str) -> str:
    return f"by {name}, whom you follow"


def category(name: str) -> str:
    return f"new in {name}, which you follow"


def liked(title: str, label: str) -> str:
    return f"similar to “{short(title)}”, {POSITIVE_LABELS.get(label, label)}"


def profile(title: str, label: str) -> str:
    return f"fits what you read; closest to “{short(title)}”, {POSITIVE_LABELS.get(label, label)}"


# What the reader did with a paper, as "a paper you ...": for "who wrote 2 papers you liked".
_DID = {
    "liked": "you liked",
    "own": "with you",
    "saved": "you saved",
    "more": "you asked for more like",
    "upvoted": "you upvoted",
    "clicked": "you opened from a digest",
}


def coauthor(name: str, labels: Sequence[str]) -> str:
    """ "by A. Author, who wrote 2 papers you liked" (``labels``: one per paper of the reader's they wrote, so
    the counts are the real ones); "... 2 papers you liked and 1 you saved" when they differ."""
    counts = Counter(labels)
    parts = []
    for n, (label, count) in enumerate(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))):
        noun = ("paper" if count == 1 else "papers") if n == 0 else ""
        parts.append(" ".join(x for x in (str(count), noun, _DID.get(label, label)) if x))
    return f"by {name}, who wrote {' and '.join(parts)}"


def shares_words(words: Sequence[str], title: str, label: str) -> str:
    if not words:
        return f"shares words with “{short(title)}”, {POSITIVE_LABELS.get(label, label)}"
    quoted = ", ".join(f"“{w}”" for w in words)
    return f"shares the words {quoted} with “{short(title)}”, {POSITIVE_LABELS.get(label, label)}"


def trending(counts: Mapping[str, int], totals: Mapping[str, int], period: Period) -> str:
    """Whole events counted in the period's window (never decayed masses: "0.5 upvotes" is not a count), and
    the counts of series first seen in it ("163 on Hugging Face": a total, not a rise), as the trending list
    words them."""
    told = _trending.told(counts, totals)
    if told is None:
        return f"one of the newest papers {period.when}, to fill the digest (no reactions to it yet)"
    return f"trending {period.when}: {told}"


def nothing_new_on(name: str, period: Period) -> str:
    return f"Nothing new on *{name}* {period.when}"


def nothing_new_by(name: str, period: Period) -> str:
    return f"Nothing new by *{name}* {period.when}"


def nothing_new_in(name: str, period: Period) -> str:
    return f"Nothing new in *{name}* {period.when}"
