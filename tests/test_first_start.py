from __future__ import annotations

import stat
from pathlib import Path

import pytest

from conftest import FakeClock, make_settings
from makermatrix_edge.accounts.tokens import load_or_create_secret
from makermatrix_edge.daemon import build_services


def test_first_start_writes_random_admin_password_0600_and_flags_it(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path), clock=FakeClock(), admin_password=None)
    try:
        path = tmp_path / "initial-admin-password"
        assert services.initial_password_file == path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        password = path.read_text().strip()
        assert len(password) >= 12 and password not in ("admin", "Admin123!")
        row = services.db.read_sync(lambda d: dict(d.execute("SELECT * FROM users").fetchone()))
        assert row["username"] == "admin" and row["password_change_required"] == 1
        assert password not in row["hashed_password"] and row["hashed_password"].startswith("$2")
    finally:
        services.close()
    # Second start: nothing new is made, the file is not rewritten.
    again = build_services(make_settings(tmp_path), clock=FakeClock(), admin_password=None)
    try:
        assert again.initial_password_file is None
        assert again.db.read_sync(lambda d: d.execute("SELECT count(*) FROM users").fetchone()[0]) == 1
    finally:
        again.close()


def test_env_password_is_used_and_not_flagged(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path), clock=FakeClock(), admin_password="from-the-env-1")
    try:
        assert services.initial_password_file is None
        assert not (tmp_path / "initial-admin-password").exists()
        flag = services.db.read_sync(lambda d: d.execute("SELECT password_change_required FROM users").fetchone()[0])
        assert flag == 0
    finally:
        services.close()


def test_too_short_env_password_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="at least 8"):
        build_services(make_settings(tmp_path), clock=FakeClock(), admin_password="short")


def test_secret_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    key = load_or_create_secret(path)
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    assert load_or_create_secret(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("not hex")
    with pytest.raises(ValueError, match="delete it"):
        load_or_create_secret(path)
