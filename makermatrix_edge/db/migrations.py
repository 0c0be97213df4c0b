"""Schema changes: named, append-only migrations. Never edit or reorder a released one; add a new one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from makermatrix_edge.accounts.roles import BUILTIN_ROLES
from makermatrix_edge.runtime.secret_file import SUPPLIER_SECRETS, SecretFile

migrations = Migrations("makermatrix_edge")


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Execute statements one by one (executescript would commit the migration's transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            db.execute(buffer)
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement: {buffer.strip()[:80]}")


@migrations(name="0001_accounts")
def _accounts(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE users (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            email TEXT UNIQUE COLLATE NOCASE,
            hashed_password TEXT NOT NULL,
            is_active INTEGER NOT NULL DEFAULT 1,
            password_change_required INTEGER NOT NULL DEFAULT 0,
            token_version INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_login TEXT
        );
        CREATE TABLE roles (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            description TEXT NOT NULL DEFAULT '',
            permissions TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TABLE user_roles (
            user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
            PRIMARY KEY (user_id, role_id)
        );
        CREATE INDEX user_roles_role ON user_roles(role_id);
        CREATE TABLE refresh_tokens (
            jti TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            issued_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            prefix TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            permissions TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT,
            last_used_at TEXT,
            revoked_at TEXT
        );
        CREATE INDEX api_keys_user ON api_keys(user_id);
        """,
    )
    for role in BUILTIN_ROLES:
        db.execute(
            "INSERT INTO roles (id, name, description, permissions) VALUES (?, ?, ?, ?)",
            [role.id, role.name, role.description, json.dumps(sorted(role.permissions))],
        )


_FTS_COLUMNS = (
    "part_name, part_number, manufacturer_part_number, description, supplier, manufacturer, "
    "categories, location, properties"
)


def _fts_values(p: str) -> str:
    """SQL for one search document of part row `p` (NEW or OLD in a trigger), folded."""
    return (
        f"mm_fold({p}.part_name), mm_fold({p}.part_number), mm_fold({p}.manufacturer_part_number), "
        f"mm_fold({p}.description), mm_fold({p}.supplier), mm_fold({p}.manufacturer), "
        f"mm_fold((SELECT group_concat(c.name, ' ') FROM part_categories pc "
        f"JOIN categories c ON c.id = pc.category_id WHERE pc.part_id = {p}.id)), "
        f"mm_fold((SELECT path FROM locations WHERE id = {p}.location_id)), "
        f"mm_fold((SELECT group_concat(value, ' ') FROM json_each({p}.additional_properties)))"
    )


_CATEGORIES_OF = (
    "mm_fold((SELECT group_concat(c.name, ' ') FROM part_categories pc "
    "JOIN categories c ON c.id = pc.category_id WHERE pc.part_id = {part_id}))"
)


_PART_OF_FTS_ROW = "(SELECT id FROM parts WHERE seq = parts_fts.rowid)"


