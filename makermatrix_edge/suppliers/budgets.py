"""The suppliers' request budgets as MakerMatrix's /api/rate-limits answers them, from the enforcing limiters.

Counts are kept in memory by each supplier's RateLimiter since the daemon started (at most a day):
writing a row per supplier request to an SD card would cost more than the report is worth. The budget
enforced is requests per minute; the hour and day figures are that rate carried over.
"""

from __future__ import annotations

import msgspec

from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.suppliers.http import RateUsage
from makermatrix_edge.suppliers.registry import SupplierRegistry

PERIODS = {"1h": "hour", "24h": "day"}  # what the limiters remember
SPELLINGS = {"hour": "1h", "day": "24h", "1d": "24h"}  # other names clients send for the same two periods
APPROACHING = 80.0  # percent of a budget that the summary calls approaching


class Periods(msgspec.Struct):
    per_minute: float
    per_hour: float
    per_day: float


class UsageStats(msgspec.Struct, kw_only=True):
    supplier_name: str
    time_period: str
    total_requests: int  # requests that ended (answered, or failed after retries)
    successful_requests: int
    failed_requests: int
    success_rate: float  # percent; 100 when there were none
    avg_response_time_ms: float | None = None  # not measured here
    endpoint_breakdown: dict[str, int] = msgspec.field(default_factory=dict)


class RateStatus(msgspec.Struct, kw_only=True):
    allowed: bool  # a call booked now goes at once
    supplier_name: str
    current_usage: Periods
    limits: Periods
    usage_percentage: Periods
    retry_after_seconds: float  # how long a call booked now waits for its turn
    violations: list[str]


class SupplierBudget(msgspec.Struct, kw_only=True):
    supplier_name: str
    display_name: str
    enabled: bool
    limits: Periods
    current_usage: Periods
    usage_percentage: Periods
    stats_24h: UsageStats
    requests_per_minute: float
    default_requests_per_minute: float  # the config file's
    source: str  # "config file" or "set by an admin" (an admin's budget outlives a restart)
    calls_since_start: int
    message: str


class SupplierUsage(msgspec.Struct, kw_only=True):
    supplier_name: str
    rate_limit_status: RateStatus
    usage_statistics: UsageStats
    budget: SupplierBudget


class Approaching(msgspec.Struct):
    supplier: str
    period: str
    usage_percentage: float


class Summary(msgspec.Struct, kw_only=True):
    total_suppliers: int
    suppliers_with_usage: int
    total_requests_24h: int
    approaching_limits: list[Approaching]
    suppliers: list[SupplierBudget]


def _usage(reg: SupplierRegistry, name: str) -> tuple[str, RateUsage]:
    client = reg.get(name)
    return client.name, client.http.limiter.usage()


def _shape(u: RateUsage) -> tuple[Periods, Periods, Periods]:
    rpm = u.requests_per_minute
    limits = Periods(per_minute=rpm, per_hour=rpm * 60, per_day=rpm * 1440)
    used = Periods(per_minute=u.calls_last_minute, per_hour=u.calls_last_hour, per_day=u.calls_last_day)
    percent = Periods(
        per_minute=round(100.0 * used.per_minute / limits.per_minute, 1),
        per_hour=round(100.0 * used.per_hour / limits.per_hour, 1),
        per_day=round(100.0 * used.per_day / limits.per_day, 1),
    )
    return limits, used, percent


def _stats(name: str, u: RateUsage, period: str) -> UsageStats:
    good, bad = (
        (u.succeeded_last_hour, u.failed_last_hour) if period == "1h" else (u.succeeded_last_day, u.failed_last_day)
    )
    total = good + bad
    return UsageStats(
        supplier_name=name,
        time_period=period,
        total_requests=total,
        successful_requests=good,
        failed_requests=bad,
        success_rate=round(100.0 * good / total, 1) if total else 100.0,
    )


def status(reg: SupplierRegistry, name: str) -> RateStatus:
    key, u = _usage(reg, name)
    limits, used, percent = _shape(u)
    busy = u.wait_seconds > 0
    return RateStatus(
        allowed=not busy,
        supplier_name=key,
        current_usage=used,
        limits=limits,
        usage_percentage=percent,
        retry_after_seconds=u.wait_seconds,
        violations=[f"per_minute: the next call waits {u.wait_seconds:g} s for its turn"] if busy else [],
    )


def budget(reg: SupplierRegistry, name: str) -> SupplierBudget:
    key, u = _usage(reg, name)
    client = reg.get(key)
    limits, used, percent = _shape(u)
    source = reg.rate_source(key)
    return SupplierBudget(
        supplier_name=key,
        display_name=client.display_name,
        enabled=reg.enabled(key),
        limits=limits,
        current_usage=used,
        usage_percentage=percent,
        stats_24h=_stats(key, u, "24h"),
        requests_per_minute=u.requests_per_minute,
        default_requests_per_minute=reg.default_rate(key),
        source=source,
        calls_since_start=u.calls_since_start,
        message=(
            f"{client.display_name}: {u.calls_last_minute} of {u.requests_per_minute:g} requests "
            f"in the last minute ({source})"
        ),
    )


def usage(reg: SupplierRegistry, name: str, period: str) -> SupplierUsage:
    period = period.strip().lower()
    period = SPELLINGS.get(period, period)
    if period not in PERIODS:
        raise InvalidInput(f"time_period is one of {', '.join(PERIODS)} (counts are kept for a day)", "time_period")
    key, u = _usage(reg, name)
    return SupplierUsage(
        supplier_name=key,
        rate_limit_status=status(reg, key),
        usage_statistics=_stats(key, u, period),
        budget=budget(reg, key),
    )


def every(reg: SupplierRegistry) -> list[SupplierBudget]:
    return [budget(reg, name) for name in reg.clients]


def summary(reg: SupplierRegistry) -> Summary:
    found = every(reg)
    approaching = [
        Approaching(b.supplier_name, period, value)
        for b in found
        for period, value in msgspec.structs.asdict(b.usage_percentage).items()
        if value > APPROACHING
    ]
    return Summary(
        total_suppliers=len(found),
        suppliers_with_usage=sum(1 for b in found if b.stats_24h.total_requests > 0),
        total_requests_24h=sum(b.stats_24h.total_requests for b in found),
        approaching_limits=approaching,
        suppliers=found,
    )
