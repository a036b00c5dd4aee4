"""Entry time of a contact (RULES.md "Entry time and answered reminders"), read one way everywhere.

A contact is *entered* on the calendar day of its `entered_at` (the time of day never matters). A
time written by migration 0005 for a record stored before entry times were kept (`entry_source`
补填) is an estimate, not a fact: it is read as the contact's own date, so no figure or signal holds
an invented time against a cadre.

Two readings of a past day D: by **date** (what happened: every contact dated up to D, whenever
entered) and **as known** on D (按录入时间: only contacts entered by the end of D). `known_by`
is the condition of the second.

A contact's **entry delay** (`contacts.entry_delay_days`: entry day minus date, in whole days) is a
column the database computes from the row itself on every insert and update (`entry_delay_of`, a
generated column), so the signals that read it (补录, 集中补录, 临检突击) range over an index
instead of reading the year's contacts.

Also the small date-arithmetic constructs the signals need, compiled per backend so one statement
runs on SQLite and PostgreSQL. This module reads no model at import (models.py builds the
generated column from it).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, case, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from data_access.vocabulary import ENTRY_BACKFILLED

READING_BY_DATE = "按联系日期"
READING_AS_KNOWN = "按录入时间"
READINGS = (READING_BY_DATE, READING_AS_KNOWN)


def reading_note(as_known: bool, as_of: dt.date) -> str:
    """The sentence a page showing a past day writes under its title."""
    if as_known:
        return (f"按录入时间：只计 {as_of:%Y-%m-%d} 当天结束前已录入的联系记录（当时掌握的情况），"
                "之后补录的记录不计入。")
    return (f"按联系日期：计入日期在 {as_of:%Y-%m-%d} 及以前的全部联系记录（实际发生的情况），"
            "包括之后才补录的记录。")


class day_of(FunctionElement):  # noqa: N801 - used like a SQL function
    """The calendar day of a timestamp."""

    type = Date()
    inherit_cache = True


@compiles(day_of, "sqlite")
def _day_of_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(day_of)
def _day_of_default(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


class plus_days(FunctionElement):  # noqa: N801
    """A date plus a whole number of days (either may be a column or a parameter)."""

    type = Date()
    inherit_cache = True


@compiles(plus_days, "sqlite")
def _plus_days_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, ({compiler.process(days, **kw)}) || ' days')"


@compiles(plus_days)
def _plus_days_default(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"(CAST({compiler.process(day, **kw)} AS DATE) + CAST({compiler.process(days, **kw)} AS INTEGER))"


class days_between(FunctionElement):  # noqa: N801
    """Whole days from date `start` to date `end` (end − start)."""

    type = Integer()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"CAST(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}) "
            "AS INTEGER)")


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"(CAST({compiler.process(end, **kw)} AS DATE) - CAST({compiler.process(start, **kw)} AS DATE))"


class three_months_before(FunctionElement):  # noqa: N801
    """The same day three months earlier, clamped to that month's last day (05-31 → 02-28/29)."""

    type = Date()
    inherit_cache = True


@compiles(three_months_before, "sqlite")
def _three_months_before_sqlite(element, compiler, **kw):
    day = compiler.process(element.clauses, **kw)
    shifted = f"date({day}, 'start of month', '-3 months', '+' || (CAST(strftime('%d', {day}) AS INTEGER) - 1) || ' days')"
    return f"min({shifted}, date({day}, 'start of month', '-2 months', '-1 day'))"


@compiles(three_months_before)
def _three_months_before_default(element, compiler, **kw):
    return f"CAST(CAST({compiler.process(element.clauses, **kw)} AS DATE) - INTERVAL '3 months' AS DATE)"


def _contact():
    from data_access.models import Contact

    return Contact


def entry_day_of(contact_date, entered_at, entry_source):
    """SQL: the day a contact was entered, from its columns (its own date when the time is a
    migration's estimate). The one definition: `entry_day` and the stored `entry_delay_of` read it."""
    return case((entry_source == ENTRY_BACKFILLED, contact_date), else_=day_of(entered_at))


def entry_delay_of(contact_date, entered_at, entry_source):
    """SQL: whole days from a contact's date to its entry day (`entry_day_of`) — the expression of
    the generated column contacts.entry_delay_days; 0 for a migration's estimated time."""
    return days_between(contact_date, entry_day_of(contact_date, entered_at, entry_source))


def entry_day(contact=None):
    """SQL: the day the contact was entered (its own date when the time is a migration's estimate)."""
    contact = _contact() if contact is None else contact
    return entry_day_of(contact.contact_date, contact.entered_at, contact.entry_source)


def stored_entry_day(contact=None):
    """SQL: `entry_day` read from the stored entry delay (date + entry_delay_days): the same day,
    from columns an index can hold."""
    contact = _contact() if contact is None else contact
    return plus_days(contact.contact_date, contact.entry_delay_days)


def known_by(day: dt.date, contact=None):
    """SQL: the contact was entered by the end of `day` (the 按录入时间 reading of `day`)."""
    contact = _contact() if contact is None else contact
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    return or_(
        contact.entered_at < end,
        (contact.entry_source == ENTRY_BACKFILLED) & (contact.contact_date <= day),
    )
