"""A place's name short enough for one line of a 360 px select: the end of its path, as much as tells it apart.

"Workshop / Shelf 1 / Drawer A / Bin 4" is cut by the phone after "Drawer A /", hiding the bin,
the one word that tells the choices apart; its end, "Drawer A / Bin 4", is what a person reads.
"""

from __future__ import annotations

from collections.abc import Iterable

from makermatrix_edge.inventory.locations import SEPARATOR

KEPT = 2  # the place and what holds it ("Drawer A / Bin 4"), more only when two ends are alike


def path_ends(paths: Iterable[str | None]) -> dict[str, str]:
    """Each path mapped to its last KEPT names, or more where another path of `paths` ends the same."""
    split = {p: p.split(SEPARATOR) for p in paths if p}
    ends: dict[str, str] = {}
    for path, names in split.items():
        keep = KEPT
        while keep < len(names) and any(other != path and o[-keep:] == names[-keep:] for other, o in split.items()):
            keep += 1
        ends[path] = SEPARATOR.join(names[-keep:])
    return ends
