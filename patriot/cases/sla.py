"""SLA clocks: working days in the city's time zone that skip weekends and public holidays, or 24/7 hours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

DUE_SOON_FRACTION = 0.75
# National LAPOR! rules: verify + forward in 3 working days, follow up in 5, close after 10 without reply.
CLOSE_AFTER_WORKING_DAYS = 10


def city_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(settings.PATRIOT_HOLIDAY_COUNTRY, years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=city_zone())


def add_working_days(start: datetime, days: int) -> datetime:
    """The end (local midnight) of the `days`-th working day after the day `start` falls on.

    A report sent on Friday afternoon with 3 working days is due at the end of Wednesday; one sent
    on Saturday is due at the end of Wednesday too, since the weekend does not count.
    """
    day = start.astimezone(city_zone()).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return _day_start(day + timedelta(days=1))


def working_seconds_between(start: datetime, end: datetime) -> float:
    """Seconds between two instants that fall on working days (whole local days count, weekends do not)."""
    if end <= start:
        return 0.0
    zone = city_zone()
    total = 0.0
    day = start.astimezone(zone).date()
    last_day = end.astimezone(zone).date()
    while day <= last_day:
        if is_working_day(day):
            span_start = max(start, _day_start(day))
            span_end = min(end, _day_start(day + timedelta(days=1)))
            total += max(0.0, (span_end - span_start).total_seconds())
        day += timedelta(days=1)
    return total


def _instant_after_working_seconds(start: datetime, seconds: float) -> datetime:
    zone = city_zone()
    cursor = start
    remaining = seconds
    day = start.astimezone(zone).date()
    while True:
        day_end = _day_start(day + timedelta(days=1))
        if is_working_day(day):
            available = (day_end - cursor).total_seconds()
            if remaining <= available:
                return cursor + timedelta(seconds=remaining)
            remaining -= available
        day += timedelta(days=1)
        cursor = _day_start(day)


def working_day_clock(start: datetime, days: int) -> tuple[datetime, datetime]:
    """(due soon, due) for a target of `days` working days; due soon is at 75 % of the working time.

    The same arithmetic as `_instant_after_working_seconds(start, working_seconds_between(start, due) * 0.75)` with
    `due = add_working_days(start, days)`, day by day in the same order, but over the working days of `start`'s day
    up to `due` worked out once per day (`_working_days_until_due`), not again for every report."""
    due, spans = _working_days_until_due(start.astimezone(city_zone()).date(), days, settings.TIME_ZONE)
    total = 0.0
    for span_start, span_end in spans:  # working_seconds_between(start, due)
        total += max(0.0, (min(due, span_end) - max(start, span_start)).total_seconds())
    remaining = total * DUE_SOON_FRACTION
    cursor = start
    for span_start, span_end in spans:  # _instant_after_working_seconds(start, remaining)
        cursor = max(cursor, span_start)
        available = (span_end - cursor).total_seconds()
        if remaining <= available:
            return cursor + timedelta(seconds=remaining), due
        remaining -= available
    return _instant_after_working_seconds(start, total * DUE_SOON_FRACTION), due  # not reached: due soon < due


@lru_cache(maxsize=256)
def _working_days_until_due(
    day: date, days: int, zone_name: str
) -> tuple[datetime, tuple[tuple[datetime, datetime], ...]]:
    """`add_working_days` from `day`, and (start, end) of each working day from `day` to the day `due` falls on."""
    due = add_working_days(_day_start(day), days)
    last_day = due.astimezone(city_zone()).date()
    spans = []
    while day <= last_day:
        if is_working_day(day):
            spans.append((_day_start(day), _day_start(day + timedelta(days=1))))
        day += timedelta(days=1)
    return due, tuple(spans)


def hour_clock(start: datetime, hours: int) -> tuple[datetime, datetime]:
    """(due soon, due) for a target of `hours` on a 24/7 clock."""
    return start + timedelta(hours=hours * DUE_SOON_FRACTION), start + timedelta(hours=hours)


def close_due(resolved_at: datetime) -> datetime:
    """When a resolved case closes if the reporter neither confirms nor disputes."""
    return add_working_days(resolved_at, CLOSE_AFTER_WORKING_DAYS)
