"""Time: timezone-aware everywhere. Naive timestamps are refused, zones are IANA names."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """IANA zone by name; raises ValueError for an unknown one."""
    try:
        if not name or name != name.strip():
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def parse_timestamp(value: object) -> datetime:
    """ISO 8601 timestamp with an offset or Z; a naive timestamp is an error."""
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if text.endswith("Z") or text.endswith("z"):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from exc
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"timestamp {value!r} has no time zone offset (naive timestamps are refused)")
    return dt


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"expected a date, got a timestamp: {value!r}")
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not an ISO date (YYYY-MM-DD): {value!r}") from exc


def epoch_day(d: date) -> int:
    """Days since 1970-01-01: how dates travel through the vectorised run."""
    return d.toordinal() - 719163


def from_epoch_day(n: int) -> date:
    return date.fromordinal(int(n) + 719163)
