"""The ALORA component search's query parameters -> SQL conditions on parts p, component_specs s, categories c."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from makermatrix_edge.bounds import check_whole
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.inventory import units

# Numbers kept beside the text, in SI units, for parametric search: field -> (column, unit).
NUMERIC: dict[str, tuple[str, str | None]] = {
    "v_max": ("v_max_si", "V"),
    "i_max": ("i_max_si", "A"),
    "power_max": ("power_max_si", "W"),
    "gain_min": ("gain_min_si", None),
    "gain_max": ("gain_max_si", None),
    "rds_on": ("rds_on_si", "Ω"),
    "vgs_max": ("vgs_max_si", "V"),
    "vgs_th": ("vgs_th_max_si", "V"),
    "qg": ("qg_si", "C"),
    "ciss": ("ciss_si", "F"),
    "vf": ("vf_si", "V"),
    "trr": ("trr_si", "s"),
    "cj": ("cj_si", "F"),
    "v_in_max": ("v_in_max_si", "V"),
    "v_out": ("v_out_si", "V"),
    "i_out_max": ("i_out_max_si", "A"),
    "accuracy": ("accuracy_si", "%"),
}
_CATEGORY_BY_SEQ = "(SELECT id FROM categories WHERE seq = ?)"
WORD_FILTERS = ("technology", "polarity", "channel", "package", "marking")
MAX_LIST = 1000


def parse_filters(filters: Mapping[str, str]) -> tuple[list[str], list[Any], int, int]:
    """Query parameters -> SQL conditions. Unknown names and wrong units answer 400 naming the parameter."""
    where: list[str] = []
    params: list[Any] = []
    limit, offset = MAX_LIST, 0
    for key, raw in filters.items():
        value = raw.strip()
        if key == "status_filter":
            if value.upper() not in ("ACTIVE", "INACTIVE"):
                raise InvalidInput("must be ACTIVE or INACTIVE", key)
            where.append("coalesce(s.status, 'ACTIVE') = ?")
            params.append(value.upper())
        elif key in ("category", "category_id"):
            # The exact test is on c; the OR before it lets SQLite start from an index.
            lookup = "(SELECT id FROM categories WHERE name = ?)" if key == "category" else _CATEGORY_BY_SEQ
            where.append(
                f"(p.first_category_id = {lookup} OR p.id IN (SELECT part_id FROM component_specs "
                f"WHERE category_id = {lookup})) AND c.{'name' if key == 'category' else 'seq'} = ?"
            )
            wanted: Any = value if key == "category" else _int(value, key)
            params.extend([wanted, wanted, wanted])
        elif key in WORD_FILTERS:
            where.append(f"s.{key} = ?")
            params.append(value)
        elif key == "in_stock":
            wanted = value.lower() in ("1", "true", "yes")
            where.append(
                "p.inventory_tracked = 1 AND p.quantity > 0"
                if wanted
                else "(p.inventory_tracked = 0 OR p.quantity = 0)"
            )
        elif key == "min_quantity":
            where.append("p.inventory_tracked = 1 AND p.quantity >= ?")
            params.append(_int(value, key))
        elif key in ("limit", "offset"):
            number = _int(value, key)
            if key == "limit":
                if not 1 <= number <= MAX_LIST:
                    raise InvalidInput(f"must be between 1 and {MAX_LIST}", key)
                limit = number
            else:
                offset = max(0, number)
        elif key.endswith(("_min", "_max")) and key[:-4] in NUMERIC:
            column, unit = NUMERIC[key[:-4]]
            bound = units.parse_filter(value, unit, key) if unit else _float(value, key)
            where.append(f"s.{column} {'>=' if key.endswith('_min') else '<='} ?")
            params.append(bound)
        else:
            known = ", ".join(
                [
                    "status_filter",
                    "category",
                    "category_id",
                    *WORD_FILTERS,
                    "in_stock",
                    "min_quantity",
                    "limit",
                    "offset",
                ]
            )
            raise InvalidInput(f"unknown filter; use {known} or <spec>_min / <spec>_max for {', '.join(NUMERIC)}", key)
    return where, params, limit, offset


def _int(value: str, field: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput("must be a whole number", field) from None
    return check_whole(number, field)


def _float(value: str, field: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InvalidInput("must be a number", field) from None
