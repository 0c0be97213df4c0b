"""The scheduler: crontab meaning, catch-up of a missed run, and APScheduler firing on a moved clock."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import pytest

from conftest import FakeClock
from makermatrix_edge.clock import iso
from makermatrix_edge.runtime.scheduler import Job, Scheduler, crontab
from makermatrix_edge.settings import ConfigError
from tasks_support import task_app, wait_task

SUNDAY_0400 = datetime(2026, 3, 1, 4, 0, tzinfo=UTC).timestamp()  # 2026-03-01 is a Sunday
WEEKLY = {"timezone": "UTC", "database_cleanup": True, "database_cleanup_cron": "30 3 * * 0"}


def _next(expr: str, after: datetime) -> datetime:
    fire = crontab(expr, UTC).get_next_fire_time(None, after)
    assert fire is not None
    return fire  # type: ignore[no-any-return]


def test_crontab_weekdays_count_from_sunday_as_in_cron() -> None:
    wednesday = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert _next("30 3 * * 0", wednesday) == datetime(2026, 3, 8, 3, 30, tzinfo=UTC)  # Sunday
    assert _next("30 3 * * 7", wednesday) == datetime(2026, 3, 8, 3, 30, tzinfo=UTC)
    assert _next("0 9 * * 1-5", datetime(2026, 3, 6, 10, 0, tzinfo=UTC)).weekday() == 0  # Fri -> Mon
    assert _next("0 9 * * sat", wednesday).weekday() == 5
    assert _next("0 0 * * */3", wednesday) == datetime(2026, 3, 7, 0, 0, tzinfo=UTC)  # Sun, Wed, Sat
    for bad in ("30 3 * *", "99 3 * * 0", "0 0 * * 8"):
        with pytest.raises(ValueError):
            crontab(bad, UTC)


def _scheduler(cron: str = "30 3 * * 0", timezone: str = "UTC") -> Scheduler:
    async def run() -> str | None:
        return None

    return Scheduler(None, FakeClock(), [Job("database_cleanup", cron, run)], timezone=timezone, catch_up_seconds=86400)  # type: ignore[arg-type]


def test_bad_cron_or_time_zone_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"schedule\.database_cleanup_cron"):
        _scheduler(cron="every sunday")
    with pytest.raises(ConfigError, match=r"schedule\.timezone: unknown time zone 'Mars/Base'"):
        _scheduler(timezone="Mars/Base")


def test_missed_run_only_within_the_catch_up_window() -> None:
    scheduler = _scheduler()
    last_week = datetime(2026, 2, 22, 3, 30, 5, tzinfo=UTC).timestamp()
    assert scheduler.missed_run("database_cleanup", last_week, SUNDAY_0400) == datetime(2026, 3, 1, 3, 30, tzinfo=UTC)
    saturday = datetime(2026, 2, 28, 12, 0, tzinfo=UTC).timestamp()
    assert scheduler.missed_run("database_cleanup", last_week, saturday) is None  # nothing was due yet
    monday_late = datetime(2026, 3, 2, 4, 0, tzinfo=UTC).timestamp()
    assert scheduler.missed_run("database_cleanup", last_week, monday_late) is None  # 24.5 h late: skipped
    just_ran = datetime(2026, 3, 1, 3, 30, 1, tzinfo=UTC).timestamp()
    assert scheduler.missed_run("database_cleanup", just_ran, SUNDAY_0400) is None


def _runs(path: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM schedule_runs")]


def test_a_run_missed_while_off_runs_once_at_start(tmp_path: Path, clock: FakeClock) -> None:
    clock.now = SUNDAY_0400 - 8 * 86400
    with task_app(tmp_path, clock, schedule=WEEKLY) as (client, services, admin):
        tasks = client.get("/api/tasks/", headers={"Authorization": f"Bearer {admin}"}).json()
        assert tasks["total_parts"] == 0  # a first start only notes the time
    db_path = services.db.path
    assert [r["last_task_id"] for r in _runs(db_path)] == [None]

    clock.now = SUNDAY_0400  # the Pi was off over Sunday 03:30
    with task_app(tmp_path, clock, schedule=WEEKLY) as (client, _, admin):
        listed = client.get("/api/tasks/", headers={"Authorization": f"Bearer {admin}"}).json()["data"]
        assert [(t["task_type"], t["created_by_user_id"]) for t in listed] == [("database_cleanup", None)]
        assert listed[0]["name"] == "Scheduled: Database cleanup"
        wait_task(client, admin, listed[0]["id"], "completed")
    assert _runs(db_path)[0] == {
        "job": "database_cleanup",
        "last_run_at": iso(SUNDAY_0400),
        "last_task_id": listed[0]["id"],
    }

    with task_app(tmp_path, clock, schedule=WEEKLY) as (client, _, admin):  # started again: nothing more
        assert client.get("/api/tasks/", headers={"Authorization": f"Bearer {admin}"}).json()["total_parts"] == 1


class _Clocked(datetime):
    """datetime whose now() is the test's FakeClock: APScheduler 3 reads the time only through it."""

    clock: FakeClock

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Any:
        return datetime.fromtimestamp(cls.clock(), tz)


def test_apscheduler_fires_the_job_when_the_clock_reaches_it(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _Clocked.clock = clock
    monkeypatch.setattr("apscheduler.schedulers.base.datetime", _Clocked)
    monkeypatch.setattr("apscheduler.executors.base.datetime", _Clocked)
    clock.now = SUNDAY_0400 - 2
    daily = {**WEEKLY, "database_cleanup_cron": "0 4 * * *"}
    with task_app(tmp_path, clock, schedule=daily) as (client, services, admin):
        [job] = services.scheduler.jobs()
        assert job["next_run_at"] == "2026-03-01T04:00:00+00:00"
        services.scheduler.wakeup()
        time.sleep(0.1)
        h = {"Authorization": f"Bearer {admin}"}
        assert client.get("/api/tasks/", headers=h).json()["total_parts"] == 0  # not yet
        clock.advance(3)
        services.scheduler.wakeup()
        fired = _wait_for_task(client, h)
        wait_task(client, admin, fired["id"], "completed")
        assert services.scheduler.jobs()[0]["next_run_at"] == "2026-03-02T04:00:00+00:00"
        assert _runs(services.db.path)[0]["last_task_id"] == fired["id"]


def _wait_for_task(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        data = client.get("/api/tasks/", headers=headers).json()["data"]
        if data:
            return dict(data[0])
        time.sleep(0.02)
    raise AssertionError("the scheduled job created no task")
