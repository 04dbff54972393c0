"""Author names as search keys: "Chua, Tat-Seng", "T.-S. Chua" and "Tat-Seng Chua" are one person here.

A name is reduced to its surname and its given names (or their initials), case and diacritics folded. The index
stores a few keys per author (see ``author_keys``); a query looks up the keys its reading of the name can
make (``name_keys``). Pure functions.
"""

from __future__ import annotations

import re

from paperwire.search.query import fold

_SPLIT = re.compile(r"[\s.\-‐‑–'’]+")
_NOT_LETTERS = re.compile(r"[^\w]+")


def _parts(name: str, *, surname_first: bool = False) -> tuple[str, list[str]] | None:
    """(surname, given-name words) of a name as printed ("Given Surname", or "Surname, Given")."""
    folded = fold(name).replace("_", " ")
    if "," in folded:
        surname_part, given_part = folded.split(",", 1)
        surname_words = surname_part.split()
        given = _words(given_part)
    else:
        words = folded.split()
        if len(words) < 2:
            surname_words, given = words, []
        elif surname_first:
            surname_words, given = words[:1], _words(" ".join(words[1:]))
        else:
            surname_words, given = words[-1:], _words(" ".join(words[:-1]))
    surname = _NOT_LETTERS.sub("", surname_words[-1]) if surname_words else ""
    return (surname, given) if len(surname) >= 2 else None


def _words(text: str) -> list[str]:
    return [w for w in (_NOT_LETTERS.sub("", part) for part in _SPLIT.split(text)) if w]


def author_keys(name: str) -> list[str]:
    """What the index stores for one author of a paper: ``s:`` surname, ``i:`` surname + all initials, ``f:``
    surname + first initial, and ``n:`` surname + the given names in full, or ``x:`` (surname + initials) when
    the name is printed with initials only ("T.-S. Chua")."""
    parts = _parts(name)
    if parts is None:
        return []
    surname, given = parts
    keys = [f"s:{surname}"]
    if given:
        initials = "".join(w[0] for w in given)
        keys += [f"i:{surname}:{initials}", f"f:{surname}:{initials[0]}"]
        if all(len(w) == 1 for w in given):
            keys += [f"x:{surname}:{initials}", f"x:{surname}:{initials[0]}"]
        else:
            keys.append(f"n:{surname}:{''.join(given)}")
    return list(dict.fromkeys(keys))


def name_keys(text: str, *, surname_only: bool = False) -> list[str]:
    """Keys a name typed in a query answers to. Given names in full match the same names in full (and a name
    printed with initials only); initials match every name with those initials. Both readings of the order
    are tried ("Chen Liu" may be printed "Liu Chen") unless a comma says which is the surname. ``surname_only``
    allows a bare surname (``au:chua``)."""
    keys = []
    for surname_first in (False, True):
        parts = _parts(text, surname_first=surname_first)
        if parts is None:
            continue
        surname, given = parts
        if not given:
            if surname_only:
                keys.append(f"s:{surname}")
            continue
        initials = "".join(w[0] for w in given)
        if all(len(w) == 1 for w in given):
            keys.append(f"i:{surname}:{initials}" if len(initials) > 1 else f"f:{surname}:{initials}")
        else:
            keys += [f"n:{surname}:{''.join(given)}", f"x:{surname}:{initials}", f"x:{surname}:{initials[0]}"]
        if "," in text:
            break  # "Surname, Given" says which is which
    return list(dict.fromkeys(keys))