@migrations(name="0002_inventory")
def _inventory(db: sqlite_utils.Database) -> None:
    # `seq` is the stable integer id (ALORA face, search index rowid); `id` the UUID (MakerMatrix
    # face). AUTOINCREMENT so a deleted part's number is never handed to another part.
    run_script(
        db,
        """
        CREATE TABLE locations (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            description TEXT,
            parent_id TEXT REFERENCES locations(id) ON DELETE CASCADE,
            location_type TEXT NOT NULL DEFAULT 'standard',
            image_url TEXT,
            path TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX locations_sibling_name ON locations (coalesce(parent_id, ''), name COLLATE NOCASE);
        CREATE INDEX locations_parent ON locations (parent_id);
        CREATE INDEX locations_name ON locations (name COLLATE NOCASE);

        CREATE TABLE categories (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            description TEXT,
            parent_id TEXT REFERENCES categories(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE parts (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            part_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            part_number TEXT COLLATE NOCASE,
            manufacturer TEXT,
            manufacturer_part_number TEXT COLLATE NOCASE,
            description TEXT,
            quantity INTEGER NOT NULL DEFAULT 0 CHECK (quantity >= 0),
            min_quantity INTEGER NOT NULL DEFAULT 0 CHECK (min_quantity >= 0),
            supplier TEXT COLLATE NOCASE,
            location_id TEXT REFERENCES locations(id) ON DELETE SET NULL,
            image_url TEXT,
            unit_price REAL,
            currency TEXT,
            additional_properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(additional_properties)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX parts_part_number ON parts (part_number);
        CREATE INDEX parts_mpn ON parts (manufacturer_part_number);
        CREATE INDEX parts_location ON parts (location_id);
        CREATE INDEX parts_supplier ON parts (supplier);
        CREATE INDEX parts_quantity ON parts (quantity);

        CREATE TABLE part_categories (
            part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            category_id TEXT NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
            PRIMARY KEY (part_id, category_id)
        ) WITHOUT ROWID;
        CREATE INDEX part_categories_category ON part_categories (category_id, part_id);

        -- Append-only: no foreign key, so a deleted part's history stays for the record.
        CREATE TABLE stock_movements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            part_id TEXT NOT NULL,
            delta INTEGER NOT NULL,
            quantity_after INTEGER NOT NULL CHECK (quantity_after >= 0),
            reason TEXT NOT NULL,
            source TEXT NOT NULL,
            user_id TEXT,
            username TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX stock_movements_part ON stock_movements (part_id, id);
        CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
        BEGIN SELECT RAISE(ABORT, 'stock history is append-only'); END;
        CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
        BEGIN SELECT RAISE(ABORT, 'stock history is append-only'); END;
        """,
    )
    # A part's quantity may only become what its newest stock movement says.
    last_after = (
        "coalesce((SELECT quantity_after FROM stock_movements WHERE part_id = NEW.id ORDER BY id DESC LIMIT 1), 0)"
    )
    for event in ("INSERT", "UPDATE OF quantity"):
        name = "parts_quantity_on_" + event.split()[0].lower()
        db.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON parts WHEN NEW.quantity IS NOT {last_after} "
            "BEGIN SELECT RAISE(ABORT, 'quantity changed without a stock movement'); END"
        )
    db.execute(f"CREATE VIRTUAL TABLE parts_fts USING fts5({_FTS_COLUMNS}, tokenize = 'trigram')")
    searchable = (
        "part_name, part_number, manufacturer_part_number, description, supplier, manufacturer, "
        "location_id, additional_properties"
    )
    run_script(
        db,
        f"""
        CREATE TRIGGER parts_fts_insert AFTER INSERT ON parts BEGIN
            INSERT INTO parts_fts (rowid, {_FTS_COLUMNS}) VALUES (NEW.seq, {_fts_values("NEW")});
        END;
        CREATE TRIGGER parts_fts_update AFTER UPDATE OF {searchable} ON parts BEGIN
            DELETE FROM parts_fts WHERE rowid = NEW.seq;
            INSERT INTO parts_fts (rowid, {_FTS_COLUMNS}) VALUES (NEW.seq, {_fts_values("NEW")});
        END;
        CREATE TRIGGER parts_fts_delete AFTER DELETE ON parts BEGIN
            DELETE FROM parts_fts WHERE rowid = OLD.seq;
        END;
        CREATE TRIGGER parts_fts_category_added AFTER INSERT ON part_categories BEGIN
            UPDATE parts_fts SET categories = {_CATEGORIES_OF.format(part_id="NEW.part_id")}
            WHERE rowid = (SELECT seq FROM parts WHERE id = NEW.part_id);
        END;
        CREATE TRIGGER parts_fts_category_removed AFTER DELETE ON part_categories BEGIN
            UPDATE parts_fts SET categories = {_CATEGORIES_OF.format(part_id="OLD.part_id")}
            WHERE rowid = (SELECT seq FROM parts WHERE id = OLD.part_id);
        END;
        CREATE TRIGGER parts_fts_category_renamed AFTER UPDATE OF name ON categories BEGIN
            UPDATE parts_fts SET categories = {_CATEGORIES_OF.format(part_id=_PART_OF_FTS_ROW)}
            WHERE rowid IN (SELECT p.seq FROM parts p JOIN part_categories pc ON pc.part_id = p.id
                            WHERE pc.category_id = NEW.id);
        END;
        CREATE TRIGGER parts_fts_location_moved AFTER UPDATE OF path ON locations BEGIN
            UPDATE parts_fts SET location = mm_fold(NEW.path)
            WHERE rowid IN (SELECT seq FROM parts WHERE location_id = NEW.id);
        END;
        """,
    )


