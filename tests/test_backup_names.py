"""Backup names are claimed, never reused: parallel backups and quick restores keep every file they wrote."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from conftest import FakeClock, bearer
from makermatrix_edge.backups.service import BackupOptions, BackupService
from makermatrix_edge.backups.writing import Claim, claim, sweep_partials
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.devices.usbdrive import make_drive
from tasks_support import task_app, wait_task


def test_three_parallel_creates_in_one_second_each_report_the_file_they_wrote(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (client, _, admin):
        # The clock stands still: all three are named for the same second.
        ids = []
        for _ in range(3):
            created = client.post("/api/utility/backup/create", headers=bearer(admin))
            assert created.status_code == 200, created.text
            ids.append(created.json()["data"]["task_id"])
        results = [wait_task(client, admin, t, "completed", timeout=60)["result_data"] for t in ids]
    written = [r["filename"] for r in results]
    assert len(set(written)) == 3, written
    for result in results:
        assert result["filename"] not in result["pruned"]  # never the file this very task wrote
    pruned = [name for r in results for name in r["pruned"]]
    left = {p.name for p in drive.glob("*.zip")}
    # Every file a task reports was written once: it is still there or a later task pruned it.
    assert sorted(pruned + sorted(left)) == sorted(written)
    # Retention keeps the newest of the day: the one written last, the highest number.
    auto = re.compile(r"makermatrix_backup_\d{8}_\d{6}(?:_(\d+))?\.zip")
    numbers = {name: int(match[1] or 1) for name in written if (match := auto.fullmatch(name))}
    assert sorted(numbers.values()) == [1, 2, 3]
    assert left == {max(numbers, key=numbers.__getitem__)}


def test_claims_from_many_threads_get_distinct_names_and_never_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "nightly.zip").write_bytes(b"written before")
    (tmp_path / "nightly_3.zip").write_bytes(b"written before")
    claims: list[Claim] = []
    start = threading.Barrier(8)

    def take() -> None:
        start.wait()
        claims.append(claim(tmp_path, "nightly"))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = sorted((c.final.name for c in claims), key=lambda n: int(n[len("nightly_") : -4]))
    assert got == [f"nightly_{n}.zip" for n in range(4, 12)]
    assert all(c.partial.is_file() for c in claims)  # the claim is the partial itself, made with O_EXCL
    for c in claims:
        c.release()
    assert (tmp_path / "nightly.zip").read_bytes() == b"written before"


def test_a_held_claim_survives_a_sweep_and_a_stale_partial_does_not(tmp_path: Path) -> None:
    base = "makermatrix_backup_20260101_023000"
    held = claim(tmp_path, base)  # e.g. the daemon writing while `makermatrix-edge backup` starts
    stale = tmp_path / f"{base}_7.zip.partial"  # left by a pulled drive: nobody holds it
    stale.write_bytes(b"half")
    assert sweep_partials(tmp_path) == [stale.name]
    assert held.partial.is_file()
    second = claim(tmp_path, base)
    assert second.final.name == f"{base}_2.zip"  # the held name is taken, the swept one is gone
    held.release()
    second.release()
    assert not list(tmp_path.glob("*.partial"))  # a claim given back takes its empty partial along


def test_two_offline_restores_in_one_second_keep_both_safety_copies(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (_, services, _):
        good = Path(services.backups.create(BackupOptions(backup_name="good")).path)
        settings = services.settings
    # What `makermatrix-edge restore` builds, with a clock that stands still (the daemon is stopped).
    service = BackupService(
        settings,
        Database(settings.data_dir / "makermatrix.db"),
        make_drive(settings.backup, settings.data_dir),
        clock,
    )
    first = service.restore_offline(good)
    second = service.restore_offline(good)
    assert first.safety_backup and second.safety_backup
    assert first.safety_backup != second.safety_backup
    kept = settings.data_dir / "backups"
    assert (kept / first.safety_backup).stat().st_size > 0 and (kept / second.safety_backup).stat().st_size > 0
