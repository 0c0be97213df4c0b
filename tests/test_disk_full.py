"""A full disk: every write answers 507 with the sentence, health/doctor/STATUS say it, logins still work.

Two ways to fill the disk: SQLite's own `PRAGMA max_page_count` on the writer connection (needs no
privileges; SQLite then raises its real SQLITE_FULL), and a small tmpfs filled to the last byte
(real ENOSPC for SQLite and for files; needs root, skipped where mount is not permitted).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from PIL import Image

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, bearer, login, make_settings
from makermatrix_edge.daemon import build_services
from makermatrix_edge.doctor.host import Host
from makermatrix_edge.doctor.storage import check_data_dir
from makermatrix_edge.errors import DiskFull
from makermatrix_edge.runtime.watchdog import status_line
from makermatrix_edge.services import Services

SENTENCE = re.compile(r"the disk holding (?P<dir>\S+) is full \((?P<mb>\d+) MB free\)")
LONG = "x" * 4000
# Two long texts in one part are longer than a page (4 096 bytes): the write needs a new page whatever
# room an almost empty table has left in its own pages.
LONG_PART = {"part_name": "R1", "description": LONG, "additional_properties": {"notes": LONG}}


def fill_database(services: Services) -> None:
    """Cap the file at its size and take every free page, so the next write that needs a page fails."""
    db = services.db
    db.write_sync(lambda d: d.execute("CREATE TABLE disk_filler (b BLOB)"))
    pages = db.write_sync(lambda d: d.execute("PRAGMA page_count").fetchone()[0])
    db.write_sync(lambda d: d.execute(f"PRAGMA max_page_count = {pages + 4}"))
    for size in (8192, 1024, 100):
        with contextlib.suppress(DiskFull):
            while True:
                db.write_sync(lambda d, n=size: d.execute("INSERT INTO disk_filler VALUES (zeroblob(?))", [n]))


def free_database(services: Services) -> None:
    services.db.write_sync(lambda d: d.execute("PRAGMA max_page_count = 1073741823"))


def refuse_login_writes(d: sqlite_utils.Database) -> None:
    """Make the login's own writes need new pages too (temp triggers live on the writer connection only)."""
    for table, event in (("users", "UPDATE OF last_login"), ("refresh_tokens", "INSERT")):
        d.execute(
            f"CREATE TEMP TRIGGER full_{table} BEFORE {event} ON main.{table} "
            "BEGIN INSERT INTO disk_filler VALUES (zeroblob(100000)); END"
        )


def assert_disk_full(services: Services, response: Any, *, face: str = "api") -> None:
    assert response.status_code == 507, response.text
    body = response.json()
    message = body["message"] if face == "api" else body["detail"]
    if face == "api":
        assert body["status"] == "error"
        assert body["data"] is None or response.request.url.path == "/api/health"
    else:
        assert set(body) == {"detail"}
    match = SENTENCE.fullmatch(message)
    assert match is not None, message
    assert match["dir"] == str(services.settings.data_dir)


