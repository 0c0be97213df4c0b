"""Cron jobs on the daemon's event loop (APScheduler 3.x AsyncIOScheduler).

Each job only starts work (it creates a task), so scheduled work shows in the task list and on
the WebSocket like any other. When a job last ran is kept in `schedule_runs`; a run missed
while the Pi was off is made up once at start if it is at most `catch_up_seconds` old.
Cron expressions are standard crontab (weekday 0 or 7 = Sunday), translated for APScheduler 3,
which counts weekdays from Monday.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlite_utils
import tzlocal
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from makermatrix_edge.clock import Clock, iso, parse_iso
from makermatrix_edge.runtime.store import Store
from makermatrix_edge.settings import ConfigError

log = logging.getLogger(__name__)
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NUMERIC = re.compile(r"(\*|\d+)(?:-(\d+))?(?:/(\d+))?")


@dataclass(frozen=True)
class Job:
    name: str  # also the [schedule] key prefix, e.g. "database_cleanup"
    cron: str
    run: Callable[[], Awaitable[str | None]]  # starts the work; returns the id of the task it created


def _weekdays(field: str) -> str:
    """Standard crontab weekdays (0-7, Sunday first) as names APScheduler reads the same way."""
    if field in ("*", "?"):
        return "*"
    names: list[str] = []
    for part in field.split(","):
        match = _NUMERIC.fullmatch(part)
        if match is None:
            names.append(part)  # names such as mon-fri mean the same to both
            continue
        start, end, step = match.groups()
        low = 0 if start == "*" else int(start)
        high = 6 if start == "*" else int(end) if end else (7 if step else low)
        if high > 7 or low > high:
            raise ValueError(f"weekday {part!r} is not within 0-7")
        names.extend(_WEEKDAYS[n % 7] for n in range(low, high + 1, int(step or 1)))
    return ",".join(dict.fromkeys(names))


def crontab(expr: str, tz: tzinfo) -> CronTrigger:
    """A CronTrigger from a 5-field crontab expression: minute hour day month weekday."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"{expr!r} needs 5 fields (minute hour day month weekday), not {len(fields)}")
    minute, hour, day, month, weekday = fields
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=_weekdays(weekday), timezone=tz)


def zone(name: str) -> tzinfo:
    if not name:
        return tzlocal.get_localzone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"schedule.timezone: unknown time zone {name!r}") from None


def _baseline(name: str, at: str) -> Callable[[sqlite_utils.Database], None]:
    def write(db: sqlite_utils.Database) -> None:
        db.execute("INSERT OR IGNORE INTO schedule_runs (job, last_run_at) VALUES (?, ?)", [name, at])

    return write


class Scheduler:
    def __init__(self, db: Store, clock: Clock, jobs: Sequence[Job], *, timezone: str, catch_up_seconds: int) -> None:
        self._db = db
        self._clock = clock
        self._tz = zone(timezone)
        self._grace = timedelta(seconds=catch_up_seconds)
        self._jobs = {job.name: job for job in jobs}
        self._triggers: dict[str, CronTrigger] = {}
        for job in jobs:
            try:
                self._triggers[job.name] = crontab(job.cron, self._tz)
            except ValueError as exc:
                raise ConfigError(f"schedule.{job.name}_cron: {exc}") from None
        self._aps: AsyncIOScheduler | None = None

    async def start(self) -> None:
        aps = AsyncIOScheduler(
            timezone=self._tz, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        )
        for name, trigger in self._triggers.items():
            aps.add_job(self.fire, trigger=trigger, args=[name], id=name, name=name)
        aps.start()
        self._aps = aps
        await self._catch_up()

    async def stop(self) -> None:
        aps, self._aps = self._aps, None
        if aps is not None and aps.running:
            aps.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a callback on the loop

    def wakeup(self) -> None:
        """Let APScheduler look for due jobs now (tests move the clock and call this)."""
        if self._aps is not None:
            self._aps.wakeup()

    async def fire(self, name: str) -> str | None:
        """Run one job now and record the run."""
        try:
            task_id = await self._jobs[name].run()
        except Exception:
            log.exception("scheduled job %s failed to start", name)
            return None
        now = iso(self._clock())
        await self._db.write(
            lambda db: db.execute(
                "INSERT INTO schedule_runs (job, last_run_at, last_task_id) VALUES (?, ?, ?) "
                "ON CONFLICT (job) DO UPDATE SET last_run_at = excluded.last_run_at, "
                "last_task_id = excluded.last_task_id",
                [name, now, task_id],
            )
        )
        log.info("scheduled job %s started task %s", name, task_id)
        return task_id

    def missed_run(self, name: str, last_run: float, now: float) -> datetime | None:
        """The newest fire time after `last_run` and not after `now`, if within the catch-up window."""
        trigger = self._triggers[name]
        now_dt = datetime.fromtimestamp(now, self._tz)
        start = max(datetime.fromtimestamp(last_run, self._tz) + timedelta(seconds=1), now_dt - self._grace)
        latest = None
        fire = trigger.get_next_fire_time(None, start)
        while fire is not None and fire <= now_dt:
            latest = fire
            fire = trigger.get_next_fire_time(None, fire + timedelta(seconds=1))
        return latest

    async def _catch_up(self) -> None:
        def load(db: sqlite_utils.Database) -> dict[str, str]:
            return {r[0]: r[1] for r in db.execute("SELECT job, last_run_at FROM schedule_runs").fetchall()}

        last_runs = await self._db.read(load)
        now = self._clock()
        for name in self._jobs:
            if name not in last_runs:  # first start with this job: runs count from now
                await self._db.write(_baseline(name, iso(now)))
                continue
            missed = self.missed_run(name, parse_iso(last_runs[name]), now)
            if missed is not None:
                log.info("scheduled job %s missed its run at %s while the daemon was off; running it now", name, missed)
                await self.fire(name)

    def jobs(self) -> list[dict[str, Any]]:
        out = []
        for name, job in self._jobs.items():
            aps_job = self._aps.get_job(name) if self._aps is not None else None
            next_run = aps_job.next_run_time if aps_job is not None else None
            out.append({"name": name, "cron": job.cron, "next_run_at": next_run.isoformat() if next_run else None})
        return out
