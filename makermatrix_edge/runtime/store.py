"""What the scheduler and the supervisor need of the database: run a function on its threads.

db.gateway.Database is the one implementation. runtime sits below db (db uses runtime's disk-space
words), so these name the two methods they call instead of importing the class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import sqlite_utils

T = TypeVar("T")


class Store(Protocol):
    async def read(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run `fn` on a reader thread (a WAL snapshot)."""
        ...

    async def write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run `fn` on the writer thread, in one transaction."""
        ...
