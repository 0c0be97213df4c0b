"""Built-in roles and the permission strings of the MakerMatrix API."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

ADMIN = "admin"  # the permission that grants everything
ADMIN_ROLE = "admin"  # the built-in role that holds it

# Every permission a route may require. "admin" grants all of them; "<area>:*" grants an area.
PERMISSIONS: dict[str, str] = {
    "parts:read": "View parts and their history",
    "parts:write": "Create and update parts, change quantities",
    "parts:delete": "Delete parts",
    "categories:read": "View categories",
    "categories:write": "Create and update categories",
    "categories:delete": "Delete categories",
    "locations:read": "View storage locations",
    "locations:write": "Create and update locations",
    "locations:delete": "Delete locations",
    "projects:read": "View projects and their bills of materials",
    "projects:create": "Create projects",
    "projects:update": "Edit projects, their parts and BOMs",
    "projects:delete": "Delete projects",
    "users:read": "View user accounts",
    "users:write": "Create and update user accounts",
    "users:delete": "Delete user accounts",
    "tasks:read": "View background tasks",
    "tasks:write": "Create and cancel background tasks",
    "tasks:admin": "Start and stop the task worker",
    "csv:import": "Import supplier order files",
    "printer:use": "Print labels",
    "printer:admin": "Configure the printer and label templates",
    "backup:manage": "Create, download and restore backups",
    "tags:read": "View tags and what carries them",
    "tags:write": "Create and edit tags",
    "tags:assign": "Put tags on parts and tools and take them off",
    "tags:delete": "Delete, merge and clean up tags",
    "tools:read": "View shared tools, who has them and their maintenance",
    "tools:write": "Create and edit tools, record maintenance",
    "tools:use": "Check tools out and return them",
    "tools:delete": "Delete tools and maintenance records",
    ADMIN: "Full administrative access",
}

_NAMESPACE = uuid.UUID("8a3c1f52-6f0e-4c1a-9a57-3f7f2d1e0b11")


@dataclass(frozen=True)
class BuiltinRole:
    name: str
    description: str
    permissions: frozenset[str]

    @property
    def id(self) -> str:
        """Stable across installs, so backups and API clients can rely on it."""
        return str(uuid.uuid5(_NAMESPACE, f"role:{self.name}"))


BUILTIN_ROLES: tuple[BuiltinRole, ...] = (
    BuiltinRole("admin", "Everything, including users and backups", frozenset({ADMIN})),
    BuiltinRole(
        "manager",
        "Runs the inventory: parts, categories, locations, imports, printing",
        frozenset(
            {
                "parts:*",
                "categories:*",
                "locations:*",
                "projects:*",
                "tasks:read",
                "tasks:write",
                "csv:import",
                "printer:use",
                "users:read",
                "tags:*",
                "tools:*",
            }
        ),
    ),
    BuiltinRole(
        "user",
        "Works at the bench: finds parts, takes and adds stock, prints labels",
        frozenset(
            {
                "parts:read",
                "parts:write",
                "categories:read",
                "locations:read",
                "projects:read",
                "tasks:read",
                "tasks:write",
                "printer:use",
                "tags:read",
                "tags:assign",
                "tools:read",
                "tools:use",
            }
        ),
    ),
    BuiltinRole(
        "viewer",
        "Looks things up, changes nothing",
        frozenset(
            {
                "parts:read",
                "categories:read",
                "locations:read",
                "projects:read",
                "tasks:read",
                "tags:read",
                "tools:read",
            }
        ),
    ),
)
ROLE_NAMES = tuple(r.name for r in BUILTIN_ROLES)


def role_key(name: str) -> str:
    """The one form in which role names are compared: 'Admin', ' ADMIN' and 'admin' are one role.

    The roles table is UNIQUE COLLATE NOCASE, so two names that differ only in case cannot both
    exist; every lookup and check must fold the same way or a case variant slips past a check.
    """
    return name.strip().casefold()


def expand(granted: Iterable[str]) -> frozenset[str]:
    """The concrete permissions a set of grants (with 'admin' and 'area:*') amounts to."""
    grants = set(granted)
    if ADMIN in grants:
        return frozenset(PERMISSIONS)
    out = {p for p in grants if p in PERMISSIONS}
    for grant in grants:
        if grant.endswith(":*"):
            area = grant[:-1]
            out.update(p for p in PERMISSIONS if p.startswith(area))
    return frozenset(out)


def allows(permissions: frozenset[str], needed: str) -> bool:
    return ADMIN in permissions or needed in permissions