def test_a_full_database_answers_507_everywhere_and_logins_still_work(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    services = build_services(make_settings(tmp_path / "data"), clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            h = bearer(login(client, "admin", ADMIN_PASSWORD))
            alora = client.post("/alora/login", data={"username": "admin", "password": ADMIN_PASSWORD})
            ah = bearer(alora.json()["access_token"])
            assert client.get("/api/health", headers=h).json()["message"] == "Healthy"
            fill_database(services)

            part = client.post("/api/parts/add_part", json=LONG_PART, headers=h)
            assert_disk_full(services, part)
            component = client.post("/alora/components", json={"part_number": "Q1", "notes": LONG}, headers=ah)
            assert_disk_full(services, component, face="alora")
            names = client.get("/api/parts/get_all_parts", headers=h).json()["data"]
            assert all(p["part_name"] not in ("R1", "Q1") for p in names)  # nothing half-written

            health = client.get("/api/health", headers=h)  # the details need a login
            assert_disk_full(services, health)
            assert health.json()["data"]["devices"]["data_disk"]["state"] == "error"
            line = status_line(8080, services.devices, services.status_fragments)
            assert "DISK FULL: the disk holding" in line
            diagnostics = client.get("/api/utility/diagnostics", headers=h).json()["data"]["checks"]
            disk = next(c for c in diagnostics if c["name"] == "data_disk device")
            assert disk["level"] != "ok" and SENTENCE.search(disk["message"])

            # A login whose last_login and refresh token cannot be recorded still logs in.
            services.db.write_sync(refuse_login_writes)
            token = login(client, "admin", ADMIN_PASSWORD)
            assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
            again = client.post("/alora/login", data={"username": "admin", "password": ADMIN_PASSWORD})
            assert again.status_code == 200, again.text
            assert "last_login of admin not recorded" in caplog.text  # the writes did fail
            assert "refresh token for" in caplog.text and "not recorded" in caplog.text
            services.db.write_sync(lambda d: d.execute("DROP TRIGGER temp.full_users"))
            services.db.write_sync(lambda d: d.execute("DROP TRIGGER temp.full_refresh_tokens"))

            # Room again: the next write works and health is healthy again.
            free_database(services)
            ok = client.post("/api/parts/add_part", json=LONG_PART, headers=h)
            assert ok.status_code == 200, ok.text
            assert client.get("/api/health", headers=h).json()["message"] == "Healthy"
            assert "DISK FULL" not in status_line(8080, services.devices, services.status_fragments)
    finally:
        services.close()


def test_a_commit_that_fails_leaves_the_writer_usable(tmp_path: Path, clock: FakeClock) -> None:
    """A write refused for lack of space is rolled back whole; the next transaction starts cleanly."""
    services = build_services(make_settings(tmp_path / "data"), clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        fill_database(services)
        with pytest.raises(DiskFull, match=SENTENCE.pattern):
            services.db.write_sync(lambda d: d.execute("INSERT INTO disk_filler VALUES (zeroblob(50000))"))
        assert services.db.disk_full and services.disk.problem() is not None
        free_database(services)
        services.db.write_sync(lambda d: d.execute("INSERT INTO disk_filler VALUES (zeroblob(50000))"))
        assert not services.db.disk_full and services.disk.problem() is None
    finally:
        services.close()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MB tmpfs, unmounted afterwards; skipped where mounting is not allowed (not root, containers)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill_disk(folder: Path) -> Path:
    """Write a file until the filesystem says ENOSPC."""
    filler = folder / "filler"
    # Unbuffered: a buffered file would keep the bytes that did not fit and raise ENOSPC again on close.
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


@pytest.mark.daemon
def test_a_really_full_disk(tiny_disk: Path, clock: FakeClock) -> None:
    data = tiny_disk / "data"
    services = build_services(make_settings(data), clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            h = bearer(login(client, "admin", ADMIN_PASSWORD))
            # Empty the WAL (as a quiet daemon's checkpoint does), so that any write must grow a file.
            services.db._writer.submit(services.db._checkpoint).result()
            filler = fill_disk(tiny_disk)

            assert_disk_full(services, client.post("/api/parts/add_part", json={"part_name": "R1"}, headers=h))
            picture = io.BytesIO()
            Image.new("RGB", (64, 64), (1, 2, 3)).save(picture, "PNG")
            files = {"file": ("a.png", picture.getvalue(), "image/png")}
            upload = client.post("/api/utility/upload_image", files=files, headers=h)
            assert_disk_full(services, upload)  # ENOSPC from a file write: the same answer

            token = login(client, "admin", ADMIN_PASSWORD)  # logs in; last_login is not recorded
            assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200

            assert_disk_full(services, client.get("/api/health", headers=h))
            check = check_data_dir(Host(data_dir=data, identity=lambda: (0, {0})))
            assert check.level == "fail" and SENTENCE.fullmatch(check.message), check
            assert "DISK FULL" in status_line(8080, services.devices, services.status_fragments)

            filler.unlink()
            assert client.post("/api/parts/add_part", json={"part_name": "R1"}, headers=h).status_code == 200
            assert client.get("/api/health", headers=h).json()["message"] == "Healthy"
    finally:
        services.close()