@migrations(name="0003_tasks")
def _tasks(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE tasks (
            id TEXT PRIMARY KEY,
            task_type TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT,
            status TEXT NOT NULL DEFAULT 'PENDING'
                CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'RETRY')),
            priority TEXT NOT NULL DEFAULT 'NORMAL' CHECK (priority IN ('LOW', 'NORMAL', 'HIGH', 'URGENT')),
            progress_percentage INTEGER NOT NULL DEFAULT 0 CHECK (progress_percentage BETWEEN 0 AND 100),
            current_step TEXT,
            input_data TEXT,
            result_data TEXT,
            error_message TEXT,
            max_retries INTEGER NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
            retry_count INTEGER NOT NULL DEFAULT 0,
            timeout_seconds INTEGER CHECK (timeout_seconds IS NULL OR timeout_seconds > 0),
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            started_at TEXT,
            completed_at TEXT,
            created_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL
        );
        CREATE INDEX tasks_queue ON tasks (status, priority, created_at);
        CREATE INDEX tasks_creator ON tasks (created_by_user_id, created_at);
        CREATE INDEX tasks_type ON tasks (task_type, created_at);
        -- When each scheduled job last ran, so a run missed while the Pi was off can be caught up.
        CREATE TABLE schedule_runs (
            job TEXT PRIMARY KEY,
            last_run_at TEXT NOT NULL,
            last_task_id TEXT
        );
        """,
    )


# Electrical fields of the ALORA face: the text as given, and the number in SI units for search.
SPEC_TEXT_FIELDS = (
    "v_max", "i_max", "power_max", "gain_min", "gain_max",
    "rds_on", "vgs_max", "vgs_th", "qg", "ciss",
    "vf", "trr", "cj",
    "v_in_max", "v_out", "i_out_max", "accuracy",
)  # fmt: skip
SPEC_WORD_FIELDS = (
    "marking", "technology", "polarity", "channel", "package",
    "switching_type", "diode_type", "internal_config", "reg_type",
)  # fmt: skip
SPEC_NUMBER_COLUMNS = (
    "v_max_si", "i_max_si", "power_max_si", "gain_min_si", "gain_max_si",
    "rds_on_si", "vgs_max_si", "vgs_th_min_si", "vgs_th_max_si", "qg_si", "ciss_si",
    "vf_si", "trr_si", "cj_si",
    "v_in_max_si", "v_out_si", "i_out_max_si", "accuracy_si",
)  # fmt: skip


def _fts_values_v2(p: str) -> str:
    """0002's search document plus the component's marking, technology, polarity and package."""
    # SQLite 3.40 (Raspberry Pi OS bookworm) has no concat_ws().
    words = " || ' ' || ".join(f"coalesce(s.{f}, '')" for f in ("marking", "technology", "polarity", "package"))
    specs = f"(SELECT {words} FROM component_specs s WHERE s.part_id = {p}.id)"
    props = f"(SELECT group_concat(value, ' ') FROM json_each({p}.additional_properties))"
    return _fts_values(p).replace(
        f"mm_fold({props})", f"mm_fold(coalesce({props}, '') || ' ' || coalesce({specs}, ''))"
    )


@migrations(name="0004_components")
def _components(db: sqlite_utils.Database) -> None:
    words = ", ".join(f"{f} TEXT COLLATE NOCASE" for f in SPEC_WORD_FIELDS)
    texts = ", ".join(f"{f} TEXT" for f in SPEC_TEXT_FIELDS)
    numbers = ", ".join(f"{c} REAL" for c in SPEC_NUMBER_COLUMNS)
    db.execute(
        "CREATE TABLE component_specs ("
        " part_id TEXT PRIMARY KEY REFERENCES parts(id) ON DELETE CASCADE,"
        " category_id TEXT REFERENCES categories(id) ON DELETE SET NULL,"
        " status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),"
        f" {words}, {texts}, {numbers})"
    )
    run_script(
        db,
        """
        CREATE INDEX component_specs_kind ON component_specs (technology, package, v_max_si);
        CREATE INDEX component_specs_polarity ON component_specs (polarity, v_max_si);
        CREATE INDEX component_specs_v_max ON component_specs (v_max_si);
        CREATE INDEX component_specs_i_max ON component_specs (i_max_si);
        CREATE INDEX component_specs_power ON component_specs (power_max_si);
        CREATE INDEX component_specs_category ON component_specs (category_id);
        CREATE INDEX component_specs_marking ON component_specs (marking);

        ALTER TABLE categories ADD COLUMN status TEXT NOT NULL DEFAULT 'ACTIVE'
            CHECK (status IN ('ACTIVE', 'INACTIVE'));

        -- ALORA: a component may exist before anyone records stock for it.
        ALTER TABLE parts ADD COLUMN inventory_tracked INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE parts ADD COLUMN inventory_updated_at TEXT;
        UPDATE parts SET inventory_updated_at = updated_at;
        -- Any change of stock, minimum or place means the part has an inventory record now.
        CREATE TRIGGER parts_inventory_touched AFTER UPDATE OF quantity, min_quantity, location_id
        ON parts BEGIN
            UPDATE parts SET inventory_updated_at = NEW.updated_at,
                inventory_tracked = CASE WHEN NEW.quantity != OLD.quantity OR NEW.min_quantity != OLD.min_quantity
                    OR NEW.location_id IS NOT OLD.location_id THEN 1 ELSE NEW.inventory_tracked END
            WHERE seq = NEW.seq;
        END;

        -- A stable integer id per user for the ALORA face (users.id stays the UUID).
        ALTER TABLE users ADD COLUMN seq INTEGER;
        UPDATE users SET seq = rowid;
        CREATE UNIQUE INDEX users_seq ON users (seq);
        CREATE TRIGGER users_seq_assign AFTER INSERT ON users WHEN NEW.seq IS NULL BEGIN
            UPDATE users SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM users) WHERE id = NEW.id;
        END;

        CREATE TABLE equivalents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            equivalent_part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            reason TEXT NOT NULL DEFAULT '',
            created_by TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (part_id, equivalent_part_id),
            CHECK (part_id != equivalent_part_id)
        );
        CREATE INDEX equivalents_equivalent ON equivalents (equivalent_part_id);

        DROP TRIGGER parts_fts_insert;
        DROP TRIGGER parts_fts_update;
        """,
    )
    searchable = (
        "part_name, part_number, manufacturer_part_number, description, supplier, manufacturer, "
        "location_id, additional_properties"
    )
    refresh = (
        f"DELETE FROM parts_fts WHERE rowid = (SELECT seq FROM parts WHERE id = NEW.part_id); "
        f"INSERT INTO parts_fts (rowid, {_FTS_COLUMNS}) SELECT p.seq, {_fts_values_v2('p')} "
        "FROM parts p WHERE p.id = NEW.part_id;"
    )
    run_script(
        db,
        f"""
        CREATE TRIGGER parts_fts_insert AFTER INSERT ON parts BEGIN
            INSERT INTO parts_fts (rowid, {_FTS_COLUMNS}) VALUES (NEW.seq, {_fts_values_v2("NEW")});
        END;
        CREATE TRIGGER parts_fts_update AFTER UPDATE OF {searchable} ON parts BEGIN
            DELETE FROM parts_fts WHERE rowid = NEW.seq;
            INSERT INTO parts_fts (rowid, {_FTS_COLUMNS}) VALUES (NEW.seq, {_fts_values_v2("NEW")});
        END;
        CREATE TRIGGER parts_fts_specs_insert AFTER INSERT ON component_specs BEGIN {refresh} END;
        CREATE TRIGGER parts_fts_specs_update AFTER UPDATE OF marking, technology, polarity, package
        ON component_specs BEGIN {refresh} END;
        """,
    )


@migrations(name="0005_labels")
def _label_templates(db: sqlite_utils.Database) -> None:
    # Users' own label templates; the built-in ones live in code (labels/templates.py).
    run_script(
        db,
        """
        CREATE TABLE label_templates (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            body TEXT NOT NULL,
            created_by TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
    )


