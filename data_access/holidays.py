"""Traditional-festival days (传统节假日) for holiday-contact measures: which days count, by name.

The official days off come from the `chinese-calendar` package (春节, 清明节, 端午节, 中秋节, 国庆节;
New Year and Labour Day are not traditional festivals and are left out). Festivals that are not
days off (元宵节, 重阳节) and the exact lunar day of 中秋节 come from `lunardate`. For a year the
package does not know yet, the festivals are derived from the lunar calendar alone.
`ensure_holidays` stores them in `holiday_days`; running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import chinese_calendar
from lunardate import LunarDate
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.models import HolidayDay

SPRING_FESTIVAL = "春节"
LANTERN_FESTIVAL = "元宵节"
QINGMING = "清明节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
DOUBLE_NINTH = "重阳节"
NATIONAL_DAY = "国庆节"

# chinese_calendar's English holiday names → the stored Chinese name (others are not kept).
_OFFICIAL_NAMES = {
    "Spring Festival": SPRING_FESTIVAL,
    "Tomb-sweeping Day": QINGMING,
    "Dragon Boat Festival": DRAGON_BOAT,
    "Mid-autumn Festival": MID_AUTUMN,
    "National Day": NATIONAL_DAY,
}


def _lunar(year: int, month: int, day: int) -> dt.date:
    return LunarDate(year, month, day).to_solar_date()


def _official_days(year: int) -> dict[dt.date, str] | None:
    """Days off of `year` by festival name, or None when the package has no schedule for it."""
    day = dt.date(year, 1, 1)
    try:
        chinese_calendar.is_holiday(day)
    except NotImplementedError:
        return None
    found: dict[dt.date, str] = {}
    while day.year == year:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if is_holiday and name in _OFFICIAL_NAMES:
            found[day] = _OFFICIAL_NAMES[name]
        day += dt.timedelta(days=1)
    return found


def _qingming(year: int) -> dt.date:
    # The solar term 清明 falls on 4 or 5 April; the usual 21st-century formula.
    yy = year % 100
    return dt.date(year, 4, int(yy * 0.2422 + 4.81) - yy // 4)


def _lunar_only_days(year: int) -> dict[dt.date, str]:
    """An estimate for years without an official schedule: the festival days themselves."""
    found: dict[dt.date, str] = {}
    new_year = _lunar(year, 1, 1)
    for offset in range(-1, 6):  # 除夕 to 正月初六
        found[new_year + dt.timedelta(days=offset)] = SPRING_FESTIVAL
    found[_qingming(year)] = QINGMING
    found[_lunar(year, 5, 5)] = DRAGON_BOAT
    for day in range(1, 8):
        found[dt.date(year, 10, day)] = NATIONAL_DAY
    return found


def festival_days(years: Iterable[int]) -> dict[dt.date, str]:
    """Every festival day of `years` with its Chinese name, in date order."""
    years = set(years)
    found: dict[dt.date, str] = {}
    for year in sorted(years):
        days = _official_days(year)
        found.update(days if days is not None else _lunar_only_days(year))
        # The festival day itself wins over a holiday span it falls in (中秋 inside 国庆).
        found[_lunar(year, 1, 15)] = LANTERN_FESTIVAL
        found[_lunar(year, 8, 15)] = MID_AUTUMN
        found[_lunar(year, 9, 9)] = DOUBLE_NINTH
    return {day: found[day] for day in sorted(found) if day.year in years}


def ensure_holidays(session: Session, years: Iterable[int]) -> int:
    """Store the festival days of `years` (idempotent); returns how many rows were added or renamed."""
    wanted = festival_days(years)
    if not wanted:
        return 0
    stored = dict(
        session.execute(
            select(HolidayDay.day, HolidayDay.name).where(
                HolidayDay.day >= min(wanted), HolidayDay.day <= max(wanted)
            )
        ).all()
    )
    changed = 0
    for day, name in wanted.items():
        if day not in stored:
            session.add(HolidayDay(day=day, name=name))
            changed += 1
        elif stored[day] != name:
            session.get(HolidayDay, day).name = name
            changed += 1
    session.flush()
    return changed
