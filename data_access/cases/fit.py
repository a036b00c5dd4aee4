"""Which case themes fit the person a case is about: THE rule, used when a theme is suggested or
offered for a case (`workflow.create_case`, the candidates list, the case card, the edit form) and by
the demo generator, so no story says "安心上学" of a one-year-old or speaks of 养老 for an orphan.

A theme fits when the person's age on the day is inside the theme's age window (Policy settings) and
the person's group is not one the theme excludes. Themes without a window fit everyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import and_, true

from data_access.policy import Policy
from data_access.vocabulary import CHILD_GROUPS


def _window(theme: str, policy: Policy) -> tuple[int | None, int | None, tuple[str, ...]]:
    """(youngest age, oldest age, groups excluded) of `theme`; None: no bound."""
    if theme == "上学":
        return policy.case_school_age_from, policy.case_school_age_to, ()
    if theme == "就业":
        return policy.case_work_age_from, policy.case_elder_age - 1, CHILD_GROUPS
    if theme == "养老":
        return policy.case_elder_age, None, CHILD_GROUPS
    return None, None, ()


def theme_fits(theme: str, age: int, group: str, policy: Policy) -> bool:
    """True when a case about a person of `age` (whole years) in `group` may carry `theme`."""
    youngest, oldest, excluded = _window(theme, policy)
    if youngest is not None and age < youngest:
        return False
    if oldest is not None and age > oldest:
        return False
    return group not in excluded


def fitting(themes: Iterable[str], age: int | None, group: str | None, policy: Policy) -> tuple[str, ...]:
    """The themes of `themes` that fit the person, in order (all of them when the person is unknown)."""
    if age is None:
        return tuple(themes)
    return tuple(t for t in themes if theme_fits(t, age, group or "", policy))


def misfit_reason(theme: str, age: int, group: str, policy: Policy) -> str:
    """Why `theme` does not fit (a Chinese sentence), or "" when it fits."""
    if theme_fits(theme, age, group, policy):
        return ""
    youngest, oldest, excluded = _window(theme, policy)
    if group in excluded:
        return f"案例主题“{theme}”不适用于{group}"
    if youngest is not None and oldest is not None:
        span = f"{youngest}至{oldest}岁"
    elif youngest is not None:
        span = f"{youngest}岁及以上"
    else:
        span = f"{oldest}岁及以下"
    return f"案例主题“{theme}”只适用于{span}的对象，本案例对象{age}岁"


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def sql_condition(theme: str, birth_date, group, day: dt.date, policy: Policy):
    """SQL over a person's birth date and group columns: `theme_fits` for the person's age on `day`
    (age ≥ N ⇔ born on or before the same day N years earlier)."""
    youngest, oldest, excluded = _window(theme, policy)
    conditions = []
    if youngest is not None:
        conditions.append(birth_date <= _years_before(day, youngest))
    if oldest is not None:
        conditions.append(birth_date > _years_before(day, oldest + 1))
    if excluded:
        conditions.append(group.not_in(excluded))
    return and_(true(), *conditions)