@migrations(name="0006_scans")
def _scans(db: sqlite_utils.Database) -> None:
    # Bags received by scanning: the same bag payload received twice adds stock once (unless forced).
    run_script(
        db,
        """
        CREATE TABLE scan_receipts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            receipt_key TEXT NOT NULL,
            part_id TEXT,
            quantity INTEGER NOT NULL DEFAULT 0,
            action TEXT NOT NULL DEFAULT 'pending',
            payload TEXT NOT NULL,
            user_id TEXT,
            username TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX scan_receipts_key ON scan_receipts (receipt_key);
        """,
    )


@migrations(name="0007_first_category")
def _first_category(db: sqlite_utils.Database) -> None:
    # A part's first category (oldest category it is in), kept by triggers: the ALORA face shows one
    # category per component, and grouping 100 000 parts by a per-row subquery is too slow on a Pi.
    first = (
        "(SELECT pc.category_id FROM part_categories pc JOIN categories c ON c.id = pc.category_id "
        "WHERE pc.part_id = {part} ORDER BY c.seq LIMIT 1)"
    )
    run_script(
        db,
        f"""
        ALTER TABLE parts ADD COLUMN first_category_id TEXT;
        UPDATE parts SET first_category_id = {first.format(part="parts.id")};
        CREATE INDEX parts_first_category ON parts (first_category_id);
        CREATE TRIGGER parts_first_category_added AFTER INSERT ON part_categories BEGIN
            UPDATE parts SET first_category_id = {first.format(part="NEW.part_id")} WHERE id = NEW.part_id;
        END;
        CREATE TRIGGER parts_first_category_removed AFTER DELETE ON part_categories BEGIN
            UPDATE parts SET first_category_id = {first.format(part="OLD.part_id")} WHERE id = OLD.part_id;
        END;
        """,
    )


