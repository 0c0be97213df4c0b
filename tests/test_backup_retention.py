"""Retention: 7 daily, 4 weekly, 6 monthly over a simulated year; never foreign files, never the newest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import ADMIN_PASSWORD, FakeClock, make_settings
from makermatrix_edge.backups import retention
from makermatrix_edge.backups.service import BackupOptions
from makermatrix_edge.daemon import build_services


def _night(folder: Path, day: date) -> str:
    """What one nightly run leaves behind: a verified file, recorded in the ledger, then pruning."""
    at = datetime(day.year, day.month, day.day, 2, 30, tzinfo=UTC)
    name = at.strftime("makermatrix_backup_%Y%m%d_%H%M%S.zip")
    (folder / name).write_bytes(b"zip")
    retention.record(folder, name, retention.LedgerEntry(created_at=at.isoformat(), size_bytes=3, verified=True))
    retention.prune(folder, daily=7, weekly=4, monthly=6)
    return name


@pytest.mark.slow
def test_a_year_of_nights_keeps_exactly_the_right_files(tmp_path: Path) -> None:
    folder = tmp_path / "drive"
    folder.mkdir()
    foreign = ["holiday.zip", "makermatrix_backup_20250101_023000.zip", "notes.txt"]  # the 2nd: same pattern
    for name in foreign:
        (folder / name).write_bytes(b"not ours")
    manual = "before_rework.zip"
    (folder / manual).write_bytes(b"zip")
    retention.record(
        folder, manual, retention.LedgerEntry(created_at="2026-02-01T10:00:00+00:00", size_bytes=3, verified=True)
    )

    day = date(2026, 1, 1)
    while day <= date(2026, 12, 31):
        _night(folder, day)
        day += timedelta(days=1)

    daily = [date(2026, 12, d) for d in range(25, 32)]
    weekly = [date(2026, 12, 27), date(2026, 12, 20), date(2026, 12, 13)]  # ISO weeks 52, 51, 50; 53 is Dec 31
    monthly = [date(2026, 11, 30), date(2026, 10, 31), date(2026, 9, 30), date(2026, 8, 31), date(2026, 7, 31)]
    expected = {d.strftime("makermatrix_backup_%Y%m%d_023000.zip") for d in daily + weekly + monthly}
    left = {p.name for p in folder.iterdir()} - {retention.LEDGER}
    assert left == expected | set(foreign) | {manual}
    assert len(expected) == 14  # Dec 27 (week 52) and Dec 31 (week 53, December) are also dailies


def test_newest_verified_is_kept_even_with_zero_retention(tmp_path: Path) -> None:
    folder = tmp_path / "drive"
    folder.mkdir()
    for d in (1, 2, 3):
        at = datetime(2026, 5, d, 2, 30, tzinfo=UTC)
        name = at.strftime("makermatrix_backup_%Y%m%d_%H%M%S.zip")
        (folder / name).write_bytes(b"zip")
        retention.record(folder, name, retention.LedgerEntry(created_at=at.isoformat(), size_bytes=3, verified=True))
    unverified = "makermatrix_backup_20260504_023000.zip"
    (folder / unverified).write_bytes(b"zip")
    entry = retention.LedgerEntry(created_at="2026-05-04T02:30:00+00:00", size_bytes=3, verified=False)
    retention.record(folder, unverified, entry)
    deleted = retention.prune(folder, daily=0, weekly=0, monthly=0)
    assert deleted == ["makermatrix_backup_20260501_023000.zip", "makermatrix_backup_20260502_023000.zip"]
    assert {p.name for p in folder.glob("*.zip")} == {"makermatrix_backup_20260503_023000.zip", unverified}


def test_the_service_prunes_the_target_it_actually_wrote(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    settings = make_settings(
        tmp_path / "data", backup={"target": str(drive), "keep_daily": 2, "keep_weekly": 0, "keep_monthly": 0}
    )
    clock.now = datetime(2026, 6, 1, 2, 30, tzinfo=UTC).timestamp()
    services = build_services(settings, clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        results = []
        for _ in range(4):
            results.append(services.backups.create(BackupOptions()))
            clock.advance(86400)
    finally:
        services.close()
    assert results[-1].pruned == [results[1].filename]
    assert sorted(p.name for p in drive.glob("*.zip")) == [results[2].filename, results[3].filename]
    assert not (settings.data_dir / "backups").exists()  # nothing went anywhere else
