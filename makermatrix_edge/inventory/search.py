"""Finding parts: trigram full-text search with ranking, filters, sorting, suggestions."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from makermatrix_edge.db.gateway import Database
from makermatrix_edge.db.text import clean_term, fold, fts_query, like_escape
from makermatrix_edge.db.values import value_match
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.inventory import queries
from makermatrix_edge.inventory.match_counts import MatchCounts
from makermatrix_edge.inventory.models import Page, PartSearch
from makermatrix_edge.inventory.parts import check_page

RANK_LIMIT = 2000  # up to this many text matches are ranked; more are listed newest first
_TEXT_COUNT = "SELECT count(*) FROM parts_fts WHERE parts_fts MATCH ?"

_SORTS = {
    "part_name": "p.part_name",
    "part_number": "p.part_number",
    "quantity": "p.quantity",
    "location": "l.path",
}
# Exact part number (supplier or manufacturer) first, then exact name, then prefixes.
_TIER = (
    "CASE WHEN p.part_number = :term OR p.manufacturer_part_number = :term THEN 0 "
    "WHEN p.part_name = :term THEN 1 "
    "WHEN p.part_number LIKE :prefix ESCAPE '\\' OR p.manufacturer_part_number LIKE :prefix ESCAPE '\\' "
    "OR p.part_name LIKE :prefix ESCAPE '\\' THEN 2 ELSE 3 END"
)


def _tag_words(term: str) -> tuple[str, list[str]]:
    """'#smd resistor' -> ('resistor', ['smd']): a word starting with '#' names a tag the part carries (#25.7)."""
    words = term.split()
    tags = [w[1:] for w in words if w.startswith("#") and len(w) > 1]
    return " ".join(w for w in words if not (w.startswith("#") and len(w) > 1)), tags


class _Query:
    """A WHERE clause built from filters, with named parameters."""

    def __init__(self) -> None:
        self.joins = ""
        self.where: list[str] = []
        self.params: dict[str, Any] = {}
        self.ranked = False

    def text(self, term: str) -> None:
        term = clean_term(term)
        if not term:
            return
        self.params.update(term=term, prefix=like_escape(term) + "%")
        # Values in any spelling ("10 kOhm", "10,000 Ω") as the index holds them (db/values.py).
        match, short_words = value_match(term)
        if match is None:  # one or two characters: a trigram index cannot help, match prefixes
            self.where.append(
                "(p.part_name LIKE :prefix ESCAPE '\\' OR p.part_number LIKE :prefix ESCAPE '\\' "
                "OR p.manufacturer_part_number LIKE :prefix ESCAPE '\\')"
            )
        else:
            self.joins = " JOIN parts_fts f ON f.rowid = p.seq"
            self.where.append("parts_fts MATCH :match")
            self.params["match"] = match
            # Words too short for the trigram index ("capacitor 3") still narrow the result.
            for i, word in enumerate(short_words):
                self.params[f"short{i}"] = f"%{like_escape(word)}%"
                self.where.append(
                    f"(p.part_name LIKE :short{i} ESCAPE '\\' OR p.part_number LIKE :short{i} ESCAPE '\\' "
                    f"OR p.manufacturer_part_number LIKE :short{i} ESCAPE '\\')"
                )
        self.ranked = True

    def sql(self, select: str) -> str:
        base = select + self.joins
        return base + (" WHERE " + " AND ".join(self.where) if self.where else "")

    def order(self, sort_by: str | None, descending: bool) -> str:
        if sort_by is not None:
            direction = "DESC" if descending else "ASC"
            return f" ORDER BY {_SORTS[sort_by]} {direction} NULLS LAST, p.part_name"
        if self.ranked:
            return f" ORDER BY {_TIER}" + (", f.rank" if self.joins else "") + ", p.part_name"
        return " ORDER BY p.part_name"


def _broad_page(db: sqlite_utils.Database, q: _Query, page: int, page_size: int, total: int) -> Page:
    """Exact part number or name matches first, then the other matches newest first, unranked.

    Ranking tens of thousands of matches costs more than a phone should wait; the index gives
    them in insertion order for free. The total is exact (clients page by it): see _count_matches.
    """
    offset = (page - 1) * page_size
    filters = [w for w in q.where if "MATCH" not in w]
    exact_where = " AND ".join(
        ["(p.part_number = :term OR p.manufacturer_part_number = :term OR p.part_name = :term)", *filters]
    )
    exact = db.execute(f"{queries.PART_SELECT} WHERE {exact_where} ORDER BY p.part_name", q.params).fetchall()
    seqs = [r["seq"] for r in exact]
    rows = exact[offset : offset + page_size]
    need = page_size - len(rows)
    if need > 0:
        skip = f" AND p.seq NOT IN ({', '.join(str(s) for s in seqs)})" if seqs else ""
        rows += db.execute(
            q.sql(queries.PART_SELECT) + skip + " ORDER BY f.rowid DESC LIMIT :limit OFFSET :offset",
            {**q.params, "limit": need, "offset": max(0, offset - len(exact))},
        ).fetchall()
    return Page(items=queries.to_views(db, rows), total=total, page=page, page_size=page_size)


def _count_matches(db: sqlite_utils.Database, q: _Query, text_total: int | None, counts: MatchCounts) -> int:
    """The exact number of matches, without ranking them.

    With the text the only condition, it is the text's own count (`text_total`); other filters
    need the join. Both are remembered until the data changes (match_counts.py).
    """
    if q.where == ["parts_fts MATCH :match"] and text_total is not None:
        return text_total
    sql, params = q.sql("SELECT count(*) FROM parts p"), q.params
    key = (sql, tuple(sorted((k, str(v)) for k, v in params.items())))
    return counts.count(db.conn, key, lambda: int(db.execute(sql, params).fetchone()[0]))


class SearchService:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Counts remembered per reader connection of this database until it changes (match_counts.py).
        self.counts = MatchCounts()

    def _text_total(self, db: sqlite_utils.Database, match: str) -> int:
        """Every part the words find: a plain index count, remembered until the next write.

        "capacitor" costs about 1 ms at 5 000 parts, 10 at 20 000, 60 at 100 000 (README, search totals).
        """
        return self.counts.count(db.conn, ("text", match), lambda: int(db.execute(_TEXT_COUNT, [match]).fetchone()[0]))

    async def search_text(self, query: str, page: int, page_size: int) -> Page:
        if not clean_term(query):
            raise InvalidInput("must not be empty", "query")
        return await self.search(PartSearch(search_term=query, page=page, page_size=page_size))

    async def search(self, request: PartSearch) -> Page:
        check_page(request.page, request.page_size)
        if (
            request.min_quantity is not None
            and request.max_quantity is not None
            and request.min_quantity > request.max_quantity
        ):
            raise InvalidInput("must not be more than max_quantity", "min_quantity")
        q = _Query()
        text, tags = _tag_words(request.search_term or "")
        if text:
            q.text(text)
        for i, name in enumerate(tags):
            q.where.append(
                "EXISTS (SELECT 1 FROM part_tags pt JOIN tags t ON t.id = pt.tag_id "
                f"WHERE pt.part_id = p.id AND t.name = :tag{i})"
            )
            q.params[f"tag{i}"] = name
        if request.min_quantity is not None:
            q.where.append("p.quantity >= :min_q")
            q.params["min_q"] = request.min_quantity
        if request.max_quantity is not None:
            q.where.append("p.quantity <= :max_q")
            q.params["max_q"] = request.max_quantity
        if request.supplier:
            q.where.append("p.supplier = :supplier")
            q.params["supplier"] = request.supplier.strip()
        if request.location_id:
            # A part kept there in any of its places (its location or one of its allocations) is found.
            subtree = queries.location_subtree_sql(":location")
            q.where.append(  # both sides indexed on p: SQLite answers the OR from two indexes (measured 0.06 ms)
                f"(p.location_id IN ({subtree}) OR p.id IN "
                f"(SELECT a.part_id FROM part_allocations a WHERE a.location_id IN ({subtree})))"
            )
            q.params["location"] = request.location_id
        if request.category_names:
            names = {f"cat{i}": n.strip() for i, n in enumerate(request.category_names)}
            # EXISTS probes (category_id, part_id) per row; IN would build the whole member list twice.
            q.where.append(
                "EXISTS (SELECT 1 FROM part_categories pc JOIN categories c ON c.id = pc.category_id "
                f"WHERE pc.part_id = p.id AND c.name IN ({', '.join(':' + k for k in names)}))"
            )
            q.params.update(names)
        order = q.order(request.sort_by, request.sort_order == "desc")
        offset = (request.page - 1) * request.page_size

        def run(db: sqlite_utils.Database) -> Page:
            if request.location_id:
                queries.require_location(db, request.location_id)
            # Every part the words find, counted exactly; more than ranking can sort quickly (a word
            # like "capacitor" in a big inventory) lists them unranked.
            text_total = self._text_total(db, q.params["match"]) if q.joins else None
            total = _count_matches(db, q, text_total, self.counts)
            if text_total is not None and text_total > RANK_LIMIT and request.sort_by is None:
                return _broad_page(db, q, request.page, request.page_size, total)
            # The page's ids first (from indexes where it can), then the full rows of just those.
            ids_from = "SELECT p.seq FROM parts p" + (
                " LEFT JOIN locations l ON l.id = p.location_id" if request.sort_by == "location" else ""
            )
            seqs = [
                r[0]
                for r in db.execute(
                    q.sql(ids_from) + order + " LIMIT :limit OFFSET :offset",
                    {**q.params, "limit": request.page_size, "offset": offset},
                )
            ]
            return Page(
                items=queries.views_by_seq(db, seqs), total=total, page=request.page, page_size=request.page_size
            )

        return await self._db.read(run)

    async def suggestions(self, query: str, limit: int) -> list[str]:
        """Part names for autocomplete: names that start with the text first, then names containing it."""
        if not 1 <= limit <= 50:
            raise InvalidInput("must be between 1 and 50", "limit")
        term = clean_term(query)
        if len(term) < 3:
            return []
        prefix = like_escape(term) + "%"
        match = fts_query(term)

        def run(db: sqlite_utils.Database) -> list[str]:
            names = [
                r[0]
                for r in db.execute(
                    "SELECT part_name FROM parts WHERE part_name LIKE ? ESCAPE '\\' ORDER BY part_name LIMIT ?",
                    [prefix, limit],
                )
            ]
            if len(names) < limit and match is not None:
                folded = fold(term) or ""
                for (name,) in db.execute(
                    "SELECT p.part_name FROM parts_fts f JOIN parts p ON p.seq = f.rowid "
                    "WHERE f.part_name MATCH ? ORDER BY p.part_name LIMIT ?",
                    [match, limit * 2],
                ):
                    if name not in names and folded in (fold(name) or ""):
                        names.append(name)
                    if len(names) >= limit:
                        break
            return names

        return await self._db.read(run)