@migrations(name="0008_location_index")
def _location_index(db: sqlite_utils.Database) -> None:
    # Listing a shelf sorted by stock reads (location, quantity, name) from the index alone.
    db.execute("CREATE INDEX parts_location_quantity ON parts (location_id, quantity, part_name)")


@migrations(name="0009_emoji")
def _emoji(db: sqlite_utils.Database) -> None:
    # MakerMatrix shows an emoji beside a part or a location; its clients send and read `emoji`.
    db.execute("ALTER TABLE parts ADD COLUMN emoji TEXT")
    db.execute("ALTER TABLE locations ADD COLUMN emoji TEXT")


@migrations(name="0010_part_changes")
def _part_changes(db: sqlite_utils.Database) -> None:
    # Moves and edits of a part, shown in its history beside the stock movements (which stay stock only).
    run_script(
        db,
        """
        CREATE TABLE part_changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            part_id TEXT NOT NULL,
            what TEXT NOT NULL,
            source TEXT NOT NULL,
            user_id TEXT,
            username TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX part_changes_part ON part_changes (part_id, id);
        """,
    )


@migrations(name="0011_search_fold_punctuation")
def _search_fold_punctuation(db: sqlite_utils.Database) -> None:
    # mm_fold() now drops punctuation inside words ("Wi-Fi" is indexed as "wifi"): index every part again.
    db.execute("DELETE FROM parts_fts")
    db.execute(f"INSERT INTO parts_fts (rowid, {_FTS_COLUMNS}) SELECT p.seq, {_fts_values_v2('p')} FROM parts p")


@migrations(name="0012_assistant")
def _assistant(db: sqlite_utils.Database) -> None:
    # The agent's log is append-only like the stock history: admins read what the assistant did.
    # The assistant's settings changed through /api/ai/config live in one row over the config file.
    run_script(
        db,
        """
        CREATE TABLE assistant_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            username TEXT,
            kind TEXT NOT NULL,
            action TEXT NOT NULL,
            details TEXT NOT NULL DEFAULT '',
            confidence TEXT,
            tools TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TRIGGER assistant_log_no_update BEFORE UPDATE ON assistant_log
        BEGIN SELECT RAISE(ABORT, 'the assistant log is append-only'); END;
        CREATE TRIGGER assistant_log_no_delete BEFORE DELETE ON assistant_log
        BEGIN SELECT RAISE(ABORT, 'the assistant log is append-only'); END;
        CREATE TABLE assistant_config (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            data TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT
        );
        """,
    )


