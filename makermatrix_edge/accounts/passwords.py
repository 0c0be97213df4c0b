"""bcrypt hashing off the event loop, with bounded parallelism (bcrypt at cost 12 takes ~1 s on a Pi)."""

from __future__ import annotations

import asyncio

import bcrypt

from makermatrix_edge.errors import InvalidInput

BCRYPT_MAX_BYTES = 72


def check_password(password: str, min_length: int, field: str = "password") -> None:
    """Raise InvalidInput naming the field when a new password is unacceptable."""
    if len(password) < min_length:
        raise InvalidInput(f"must be at least {min_length} characters", field)
    if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        raise InvalidInput(f"must be at most {BCRYPT_MAX_BYTES} bytes (a bcrypt limit)", field)
    if password.strip() == "":
        raise InvalidInput("must not be only spaces", field)


class PasswordHasher:
    def __init__(self, cost: int, max_parallel: int = 2) -> None:
        self.cost = cost
        self._slots = asyncio.Semaphore(max_parallel)
        self._dummy: bytes | None = None

    def hash_sync(self, password: str) -> str:
        return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(self.cost)).decode("ascii")

    @staticmethod
    def verify_sync(password: str, hashed: str) -> bool:
        encoded = password.encode("utf-8")
        if len(encoded) > BCRYPT_MAX_BYTES:
            return False
        try:
            return bcrypt.checkpw(encoded, hashed.encode("ascii"))
        except ValueError:  # a corrupt stored hash never matches
            return False

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self.hash_sync, password)

    async def verify(self, password: str, hashed: str | None) -> bool:
        """Check a password; with hashed=None spend the same time and answer False (no user oracle)."""
        async with self._slots:
            if hashed is None:
                if self._dummy is None:
                    self._dummy = (await asyncio.to_thread(self.hash_sync, "not-a-real-password")).encode()
                await asyncio.to_thread(self.verify_sync, password, self._dummy.decode())
                return False
            return await asyncio.to_thread(self.verify_sync, password, hashed)
