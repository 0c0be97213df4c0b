"""Users, roles (the four built-in ones as rows), refresh tokens, API keys."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script

# The built-in roles as rows (the values of accounts/roles.BUILTIN_ROLES when they became data here):
# a migration must not change when live code changes. Admins edit the rows afterwards (role_admin);
# tests/test_migrations.py says whether a new database's roles still equal BUILTIN_ROLES.
_ROLES = (
    ("89db0a69-3a9b-5bb7-87a1-aaae473bbe5f", "admin", "Everything, including users and backups", '["admin"]'),
    (
        "1e9a7655-7f1c-5759-b22c-1f15c89ed5a9",
        "manager",
        "Runs the inventory: parts, categories, locations, imports, printing",
        '["categories:*", "csv:import", "locations:*", "parts:*", "printer:use", "tasks:read", "tasks:write", '
        '"users:read"]',
    ),
    (
        "e905fdd5-f3f5-5a9c-b0d3-36497449c467",
        "user",
        "Works at the bench: finds parts, takes and adds stock, prints labels",
        '["categories:read", "locations:read", "parts:read", "parts:write", "printer:use", "tasks:read", '
        '"tasks:write"]',
    ),
    (
        "a02daad1-57e3-5b64-86e6-530e52516de4",
        "viewer",
        "Looks things up, changes nothing",
        '["categories:read", "locations:read", "parts:read", "tasks:read"]',
    ),
)


def migrate(db: sqlite_utils.Database) -> None:
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
    for role in _ROLES:
        db.execute("INSERT INTO roles (id, name, description, permissions) VALUES (?, ?, ?, ?)", list(role))