@migrations(name="0013_orders")
def _orders(db: sqlite_utils.Database) -> None:
    # Imported supplier orders and their lines. An item keeps its part_id after the part is deleted
    # (the order is a record of what was bought); the file's sha256 finds a re-sent file without a number.
    run_script(
        db,
        """
        CREATE TABLE orders (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            order_number TEXT COLLATE NOCASE,
            supplier TEXT NOT NULL COLLATE NOCASE,
            order_date TEXT,
            status TEXT NOT NULL DEFAULT 'imported',
            tracking_number TEXT,
            subtotal REAL,
            tax REAL,
            shipping REAL,
            total REAL,
            currency TEXT NOT NULL DEFAULT 'USD',
            import_source TEXT,
            import_date TEXT NOT NULL,
            notes TEXT,
            filename TEXT,
            file_sha256 TEXT,
            created_by_user_id TEXT,
            created_by_username TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX orders_supplier_number ON orders (supplier, order_number);
        CREATE INDEX orders_file ON orders (file_sha256);
        CREATE TABLE order_items (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
            part_id TEXT,
            row_number INTEGER,
            supplier_part_number TEXT,
            manufacturer_part_number TEXT,
            description TEXT,
            manufacturer TEXT,
            quantity_ordered INTEGER NOT NULL CHECK (quantity_ordered > 0),
            quantity_received INTEGER NOT NULL DEFAULT 0,
            unit_price REAL,
            extended_price REAL,
            package TEXT,
            customer_reference TEXT,
            status TEXT NOT NULL DEFAULT 'received',
            action TEXT NOT NULL,
            properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties))
        );
        CREATE INDEX order_items_order ON order_items (order_id, seq);
        CREATE INDEX order_items_part ON order_items (part_id, seq);
        CREATE TABLE import_config (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    )


@migrations(name="0014_supplier_enrichment")
def _supplier_enrichment(db: sqlite_utils.Database) -> None:
    # Credentials an admin set on the phone page (they win over the config file); never read back by the API.
    # Offers: the supplier's prices and stock as fetched, one row per part and supplier.
    # The enrichment log keeps every field enrichment changed, so a bad enrichment can be seen and undone.
    run_script(
        db,
        """
        CREATE TABLE supplier_credentials (
            supplier TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT,
            PRIMARY KEY (supplier, key)
        ) WITHOUT ROWID;
        CREATE TABLE datasheets (
            id TEXT PRIMARY KEY,
            part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            filename TEXT NOT NULL,
            title TEXT,
            source_url TEXT,
            supplier TEXT,
            size_bytes INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX datasheets_part ON datasheets (part_id);
        CREATE TABLE supplier_offers (
            part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            supplier TEXT NOT NULL,
            supplier_part_number TEXT,
            product_url TEXT,
            currency TEXT,
            price_breaks TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(price_breaks)),
            stock INTEGER,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (part_id, supplier)
        ) WITHOUT ROWID;
        CREATE TABLE enrichment_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            part_id TEXT NOT NULL,
            field TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            supplier TEXT NOT NULL,
            task_id TEXT,
            user_id TEXT,
            username TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX enrichment_log_part ON enrichment_log (part_id, field, id);
        """,
    )


@migrations(name="0015_search_index_changes")
def _search_index_changes(db: sqlite_utils.Database) -> None:
    # Which parts' index rows changed, in order, so remembered match counts catch up on a few rows
    # instead of counting tens of thousands of matches again after every edit
    # (inventory/text_counts.py). One logging trigger beside every trigger that writes parts_fts
    # (a test holds the two sets equal); the newest 8192 entries are kept.
    columns = (
        "part_name, part_number, manufacturer_part_number, description, supplier, manufacturer, "
        "location_id, additional_properties"
    )
    log = "INSERT INTO parts_fts_changes (seq)"
    run_script(
        db,
        f"""
        CREATE TABLE parts_fts_changes (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
        CREATE TRIGGER parts_fts_changes_trim AFTER INSERT ON parts_fts_changes WHEN NEW.id % 1024 = 0 BEGIN
            DELETE FROM parts_fts_changes WHERE id <= NEW.id - 8192;
        END;
        CREATE TRIGGER parts_fts_log_insert AFTER INSERT ON parts BEGIN {log} VALUES (NEW.seq); END;
        CREATE TRIGGER parts_fts_log_update AFTER UPDATE OF {columns} ON parts BEGIN
            {log} VALUES (NEW.seq);
        END;
        CREATE TRIGGER parts_fts_log_delete AFTER DELETE ON parts BEGIN {log} VALUES (OLD.seq); END;
        CREATE TRIGGER parts_fts_log_category_added AFTER INSERT ON part_categories BEGIN
            {log} SELECT seq FROM parts WHERE id = NEW.part_id;
        END;
        CREATE TRIGGER parts_fts_log_category_removed AFTER DELETE ON part_categories BEGIN
            {log} SELECT seq FROM parts WHERE id = OLD.part_id;
        END;
        CREATE TRIGGER parts_fts_log_category_renamed AFTER UPDATE OF name ON categories BEGIN
            {log} SELECT p.seq FROM parts p JOIN part_categories pc ON pc.part_id = p.id
                WHERE pc.category_id = NEW.id;
        END;
        CREATE TRIGGER parts_fts_log_location_moved AFTER UPDATE OF path ON locations BEGIN
            {log} SELECT seq FROM parts WHERE location_id = NEW.id;
        END;
        CREATE TRIGGER parts_fts_log_specs_insert AFTER INSERT ON component_specs BEGIN
            {log} SELECT seq FROM parts WHERE id = NEW.part_id;
        END;
        CREATE TRIGGER parts_fts_log_specs_update AFTER UPDATE OF marking, technology, polarity, package
        ON component_specs BEGIN
            {log} SELECT seq FROM parts WHERE id = NEW.part_id;
        END;
        """,
    )


@migrations(name="0016_supplier_secrets_out_of_database")
def _supplier_secrets_out_of_database(db: sqlite_utils.Database) -> None:
    # Backups carry the database to a USB drive: secret supplier credentials move to
    # <data_dir>/supplier-secrets.json (0600, never archived). Their rows stay with an empty value,
    # so the database still says an admin set them (and a restore elsewhere, which to enter again).
    # An old archive restored later runs this too, and its secrets land in this Pi's file.
    secret = (("digikey", "client_secret"), ("mouser", "api_key"))
    where = " OR ".join("(supplier = ? AND key = ?)" for _ in secret)
    params = [part for pair in secret for part in pair]
    rows = db.execute(f"SELECT supplier, key, value FROM supplier_credentials WHERE value != '' AND ({where})", params)
    found = rows.fetchall()
    if not found:
        return
    main = next((r[2] for r in db.execute("PRAGMA database_list").fetchall() if r[1] == "main"), "")
    if main:  # an in-memory database has no folder and, here, no rows
        store = SecretFile(Path(main).parent / SUPPLIER_SECRETS)
        for supplier, key, value in found:
            store.set(supplier, key, value)
    # Zero the old bytes in the page, or the value would live on in free space and travel in backups.
    before = int(db.execute("PRAGMA secure_delete").fetchone()[0])
    db.execute("PRAGMA secure_delete = ON")
    db.execute(f"UPDATE supplier_credentials SET value = '' WHERE {where}", params)
    db.execute(f"PRAGMA secure_delete = {before}")


@migrations(name="0017_import_undo")
def _import_undo(db: sqlite_utils.Database) -> None:
    # A large import commits in batches (orders/batches.py); one that fails or is cancelled is taken
    # back, parts it created included. Their stock rows may go only while a rollback lists the part
    # in import_undo, inside the rollback's own transaction; every other history row stays append-only.
    run_script(
        db,
        """
        CREATE TABLE import_undo (part_id TEXT PRIMARY KEY) WITHOUT ROWID;
        DROP TRIGGER stock_movements_no_delete;
        CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
        WHEN NOT EXISTS (SELECT 1 FROM import_undo WHERE part_id = OLD.part_id)
        BEGIN SELECT RAISE(ABORT, 'stock history is append-only'); END;
        """,
    )


@migrations(name="0018_drop_search_index_changes")
def _drop_search_index_changes(db: sqlite_utils.Database) -> None:
    # The change log of 0015 kept remembered text-match counts current across edits. Measured at
    # 1 000-100 000 parts it saved a bench nothing it would feel (README, "Exact search totals"):
    # a count is made afresh after an edit, so the log and its triggers go.
    run_script(
        db,
        """
        DROP TRIGGER IF EXISTS parts_fts_log_insert;
        DROP TRIGGER IF EXISTS parts_fts_log_update;
        DROP TRIGGER IF EXISTS parts_fts_log_delete;
        DROP TRIGGER IF EXISTS parts_fts_log_category_added;
        DROP TRIGGER IF EXISTS parts_fts_log_category_removed;
        DROP TRIGGER IF EXISTS parts_fts_log_category_renamed;
        DROP TRIGGER IF EXISTS parts_fts_log_location_moved;
        DROP TRIGGER IF EXISTS parts_fts_log_specs_insert;
        DROP TRIGGER IF EXISTS parts_fts_log_specs_update;
        DROP TRIGGER IF EXISTS parts_fts_changes_trim;
        DROP TABLE IF EXISTS parts_fts_changes;
        """,
    )


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration; returns the names applied (empty when up to date)."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending


def schema_version(db: sqlite_utils.Database) -> str:
    """The name of the newest applied migration."""
    applied = migrations.applied(db)
    return applied[-1].name if applied else ""
