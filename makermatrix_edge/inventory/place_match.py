"""Finding a place by what a person types: the place they named first, then the rest that match.

"rack 3 shelf 2 box 5" must put Rack 3 / Shelf 2 / Box 5 first, not Rack 30's Box 50 (every word
is in both paths as text). So a path and a query are compared as words and numbers ("bin7" is
"bin" and "7"), and a match is ranked by how exactly it names the place:

0. the whole path, word for word;
1. the end of the path (the place and some of what it is in: "drawer b bin 7");
2. a run of whole words somewhere in it ("shelf 2" in Rack 3 / Shelf 2 / Box 5);
3. such a run whose last word is still being typed ("drawer c bi");
4. every word, as a whole word, anywhere;
5. every word as the start of a word;
6. every word as a piece of text anywhere.

Within a rank the shallower place comes first, then the paths in natural order (Bin 2 before Bin 10).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

from makermatrix_edge.inventory.locations import SEPARATOR
from makermatrix_edge.inventory.models import LocationView

_TOKEN = re.compile(r"[^\W\d_]+|\d+")
L = TypeVar("L", bound=LocationView)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def _has_run(have: list[str], words: list[str], typing: bool) -> bool:
    """`words` as a contiguous run in `have`; `typing`: its last word may be the start of one."""
    n = len(words)
    for i in range(len(have) - n + 1):
        window = have[i : i + n]
        if window[:-1] == words[:-1] and (window[-1].startswith(words[-1]) if typing else window[-1] == words[-1]):
            return True
    return False


def rank(path: str, query: str) -> int | None:
    """0 (named exactly) .. 6 (every word somewhere in the text), None when it does not match."""
    words, have = tokens(query), tokens(path)
    if not words:
        return None
    if words == have:
        return 0
    if len(words) < len(have) and have[-len(words) :] == words:
        return 1
    if _has_run(have, words, typing=False):
        return 2
    if _has_run(have, words, typing=True):
        return 3
    if set(words) <= set(have):
        return 4
    if all(any(token.startswith(word) for token in have) for word in words):
        return 5
    text = path.casefold()
    if all(word in text for word in query.casefold().split()):
        return 6
    return None


def _natural(path: str) -> list[tuple[int, int | str]]:
    return [(0, int(t)) if t.isdigit() else (1, t) for t in tokens(path)]


def rank_places(places: Iterable[L], query: str) -> list[L]:
    """The places matching `query`, best first (see the module's doc)."""
    scored = [(r, place) for place in places if (r := rank(place.path, query)) is not None]
    scored.sort(key=lambda pair: (pair[0], pair[1].path.count(SEPARATOR), _natural(pair[1].path)))
    return [place for _, place in scored]
