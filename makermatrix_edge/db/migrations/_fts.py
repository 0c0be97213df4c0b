"""The SQL of a part's search document, shared by the migrations that build it (0002, 0004, 0011).

Frozen like the migrations themselves: changing it would change what an old migration does on an
old database. A later migration that needs another document writes its own function."""

from __future__ import annotations

FTS_COLUMNS = (
    "part_name, part_number, manufacturer_part_number, description, supplier, manufacturer, "
    "categories, location, properties"
)


def fts_values(p: str) -> str:
    """SQL for one search document of part row `p` (NEW or OLD in a trigger), folded."""
    return (
        f"mm_fold({p}.part_name), mm_fold({p}.part_number), mm_fold({p}.manufacturer_part_number), "
        f"mm_fold({p}.description), mm_fold({p}.supplier), mm_fold({p}.manufacturer), "
        f"mm_fold((SELECT group_concat(c.name, ' ') FROM part_categories pc "
        f"JOIN categories c ON c.id = pc.category_id WHERE pc.part_id = {p}.id)), "
        f"mm_fold((SELECT path FROM locations WHERE id = {p}.location_id)), "
        f"mm_fold((SELECT group_concat(value, ' ') FROM json_each({p}.additional_properties)))"
    )


CATEGORIES_OF = (
    "mm_fold((SELECT group_concat(c.name, ' ') FROM part_categories pc "
    "JOIN categories c ON c.id = pc.category_id WHERE pc.part_id = {part_id}))"
)


PART_OF_FTS_ROW = "(SELECT id FROM parts WHERE seq = parts_fts.rowid)"


def fts_values_v2(p: str) -> str:
    """0002's search document plus the component's marking, technology, polarity and package."""
    # SQLite 3.40 (Raspberry Pi OS bookworm) has no concat_ws().
    words = " || ' ' || ".join(f"coalesce(s.{f}, '')" for f in ("marking", "technology", "polarity", "package"))
    specs = f"(SELECT {words} FROM component_specs s WHERE s.part_id = {p}.id)"
    props = f"(SELECT group_concat(value, ' ') FROM json_each({p}.additional_properties))"
    return fts_values(p).replace(f"mm_fold({props})", f"mm_fold(coalesce({props}, '') || ' ' || coalesce({specs}, ''))")


def fts_values_v3(p: str) -> str:
    """0004's search document plus each value the part writes in one spelling (mm_values: "10kΩ" -> "10kohm")."""
    words = " || ' ' || ".join(f"coalesce(s.{f}, '')" for f in ("marking", "technology", "polarity", "package"))
    specs = f"(SELECT {words} FROM component_specs s WHERE s.part_id = {p}.id)"
    props = f"(SELECT group_concat(value, ' ') FROM json_each({p}.additional_properties))"
    texts = f"coalesce({p}.part_name, '') || ' ' || coalesce({p}.description, '') || ' ' || coalesce({props}, '')"
    old = f"mm_fold(coalesce({props}, '') || ' ' || coalesce({specs}, ''))"
    new = f"(coalesce({old}, '') || ' ' || coalesce(mm_values({texts}), ''))"
    return fts_values_v2(p).replace(old, new)
