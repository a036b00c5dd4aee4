"""Per-county daily counts kept beside the records (analytics tables owned by the write path):

- `contact_days`: contacts, visits and gifts recorded per county and contact date — the month's
  and the year's activity (trends.monthly_activity, trends.activity, the year's gifts on the home
  page) becomes a sum of at most 87 counties × 366 days instead of a scan of a year of contacts;
- `coverage_changes`: per county, group and day, how many persons entered or left the register,
  how many of them gained or lost an active pairing of their household, how many households
  (with a person of the group, or of any group) entered or left the register, and (group "") how
  many pairings started or ended. The register on day
  D is the sum of the rows dated on or before D, so the coverage of the twelve month ends of a year
  (trends._coverage_counts), the home page's headline and the coverage per city are sums over a
  few thousand rows instead of a pass over 450k persons with their households' pairings.

One definition: the rows are computed in SQL from the same conditions the live queries use
(`coverage.register_end` for in_register, the pairings' [start, end) of `compliance.active_on`,
`CONTACT_MEASURES` for the contact figures), and a property test checks on both databases that
the sums equal the live queries on every day of generated data, including after an import that
changes and removes records.

Kept by the write path, in the write's own transaction, for the counties the write touched
(`refresh`): the import (every county whose persons, households, pairings or contacts it added or
changed, before and after), a contact recorded in the app (its county and day), the demo build and
the migration that created them (`rebuild`). A reader therefore never sees figures older than the
records: both change in one commit.

Readers use the tables for scopes of a county or wider (a region prefix of at most 6 digits);
a township's or a village's figures are read from the records (a few thousand rows).

A county is the first 6 digits of a village code; a household is counted in the county of its
persons' village (the import keeps a household's persons in one village).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    extract,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from data_access import db
from data_access.models import (
    Contact,
    ContactDay,
    CoverageChange,
    DataVersion,
    FestivalReach,
    HolidayDay,
    Household,
    Pairing,
    Person,
)
from data_access.scope import Scope
from data_access.vocabulary import METHOD_VISIT, METHODS, PERSON_ACTIVE

# The day every person enters the register (persons have no entry date: in the register until they leave).
ALWAYS = dt.date(1, 1, 1)
# Rows of coverage_changes counting households with a person of any group (distinct across groups).
ANY_GROUP = ""
MEASURES = ("persons", "paired", "households", "pairings")
COUNTY_DIGITS = 6


def usable(scope: Scope, session: Session | None = None) -> bool:
    """Whether the tables answer for `scope`: a county or wider (they are kept per county) and,
    with `session`, whole for the data as it is now (`current`)."""
    return len(scope.prefix) <= COUNTY_DIGITS and (session is None or current(session))


def county_of(column):
    return func.substr(column, 1, COUNTY_DIGITS)


def _in_counties(column, counties: Iterable[str] | None):
    """SQL: the region code `column` lies in one of `counties` (None: anywhere)."""
    if counties is None:
        return true()
    counties = sorted(set(counties))
    if not counties:
        return false()
    return or_(*(Scope(c).within(column) for c in counties))


# -- contacts per county and day -----------------------------------------------------------------

def contact_measures(contact=Contact):
    """The contact figures, one definition for the live queries and the stored rows: contacts (any
    of METHODS; a visit is a contact too), visits (实地走访), gifts (元)."""
    return (
        func.count(),
        func.coalesce(func.sum(case((contact.method == METHOD_VISIT, 1), else_=0)), 0),
        func.coalesce(func.sum(contact.gift_yuan), 0),
    )


def contacts_per_day(counties: Iterable[str] | None = None, days: Iterable[dt.date] | None = None):
    """SELECT county, day, contacts, visits, gifts from the records (the definition of contact_days)."""
    county = county_of(Household.village_code)
    statement = (
        select(county, Contact.contact_date, *contact_measures())
        .select_from(Contact)
        .join(Pairing, Pairing.id == Contact.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(Contact.method.in_(METHODS), _in_counties(Household.village_code, counties))
        .group_by(county, Contact.contact_date)
    )
    if days is not None:
        statement = statement.where(Contact.contact_date.in_(sorted(set(days))))
    return statement


def contact_totals(session: Session, scope: Scope, start: dt.date, end: dt.date, by_day: bool = False):
    """(contacts, visits, gifts) recorded start..end in `scope` from contact_days; with `by_day`,
    [(day, contacts, visits, gifts)] in date order (days without contacts left out)."""
    columns = (func.coalesce(func.sum(ContactDay.contacts), 0), func.coalesce(func.sum(ContactDay.visits), 0),
               func.coalesce(func.sum(ContactDay.gifts_yuan), 0))
    statement = select(*columns).where(ContactDay.day >= start, ContactDay.day <= end,
                                       scope.within(ContactDay.county_code))
    if by_day:
        return session.execute(statement.add_columns(ContactDay.day).group_by(ContactDay.day)
                               .order_by(ContactDay.day)).all()
    return session.execute(statement).one()


# -- contacts on traditional festivals per county --------------------------------------------------

def festival_list(session: Session | Connection, days: Iterable[dt.date] | None = None) -> list[tuple[str, dt.date, dt.date]]:
    """The festivals of the calendar (holiday_days of one name in one year): (name, first day, last
    day), those with a day among `days` only when given."""
    year = extract("year", HolidayDay.day)
    statement = select(HolidayDay.name, func.min(HolidayDay.day), func.max(HolidayDay.day)).group_by(HolidayDay.name, year)
    found = session.execute(statement).all()
    if days is not None:
        wanted = set(days)
        touched = {(n, y) for n, y in session.execute(
            select(HolidayDay.name, year).where(HolidayDay.day.in_(sorted(wanted))).distinct())}
        found = [f for f in found if (f[0], f[1].year) in touched]
    return [(name, first, last) for name, first, last in found]


def festival_contacts(name: str, first: dt.date, last: dt.date, contact_filter=None):
    """SELECT contacts, pairings reached (distinct) on the days of festival `name` in first..last
    (contacts of METHODS): THE festival measure (trends.holiday_contacts and festival_reach)."""
    statement = (
        select(func.count(), func.count(func.distinct(Contact.pairing_id)))
        .select_from(Contact)
        .join(HolidayDay, and_(HolidayDay.day == Contact.contact_date, HolidayDay.name == name))
        .where(Contact.contact_date >= first, Contact.contact_date <= last, Contact.method.in_(METHODS))
    )
    return statement if contact_filter is None else statement.where(contact_filter)


def festival_rows(name: str, first: dt.date, last: dt.date, counties: Iterable[str] | None):
    """SELECT the festival_reach rows of one festival for `counties` (None: all): per county of the
    contact's household, festival_contacts' figures."""
    county = county_of(Household.village_code)
    return (
        festival_contacts(name, first, last)
        .add_columns(county, literal(name), literal(first), literal(last))
        .join(Pairing, Pairing.id == Contact.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(_in_counties(Household.village_code, counties))
        .group_by(county)
    )


def festival_reach(session: Session, scope: Scope) -> dict[tuple[str, dt.date], tuple[dt.date, int, int]]:
    """{(name, first day): (last day, contacts, reached)} of the festivals kept, summed over the
    counties in `scope` (a pairing's household lies in one county, so reached pairings add up)."""
    rows = session.execute(
        select(FestivalReach.name, FestivalReach.first_day, FestivalReach.last_day,
               func.sum(FestivalReach.contacts), func.sum(FestivalReach.reached))
        .where(scope.within(FestivalReach.county_code))
        .group_by(FestivalReach.name, FestivalReach.first_day, FestivalReach.last_day)
    ).all()
    return {(name, first): (last, int(contacts), int(reached)) for name, first, last, contacts, reached in rows}


def refresh_festivals(connection, counties: list[str] | None, contact_days: list[dt.date] | None = None) -> None:
    """Recompute the festival_reach rows of `counties` for the festivals with a day among
    `contact_days` (None: every festival)."""
    where = [] if counties is None else [FestivalReach.county_code.in_(counties)]
    if contact_days is None:
        connection.execute(delete(FestivalReach).where(*where))
    for name, first, last in festival_list(connection, contact_days):
        if contact_days is not None:
            connection.execute(delete(FestivalReach).where(*where, FestivalReach.name == name,
                                                           FestivalReach.first_day == first))
        select_rows = festival_rows(name, first, last, counties).subquery("festival")
        c = select_rows.c
        connection.execute(insert(FestivalReach).from_select(
            ["contacts", "reached", "county_code", "name", "first_day", "last_day"],
            select(*c)))


# -- register and pairing coverage per county, group and day -------------------------------------

def register_end():
    """The day a person leaves the register, or NULL while they stay (coverage.in_register: in the
    register on D unless status is not 在册 and exit_date <= D)."""
    return case((and_(Person.status != PERSON_ACTIVE, Person.exit_date.is_not(None)), Person.exit_date), else_=null())


def _household_changes(households):
    """(household_id, day, change): the household gains (+1) or loses (-1) its last active pairing on
    `day` — a pairing is active on D when start_date <= D < end_date (compliance.active_on)."""
    valid = or_(Pairing.end_date.is_(None), Pairing.end_date > Pairing.start_date)  # never active otherwise
    mine = Pairing.household_id.in_(households)
    events = union_all(
        select(Pairing.household_id.label("household_id"), Pairing.start_date.label("day"),
               literal(1).label("step")).where(valid, mine),
        select(Pairing.household_id, Pairing.end_date, literal(-1)).where(valid, mine, Pairing.end_date.is_not(None)),
    ).subquery("pairing_events")
    per_day = (
        select(events.c.household_id, events.c.day, func.sum(events.c.step).label("step"))
        .group_by(events.c.household_id, events.c.day)
        .subquery("pairing_steps")
    )
    window = {"partition_by": per_day.c.household_id, "order_by": per_day.c.day}
    states = select(
        per_day.c.household_id, per_day.c.day,
        case((func.sum(per_day.c.step).over(**window) > 0, 1), else_=0).label("paired"),
    ).subquery("paired_states")
    window = {"partition_by": states.c.household_id, "order_by": states.c.day}
    changes = select(
        states.c.household_id, states.c.day,
        (states.c.paired - func.lag(states.c.paired, 1, 0).over(**window)).label("change"),
    ).subquery("paired_changes")
    return select(changes.c.household_id, changes.c.day, changes.c.change).where(changes.c.change != 0).subquery(
        "household_changes")


def coverage_rows(counties: Iterable[str] | None = None):
    """SELECT county, group, day, *MEASURES: the definition of coverage_changes."""
    county = county_of(Person.village_code)
    inside = _in_counties(Person.village_code, counties)
    leaves = register_end()
    changes = _household_changes(select(Person.household_id).where(inside))
    zero = literal(0)
    parts = [
        # everyone enters the register (no entry date) …
        select(county.label("county"), Person.group.label("grp"), literal(ALWAYS).label("day"),
               func.count().label("persons"), zero.label("paired"), zero.label("households"),
               zero.label("pairings"))
        .where(inside).group_by(county, Person.group),
        # … and leaves it on register_end
        select(county, Person.group, leaves, -func.count(), zero, zero, zero)
        .where(inside, leaves.is_not(None)).group_by(county, Person.group, leaves),
        # their household's pairing coverage changes while they are in the register …
        select(county, Person.group, changes.c.day, zero, func.sum(changes.c.change), zero, zero)
        .join(changes, changes.c.household_id == Person.household_id)
        .where(inside, or_(leaves.is_(None), changes.c.day < leaves))
        .group_by(county, Person.group, changes.c.day),
        # … and a paired person leaving the register leaves the paired count too
        select(county, Person.group, leaves, zero, -func.sum(changes.c.change), zero, zero)
        .join(changes, changes.c.household_id == Person.household_id)
        .where(inside, leaves.is_not(None), changes.c.day < leaves)
        .group_by(county, Person.group, leaves),
    ]
    # households: in the register while one of their persons (of the group; of any group) is
    for group in (Person.group, literal(ANY_GROUP)):
        last = case((func.count(leaves) == func.count(), func.max(leaves)), else_=null())
        stays = (
            select(county.label("county"), group.label("grp"), Person.household_id, last.label("until"))
            .where(inside).group_by(county, group, Person.household_id)
        ).subquery("household_register")
        parts += [
            select(stays.c.county, stays.c.grp, literal(ALWAYS), zero, zero, func.count(), zero)
            .group_by(stays.c.county, stays.c.grp),
            select(stays.c.county, stays.c.grp, stays.c.until, zero, zero, -func.count(), zero)
            .where(stays.c.until.is_not(None)).group_by(stays.c.county, stays.c.grp, stays.c.until),
        ]
    # pairings active (compliance.active_on: start_date <= D < end_date), in their household's county
    paired_county = county_of(Household.village_code)
    valid = [_in_counties(Household.village_code, counties),
             or_(Pairing.end_date.is_(None), Pairing.end_date > Pairing.start_date)]
    for day, step, extra in ((Pairing.start_date, func.count(), []),
                             (Pairing.end_date, -func.count(), [Pairing.end_date.is_not(None)])):
        parts.append(
            select(paired_county, literal(ANY_GROUP), day, zero, zero, zero, step)
            .select_from(Pairing).join(Household, Household.id == Pairing.household_id)
            .where(*valid, *extra).group_by(paired_county, day))
    every = union_all(*parts).subquery("coverage_parts")
    return (
        select(every.c.county, every.c.grp, every.c.day, *(func.sum(every.c[n]) for n in MEASURES))
        .group_by(every.c.county, every.c.grp, every.c.day)
        .having(or_(*(func.sum(every.c[n]) != 0 for n in MEASURES)))
    )


def _running(session: Session, measures: list, where: list, days: list[dt.date]) -> list[tuple[int, ...]]:
    """The sums of `measures` over the rows matching `where` dated on or before each of `days`:
    summed per day in the database (a few hundred days), then added up day by day here."""
    if not days:
        return []
    per_day = session.execute(
        select(CoverageChange.day, *(func.sum(m) for m in measures))
        .where(*where, CoverageChange.day <= max(days))
        .group_by(CoverageChange.day)
        .order_by(CoverageChange.day)
    ).all()
    totals, found, i = [0] * len(measures), {}, 0
    for day in sorted(set(days)):
        while i < len(per_day) and per_day[i][0] <= day:
            totals = [t + int(v or 0) for t, v in zip(totals, per_day[i][1:], strict=True)]
            i += 1
        found[day] = tuple(totals)
    return [found[day] for day in days]


def coverage_counts(session: Session, scope: Scope, days: list[dt.date]) -> list[tuple[int, int]]:
    """(persons in the register, of them with an active pairing of their household) on each day."""
    return _running(session, [CoverageChange.persons, CoverageChange.paired],
                    [CoverageChange.group != ANY_GROUP, scope.within(CoverageChange.county_code)], days)


def active_pairings(session: Session, scope: Scope, days: list[dt.date]) -> list[int]:
    """The pairings active on each day (compliance.active_on) of households in `scope`."""
    return [n for (n,) in _running(session, [CoverageChange.pairings],
                                   [CoverageChange.group == ANY_GROUP, scope.within(CoverageChange.county_code)], days)]


def register_by_group(session: Session, scope: Scope, as_of: dt.date, length: int = 0) -> dict[tuple[str, str], tuple]:
    """{(region prefix of `length` digits — "" for 0 —, group): (persons, households, paired)} on
    `as_of`, group ANY_GROUP holding the households with a person of any group (distinct)."""
    key = func.substr(CoverageChange.county_code, 1, length) if length else literal("")
    rows = session.execute(
        select(key, CoverageChange.group, func.sum(CoverageChange.persons), func.sum(CoverageChange.households),
               func.sum(CoverageChange.paired))
        .where(CoverageChange.day <= as_of, scope.within(CoverageChange.county_code))
        .group_by(key, CoverageChange.group)
    ).all()
    return {(prefix or "", group): (int(n), int(h), int(p)) for prefix, group, n, h, p in rows}


# -- kept by the write path ----------------------------------------------------------------------

def refresh(session: Session | Connection, counties: Iterable[str] | None,
            contact_days: Iterable[dt.date] | None = None, coverage: bool = True, festivals: bool = True) -> None:
    """In a write's transaction (a session or a connection), after it wrote: recompute the rows of
    `counties` (None: all) from the records — the contact counts of `contact_days` only when given
    (a contact recorded in the app), the coverage changes unless `coverage` is off (no person,
    household or pairing written), the festival counts of the festivals with a day among them
    (`festivals` off: only for the migration that made the other two, before festival_reach existed)."""
    if counties is not None:
        counties = sorted({c[:COUNTY_DIGITS] for c in counties if c})
        if not counties:
            return
    connection = session.connection() if isinstance(session, Session) else session
    where = [] if counties is None else [ContactDay.county_code.in_(counties)]
    if contact_days is not None:
        contact_days = sorted(set(contact_days))
        where.append(ContactDay.day.in_(contact_days))
    connection.execute(delete(ContactDay).where(*where))
    connection.execute(insert(ContactDay).from_select(
        ["county_code", "day", "contacts", "visits", "gifts_yuan"], contacts_per_day(counties, contact_days)))
    if festivals:
        refresh_festivals(connection, counties, contact_days)
    if coverage:
        where = [] if counties is None else [CoverageChange.county_code.in_(counties)]
        connection.execute(delete(CoverageChange).where(*where))
        connection.execute(insert(CoverageChange).from_select(
            ["county_code", "group_name", "day", *MEASURES], coverage_rows(counties)))


def _versions(connection) -> tuple[int, int | None]:
    return connection.execute(
        select(DataVersion.status_version, DataVersion.daily_counts_version).where(DataVersion.id == 1)).one()


def _mark(connection, version: int) -> None:
    connection.execute(update(DataVersion).where(DataVersion.id == 1).values(daily_counts_version=version))


def current(session: Session) -> bool:
    """Whether the tables are whole for the data as it is now (else readers read the records): kept
    by every write since the last full rebuild. A writer of households, persons, pairings or
    contacts that does not keep them bumps status_version (db.bump_version), which ends that."""
    version, kept = _versions(session.connection())
    return kept is not None and kept == version


def rebuild(session: Session | Connection, only_if_data: bool = False, festivals: bool = True) -> None:
    """Recompute every row from the records and mark the tables whole for the current
    status_version (the demo build after its bump, `db evaluate`, the migration that made them).
    `only_if_data`: leave an empty database unmarked (read from its records until a rebuild)."""
    connection = session.connection() if isinstance(session, Session) else session
    # first take the data-version row (as every writer's bump does): a write committing meanwhile
    # either waits for this one or is seen by it, never marked whole without its rows
    _mark(connection, None)
    refresh(connection, None, festivals=festivals)
    db.analyze(connection, *(["contact_days", "coverage_changes"] + (["festival_reach"] if festivals else [])))
    if only_if_data and connection.execute(select(Person.id).limit(1)).first() is None \
            and connection.execute(select(Contact.id).limit(1)).first() is None:
        return
    _mark(connection, _versions(connection)[0])


def keep(session: Session, counties: Iterable[str], contact_days: Iterable[dt.date] | None = None,
         coverage: bool = True) -> None:
    """For a write that touched `counties`, in its transaction, after status_store.refresh bumped
    status_version once: recompute their rows (see `refresh`) and, when the tables were whole
    before the write, mark them whole after it."""
    connection = session.connection()
    refresh(connection, counties, contact_days, coverage)
    version, kept = _versions(connection)
    if kept is not None and kept == version - 1:
        _mark(connection, version)


def counties_of_households(session: Session, household_ids: Iterable[int]) -> set[str]:
    """The counties of these households (by the household's village and its persons')."""
    ids = sorted(set(household_ids))
    found: set[str] = set()
    for i in range(0, len(ids), 2000):
        chunk = ids[i:i + 2000]
        found.update(session.scalars(select(county_of(Household.village_code)).where(Household.id.in_(chunk)).distinct()))
        found.update(session.scalars(select(county_of(Person.village_code)).where(Person.household_id.in_(chunk))
                                     .distinct()))
    return found
