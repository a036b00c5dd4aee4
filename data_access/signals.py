"""Authenticity signals (真实性核查, RULES.md "Authenticity signals"): prompts to check, never a status.

Per cadre, over the contacts dated in the year up to D (whenever entered), each threshold a policy
setting; a signal is shown with the records behind it and changes no figure of the compliance rule.

- 补录 (BACKFILLED): a contact entered more than `late_entry_days` calendar days after its date.
- 集中补录 (BATCH): `burst_size` or more of the cadre's contacts entered on one day whose dates span
  `burst_span_days` or more; all of them are behind it.
- 临检突击 (BEFORE_DEADLINE): a back-filled contact entered within the `deadline_window_days` days
  ending on a quarter's last day, or on the deadline of a 提醒 / 督办 (issued by D) on its pairing.
- 雷同记录 (REPEATED): a note (without spaces and punctuation: the stored notes.key) of at least
  `min_note_chars` characters on `dup_note_count` or more of the cadre's records, or on records of
  two or more cadres (anywhere in the database, in the year up to D).
- 只联不访 (NO_VISITS): a pairing active on D that owes visits, has none and has
  `min_contacts_no_visit` or more contacts in the year (the rule's done figures); those contacts.
- 回访不符 (DISAGREES): a 回访 dated in the year up to D saying 干部是否上门 = 否 while its cadre (干部编号,
  else the cadre of the household's pairing active on 回访日期) recorded a 实地走访 with that household
  in the three months ending on 回访日期; the records behind it are those 回访. `disagrees()` is the
  condition on one 回访; 满意度回访, 工作总览 and 月通报 count with it too.

Entry days are read through entry_times (a migration's estimated time is the contact's own date).
`signal_records` is the one definition; counts, lists, the page, the export and the CLI select from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, and_, case, func, literal, or_, select, true, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.selectable import Alias

from data_access import audit, compliance, exporting, permissions, signal_store
from data_access.config import current_date
from data_access.entry_times import days_between, plus_days, stored_entry_day, three_months_before
from data_access.models import (
    Cadre,
    Contact,
    Household,
    Pairing,
    Region,
    Satisfaction,
    SupervisionAction,
    Unit,
)
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.sorting import Sort, pick
from data_access.vocabulary import CADRE_CAME_NO, METHOD_VISIT

BACKFILLED = "补录"
BATCH = "集中补录"
BEFORE_DEADLINE = "临检突击"
REPEATED = "雷同记录"
NO_VISITS = "只联不访"
DISAGREES = "回访不符"
SIGNALS = (BACKFILLED, BATCH, BEFORE_DEADLINE, REPEATED, NO_VISITS, DISAGREES)

# What each signal means, in one line, for the page (settings named as on 规则设置).
EXPLANATIONS = {
    BACKFILLED: "录入日期比联系日期晚超过“补录判定天数”的记录",
    BATCH: "同一天集中录入“集中补录条数”条以上、日期跨度达“集中补录跨度天数”的记录",
    BEFORE_DEADLINE: "在季度末或提醒督办期限前“临检突击天数”内补录的记录",
    REPEATED: "内容（去掉空格标点）与本人多条记录或其他干部记录相同的记录",
    NO_VISITS: "应走访却全年未走访、只电话微信等联系的结对户的联系记录",
    DISAGREES: "回访时家属说干部没上门，而干部在此前三个月内登记了实地走访",
}

QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))


def _of_cadres(column, cadres):
    """SQL: `column` (a cadre id) is one of `cadres` (every cadre when None)."""
    return true() if cadres is None else column.in_(cadres)


def _year_contacts(scope: Scope, as_of: dt.date, cadres=None, *where, contact=Contact):
    """The contacts dated in the year up to D of pairings of households in scope, with their cadre
    (of `cadres` only, when given) and entry day; those meeting `where` only (on `contact`: Contact
    or an alias of it)."""
    return (
        select(
            contact.id.label("record_id"),
            Pairing.cadre_id,
            contact.pairing_id,
            contact.contact_date,
            stored_entry_day(contact).label("entry_day"),
            Household.village_code,
        )
        .join(Pairing, Pairing.id == contact.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(
            contact.contact_date >= dt.date(as_of.year, 1, 1),
            contact.contact_date <= as_of,
            scope.within(Household.village_code),
            _of_cadres(Pairing.cadre_id, cadres),
            *where,
        )
        .subquery("year_contacts")
    )


class _ByEntryDelay(Alias):
    """The contacts table read through ix_contacts_entry_delay. On SQLite, INDEXED BY: its planner,
    without histograms, takes a range of delays for a quarter of the table and reads the year's
    contacts through the date index instead (3.3M rows to keep 131k at province: 9.4 s CPU for
    补录 instead of 0.8 s, and the same for one county). Elsewhere a plain alias (PostgreSQL's
    statistics know how few contacts are late)."""

    inherit_cache = True


@compiles(_ByEntryDelay, "sqlite")
def _by_entry_delay_sqlite(element, compiler, **kw):
    text = compiler.visit_alias(element, **kw)
    return f"{text} INDEXED BY ix_contacts_entry_delay" if kw.get("asfrom") else text


_DELAYED = aliased(Contact, _ByEntryDelay._construct(Contact.__table__, name="delayed_contacts"))


def _wide(scope: Scope) -> bool:
    """Whether a read of delayed contacts over `scope` goes through the delay index (the province:
    1.1 s CPU for its 补录 on the province demo, 9.9 s through its households) rather than through
    its households' pairings (a city or county: their own contacts — 0.37 s CPU for 陇南市's 补录
    that way, 0.86 s through the index; 0.05 s for 西和县, 0.8 s)."""
    return len(scope.prefix) <= 2


def _cadres_in(scope: Scope) -> Select:
    """SQL: ids of the cadres paired (ever) with a household in scope."""
    return (select(Pairing.cadre_id).join(Household, Household.id == Pairing.household_id)
            .where(scope.within(Household.village_code)))


def _delayed_year_contacts(scope: Scope, as_of: dt.date, cadres, condition):
    """`_year_contacts` whose stored entry delay (contacts.entry_delay_days) meets `condition(delay)`:
    over the province through the delay index (a range of delays); for given cadres, a city or a
    county through their own pairings (the delay as an expression, which no index serves)."""
    if cadres is None and _wide(scope):
        return _year_contacts(scope, as_of, None, condition(_DELAYED.entry_delay_days), contact=_DELAYED)
    return _year_contacts(scope, as_of, cadres, condition(Contact.entry_delay_days + 0))


def _row(signal: str, cadre_id, record_id, village_code) -> list:
    """A signal's columns: which, whose, the record behind it and the village of its household."""
    return [literal(signal).label("signal"), cadre_id.label("cadre_id"), record_id.label("record_id"),
            village_code.label("village_code")]


def _backfilled_rows(scope: Scope, as_of: dt.date, policy: Policy, cadres=None):
    """The contacts of the year entered more than late_entry_days after their date: entry day − date
    (the stored delay) > late_entry_days."""
    return _delayed_year_contacts(scope, as_of, cadres, lambda delay: delay > policy.late_entry_days)


def _backfilled(scope: Scope, as_of: dt.date, policy: Policy, cadres=None) -> Select:
    rows = _backfilled_rows(scope, as_of, policy, cadres)
    return select(*_row(BACKFILLED, rows.c.cadre_id, rows.c.record_id, rows.c.village_code))


def _batch(scope: Scope, as_of: dt.date, policy: Policy, cadres=None) -> Select:
    # The cadre's bursts are read over all their contacts (a cadre paired in two townships has one
    # batch); the records shown are those in scope. A burst's dates span max(delay) − min(delay)
    # days (date = entry day − delay), so one spanning burst_span_days or more has a member delayed
    # burst_span_days or more, or one with a negative delay (a date corrected to after its entry):
    # those members, found through the delay index, name the only (cadre, entry day) to count.
    # (read over the cadres paired in the scope, when it is a city, county or township)
    seed_cadres = cadres if cadres is not None or _wide(scope) else _cadres_in(scope)
    seeds = _delayed_year_contacts(EVERYWHERE, as_of, seed_cadres,
                                   lambda delay: or_(delay >= policy.burst_span_days, delay < 0))
    candidates = (
        select(seeds.c.cadre_id, seeds.c.entry_day).where(seeds.c.cadre_id.is_not(None)).distinct()
        .cte("burst_candidates").prefix_with("MATERIALIZED", dialect="postgresql")
    )
    # the candidate cadres' contacts of the year entered on a candidate day, read once through
    # their pairings; counted per (cadre, entry day); those in scope are the records behind it
    every = _year_contacts(EVERYWHERE, as_of, select(candidates.c.cadre_id) if cadres is None else cadres)
    members = (
        select(every)
        .join(candidates, and_(candidates.c.cadre_id == every.c.cadre_id, candidates.c.entry_day == every.c.entry_day))
        .cte("burst_members").prefix_with("MATERIALIZED")
    )
    groups = (
        select(members.c.cadre_id, members.c.entry_day)
        .group_by(members.c.cadre_id, members.c.entry_day)
        .having(
            func.count() >= policy.burst_size,
            days_between(func.min(members.c.contact_date), func.max(members.c.contact_date)) >= policy.burst_span_days,
        )
        .subquery("bursts")
    )
    return (
        select(*_row(BATCH, members.c.cadre_id, members.c.record_id, members.c.village_code))
        .join(groups, and_(groups.c.cadre_id == members.c.cadre_id, groups.c.entry_day == members.c.entry_day))
        .where(scope.within(members.c.village_code))
    )


def _quarter_end_windows(day, as_of: dt.date, window: int):
    """SQL: `day` lies within the `window` days ending on a quarter's last day (years Y .. next year;
    a contact of the year cannot have been entered before Y, and entry days beyond are in the past)."""
    last_year = max(as_of.year, current_date().year) + 1
    ends = [dt.date(y, m, d) for y in range(as_of.year, last_year + 1) for m, d in QUARTER_ENDS]
    return or_(*(day.between(end - dt.timedelta(days=window - 1), end) for end in ends))


def _before_deadline(scope: Scope, as_of: dt.date, policy: Policy, cadres=None) -> Select:
    rows = _backfilled_rows(scope, as_of, policy, cadres)
    window = policy.deadline_window_days
    deadline = (
        select(SupervisionAction.id)
        .where(
            SupervisionAction.pairing_id == rows.c.pairing_id,
            SupervisionAction.issued_date <= as_of,
            rows.c.entry_day <= SupervisionAction.deadline,
            rows.c.entry_day >= plus_days(SupervisionAction.deadline, -(window - 1)),
        )
        .exists()
    )
    return select(*_row(BEFORE_DEADLINE, rows.c.cadre_id, rows.c.record_id, rows.c.village_code)).where(
        or_(_quarter_end_windows(rows.c.entry_day, as_of, window), deadline),
    )


def _year_notes(as_of: dt.date, policy: Policy, contact=Contact) -> tuple:
    """SQL conditions: the contact is dated in the year up to D and its note (note_key) has at least
    `min_note_chars` characters — the notes 雷同记录 compares."""
    return (contact.contact_date >= dt.date(as_of.year, 1, 1), contact.contact_date <= as_of,
            contact.note_key.is_not(None), func.length(contact.note_key) >= policy.min_note_chars)


def _repeated_note(own_records, another_cadre, policy: Policy):
    """SQL: a cadre's note is 雷同记录 when it is on `dup_note_count` or more of their records of the
    year (`own_records`), or `another_cadre` (a condition: another cadre's record of the year has it)."""
    return or_(own_records >= policy.dup_note_count, another_cadre)


def _repeated(scope: Scope, as_of: dt.date, policy: Policy, cadres=None) -> Select:
    if cadres is not None:
        return _repeated_of(scope, as_of, policy, cadres)
    # Texts are compared over every cadre's notes of the year (a copied note crosses townships);
    # the records shown are those in scope. Each contact stores its note normalised (note_key,
    # written with the note), so this groups an index and normalises nothing.
    year = (Contact.contact_date >= dt.date(as_of.year, 1, 1), Contact.contact_date <= as_of)
    # A text can be flagged only when two records of the year carry it (or dup_note_count is 1):
    # found from the note_key index alone, before any record is joined to its cadre.
    candidates = (
        select(Contact.note_key).where(*_year_notes(as_of, policy))
        .group_by(Contact.note_key).having(func.count() >= min(2, policy.dup_note_count))
    )
    notes = (
        select(Contact.id.label("record_id"), Pairing.cadre_id, Household.village_code, Contact.note_key.label("note"))
        .join(Pairing, Pairing.id == Contact.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(*year, Contact.note_key.in_(candidates))
        .cte("year_notes")
        .prefix_with("MATERIALIZED")
    )
    per_cadre = (
        select(notes.c.cadre_id, notes.c.note, func.count().label("n"))
        .group_by(notes.c.cadre_id, notes.c.note)
        .cte("note_per_cadre")
        .prefix_with("MATERIALIZED")
    )
    cadres_per_note = (
        select(per_cadre.c.note, func.count().label("cadres")).group_by(per_cadre.c.note).subquery("cadres_per_note")
    )
    flagged = (
        select(per_cadre.c.cadre_id, per_cadre.c.note)
        .join(cadres_per_note, cadres_per_note.c.note == per_cadre.c.note)
        .where(_repeated_note(per_cadre.c.n, cadres_per_note.c.cadres >= 2, policy))
        .subquery("repeated_notes")
    )
    return (
        select(*_row(REPEATED, notes.c.cadre_id, notes.c.record_id, notes.c.village_code))
        .join(flagged, and_(flagged.c.cadre_id == notes.c.cadre_id, flagged.c.note == notes.c.note))
        .where(scope.within(notes.c.village_code))
    )


def _repeated_of(scope: Scope, as_of: dt.date, policy: Policy, cadres) -> Select:
    """`_repeated`'s rows of the given cadres only: their notes of the year counted per cadre, each
    looked up among the other cadres' records of the year through the note_key index (one seek per
    note, stopping at the first copy) — a note copied across the province is not read in full."""
    notes = (
        select(Contact.id.label("record_id"), Pairing.cadre_id, Household.village_code, Contact.note_key.label("note"))
        .join(Pairing, Pairing.id == Contact.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(*_year_notes(as_of, policy), Pairing.cadre_id.in_(cadres))
        .cte("cadre_notes")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    per_cadre = (
        select(notes.c.cadre_id, notes.c.note, func.count().label("n"))
        .group_by(notes.c.cadre_id, notes.c.note)
        .subquery("cadre_note_counts")
    )
    other = aliased(Contact, name="other_contact")
    other_pairing = aliased(Pairing, name="other_pairing")
    another_cadre = (
        select(other.id)
        .join(other_pairing, other_pairing.id == other.pairing_id)
        .where(other.note_key == per_cadre.c.note, *_year_notes(as_of, policy, other),
               other_pairing.cadre_id != per_cadre.c.cadre_id)
        .exists()
    )
    flagged = (
        select(per_cadre.c.cadre_id, per_cadre.c.note)
        .where(_repeated_note(per_cadre.c.n, another_cadre, policy))
        .subquery("repeated_notes")
    )
    return (
        select(*_row(REPEATED, notes.c.cadre_id, notes.c.record_id, notes.c.village_code))
        .join(flagged, and_(flagged.c.cadre_id == notes.c.cadre_id, flagged.c.note == notes.c.note))
        .where(scope.within(notes.c.village_code))
    )


def _no_visits(scope: Scope, as_of: dt.date, policy: Policy, cadres=None) -> Select:
    status = compliance.pairing_status(scope, as_of, policy).subquery("pairing_status")
    flagged = (
        select(status.c.pairing_id, status.c.cadre_id, status.c.start_date, status.c.village_code)
        .where(status.c.owed_visits > 0, status.c.done_visits == 0,
               status.c.done_contacts >= policy.min_contacts_no_visit, _of_cadres(status.c.cadre_id, cadres))
        .subquery("calls_only")
    )
    return (
        select(*_row(NO_VISITS, flagged.c.cadre_id, Contact.id, flagged.c.village_code))
        .join(Contact, Contact.pairing_id == flagged.c.pairing_id)
        .where(
            Contact.contact_date >= dt.date(as_of.year, 1, 1),
            Contact.contact_date >= flagged.c.start_date,
            Contact.contact_date <= as_of,
        )
    )


def survey_cadre():
    """SQL: the cadre a 回访 is about — its 干部编号, else the cadre of the household's pairing
    active on 回访日期 (the latest started, should there be two)."""
    active = aliased(Pairing, name="active_pairing")
    fallback = (
        select(active.cadre_id)
        .where(active.household_id == Satisfaction.household_id, active.start_date <= Satisfaction.survey_date,
               or_(active.end_date.is_(None), active.end_date > Satisfaction.survey_date))
        .order_by(active.start_date.desc(), active.id.desc())
        .limit(1)
        .correlate(Satisfaction)  # also when nested two levels deep (recorded_visits' EXISTS):
        .scalar_subquery()        # auto-correlation would cross-join every 回访 there
    )
    return func.coalesce(Satisfaction.cadre_id, fallback)


def recorded_visits(*columns) -> Select:
    """SQL, correlated to the enclosing query's Satisfaction row: the 实地走访 its cadre
    (`survey_cadre`) recorded with its household in the three months ending on 回访日期 (after the
    same day three months earlier, up to and including 回访日期)."""
    return (
        select(*columns)
        .select_from(Contact)
        .join(Pairing, Pairing.id == Contact.pairing_id)
        .where(
            Pairing.household_id == Satisfaction.household_id,
            Pairing.cadre_id == survey_cadre(),
            Contact.method == METHOD_VISIT,
            Contact.contact_date > three_months_before(Satisfaction.survey_date),
            Contact.contact_date <= Satisfaction.survey_date,
        )
    )


def disagrees():
    """SQL condition on a Satisfaction row: 回访不符 — the family says the cadre did not come
    (干部是否上门 = 否) while a visit is recorded (`recorded_visits`). The one definition: the signal
    below, 满意度回访, 工作总览 and 月通报 all count with it."""
    return and_(Satisfaction.cadre_came == CADRE_CAME_NO, recorded_visits(Contact.id).exists())


def _about_cadres(cadres) -> list:
    """SQL: what `survey_cadre() in cadres` implies, on indexed columns — the 回访 names one of
    them, or names none and is about a household one of them was paired with (the fallback's
    pairing): found by the 回访's cadre and household indexes, not by reading every 回访."""
    if cadres is None:
        return []
    households = select(Pairing.household_id).where(Pairing.cadre_id.in_(cadres))
    return [or_(Satisfaction.cadre_id.in_(cadres),
                and_(Satisfaction.cadre_id.is_(None), Satisfaction.household_id.in_(households)))]


def _disagrees(scope: Scope, as_of: dt.date, policy: Policy, cadres=None) -> Select:
    return (
        select(*_row(DISAGREES, survey_cadre(), Satisfaction.id, Household.village_code))
        .join(Household, Household.id == Satisfaction.household_id)
        .where(
            Satisfaction.survey_date >= dt.date(as_of.year, 1, 1),
            Satisfaction.survey_date <= as_of,
            scope.within(Household.village_code),
            disagrees(),
            _of_cadres(survey_cadre(), cadres),
            *_about_cadres(cadres),
        )
    )


_BUILDERS = {
    BACKFILLED: _backfilled,
    BATCH: _batch,
    BEFORE_DEADLINE: _before_deadline,
    REPEATED: _repeated,
    NO_VISITS: _no_visits,
    DISAGREES: _disagrees,
}


def signal_records(scope: Scope, as_of: dt.date, policy: Policy, signals: tuple[str, ...] = SIGNALS,
                   located: bool = False, cadres=None) -> Select:
    """One row per (signal, cadre, record behind it): columns signal, cadre_id, record_id (a contact's
    id; a 回访's id for 回访不符) and, when `located`, village_code (of the household the record is
    about). The one definition every count, list and export selects from. `cadres` (ids) keeps the
    rows of those cadres only, read the same way (signal_store refreshes the cadres a write touched)."""
    parts = [_BUILDERS[name](scope, as_of, policy, cadres) for name in signals]
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    if located:
        return statement
    rows = statement.subquery("located_records")
    return select(rows.c.signal, rows.c.cadre_id, rows.c.record_id)


# --- reading -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignalFilter:
    signal: str | None = None
    unit_id: int | None = None
    township: str | None = None  # a township code: cadres with a pairing in it


def located_counts(session: Session, scope: Scope, as_of: dt.date, policy: Policy,
                   signals: tuple[str, ...] = SIGNALS, cadre_ids=None) -> list[tuple[int, str, str, int]]:
    """(cadre_id, township code, signal, records behind it) for the records in scope whose household
    lies in that township — every count of this module is a sum of these rows (a record is about one
    household, so sums over townships are exact). Only those of `cadre_ids` when given. Read from
    the stored evaluation of the day when one is valid (signal_store: the same rows, kept by the
    write path), else live."""
    cadre_ids = None if cadre_ids is None else sorted(set(cadre_ids))
    if len(scope.prefix) <= 9:  # the stored rows are per township
        stored = signal_store.find(session, as_of, policy)
        if stored is not None:
            return signal_store.counts(session, stored, scope, signals, cadre_ids)
    return live_located_counts(session, scope, as_of, policy, signals, cadre_ids)


def live_located_counts(session: Session, scope: Scope, as_of: dt.date, policy: Policy,
                        signals: tuple[str, ...] = SIGNALS, cadres=None) -> list[tuple[int, str, str, int]]:
    """located_counts read from the records (of `cadres` only, when given): one grouped query."""
    statement = live_rows(scope, as_of, policy, signals, cadres)
    return [(int(c), str(t), str(sig), int(n)) for c, t, sig, n in session.execute(statement)]


def live_rows(scope: Scope, as_of: dt.date, policy: Policy, signals: tuple[str, ...] = SIGNALS, cadres=None) -> Select:
    """SQL: live_located_counts's rows (cadre_id, township, signal, records)."""
    rows = signal_records(scope, as_of, policy, signals, located=True, cadres=cadres).subquery("signal_records")
    township = func.substr(rows.c.village_code, 1, 9)
    return (
        select(rows.c.cadre_id, township.label("township"), rows.c.signal,
               func.count(func.distinct(rows.c.record_id)).label("records"))
        .where(rows.c.cadre_id.is_not(None))
        .group_by(rows.c.cadre_id, township, rows.c.signal)
    )


def located_rows(session: Session, scope: Scope, as_of: dt.date, policy: Policy,
                 signals: tuple[str, ...] = SIGNALS, cadre_ids=None) -> Select:
    """SQL: located_counts's rows (cadre_id, township, signal, records) — the stored evaluation's
    when one is valid and the scope is a township or wider, else read live (`live_rows`): the
    pages' lists, totals and tables aggregate these in the database. Of `cadre_ids` only when given
    (a few: 干部详情)."""
    cadre_ids = None if cadre_ids is None else sorted(set(cadre_ids))
    if len(scope.prefix) <= 9:  # the stored rows are per township
        stored = signal_store.find(session, as_of, policy)
        if stored is not None:
            return signal_store.rows(stored, scope, signals, cadre_ids)
    return live_rows(scope, as_of, policy, signals, cadre_ids)


def store(session: Session, as_of: dt.date, policy: Policy) -> int:
    """Store the signals of `as_of` over the whole database (signal_store.store); its id."""
    return signal_store.store(session, as_of, policy, lambda cadres: live_located_counts(
        session, EVERYWHERE, as_of, policy, cadres=cadres))


def ensure_stored(session: Session, as_of: dt.date, policy: Policy) -> int:
    """The valid stored evaluation of `as_of`, stored first when there is none (upkeep)."""
    return signal_store.find(session, as_of, policy) or store(session, as_of, policy)


def refresh_stored(session: Session, cadre_ids, note_keys=(), policy: Policy | None = None) -> list[int]:
    """For a write, in its transaction after its last version bump: keep the stored evaluations valid
    by reading again the signals of the cadres it touched (and of those sharing a note text it wrote
    or replaced: `note_keys`). signal_store.refresh."""
    from data_access.policy import load_policy

    policy = policy or load_policy(session)
    return signal_store.refresh(
        session, policy, cadre_ids,
        lambda as_of, cadres: live_located_counts(session, EVERYWHERE, as_of, policy, cadres=cadres),
        note_keys,
    )


CADRE_COLUMNS = ["干部编号", "干部姓名", "工作单位", *SIGNALS, "信号数", "记录合计"]

# The 排序 choices of the cadre list (one row per cadre with a signal), turned into ORDER BY by
# `cadre_signals`; every order ends on 干部编号 (unique), so a page of the list is well defined.
CADRE_SORTS = (
    Sort("信号多的在前", (("信号数", True), ("记录合计", True), ("干部编号", False))),
    Sort("记录多的在前", (("记录合计", True), ("信号数", True), ("干部编号", False))),
    *(Sort(f"{name}记录多的在前", ((name, True), ("信号数", True), ("干部编号", False))) for name in SIGNALS),
    Sort("按工作单位", (("工作单位", False), ("信号数", True), ("干部编号", False))),
)


def _per_signal(rows) -> list:
    """SQL aggregates over located rows: the records behind each signal (columns s0 .. s5, RULES.md order)."""
    return [func.coalesce(func.sum(case((rows.c.signal == name, rows.c.records), else_=0)), 0).label(f"s{i}")
            for i, name in enumerate(SIGNALS)]


def _per_cadre(session: Session, scope: Scope, as_of: dt.date, policy: Policy, flt: SignalFilter, cadre_ids=None):
    """SQL: one row per cadre with a signal (the filter's signal, in its township): cadre_id, s0 .. s5
    (records behind each signal), signals (how many), records (their sum). The unit is the caller's
    (it is the cadre's, not the record's)."""
    rows = located_rows(session, scope, as_of, policy, (flt.signal,) if flt.signal else SIGNALS,
                        cadre_ids).subquery("located")
    sums = (
        select(rows.c.cadre_id, *_per_signal(rows), func.sum(rows.c.records).label("records"))
        .where(*([Scope(flt.township).within(rows.c.township)] if flt.township else []))
        .group_by(rows.c.cadre_id)
        .subquery("per_cadre_sums")
    )
    found = sum(case((sums.c[f"s{i}"] > 0, 1), else_=0) for i in range(len(SIGNALS)))  # cheaper than DISTINCT
    return select(sums, found.label("signals")).subquery("per_cadre")


def cadre_signals(session: Session, scope: Scope, as_of: dt.date, policy: Policy,
                  flt: SignalFilter = SignalFilter(), order: str | None = None, offset: int = 0,
                  limit: int | None = None) -> pd.DataFrame:
    """Cadres with at least one signal (of the filter's signal, unit and township): columns cadre_id,
    CADRE_COLUMNS (records behind each signal), in the CADRE_SORTS order named `order` (default worst
    first: most signals, then most records, then code); rows `offset` .. `offset + limit` only when
    a limit is given (the page shows one page; the export takes all). Grouped, sorted and paged in
    the database; names joined for the rows returned only."""
    per = _per_cadre(session, scope, as_of, policy, flt)
    keys = {**{name: per.c[f"s{i}"] for i, name in enumerate(SIGNALS)}, "信号数": per.c.signals,
            "记录合计": per.c.records, "干部编号": Cadre.code, "工作单位": Unit.name}
    statement = (
        select(per.c.cadre_id, Cadre.code, Cadre.name, Unit.name, *(per.c[f"s{i}"] for i in range(len(SIGNALS))),
               per.c.signals, per.c.records)
        .join(Cadre, Cadre.id == per.c.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .where(*([Cadre.unit_id == flt.unit_id] if flt.unit_id else []))
        .order_by(*(keys[name].desc() if desc else keys[name].asc() for name, desc in pick(CADRE_SORTS, order).keys))
    )
    if offset:
        statement = statement.offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    data = [[int(r[0]), r[1], r[2], r[3], *(int(n) for n in r[4:])] for r in session.execute(statement)]
    return pd.DataFrame(data, columns=["cadre_id", *CADRE_COLUMNS])


@dataclass(frozen=True)
class SignalTotals:
    """How many cadres have a signal (`cadres`: any; `by_signal`: each) — the page's cards and the
    length of its list, the bulletin's counts."""

    cadres: int
    by_signal: dict[str, int]


def cadre_totals(session: Session, scope: Scope, as_of: dt.date, policy: Policy,
                 flt: SignalFilter = SignalFilter()) -> SignalTotals:
    """Cadres with a signal, in all and per signal, under the filter's signal, unit and township: the
    counts of `cadre_signals`'s rows (one grouped query, no row sent back)."""
    per = _per_cadre(session, scope, as_of, policy, flt)
    statement = select(func.count(), *(func.coalesce(func.sum(case((per.c[f"s{i}"] > 0, 1), else_=0)), 0)
                                       for i in range(len(SIGNALS)))).select_from(per)
    if flt.unit_id:
        statement = statement.join(Cadre, Cadre.id == per.c.cadre_id).where(Cadre.unit_id == flt.unit_id)
    total, *each = session.execute(statement).one()
    return SignalTotals(int(total), {name: int(n) for name, n in zip(SIGNALS, each, strict=True)})


def cadre_signal_counts(session: Session, scope: Scope, as_of: dt.date, policy: Policy, cadre_id: int) -> dict[str, int]:
    """One cadre's signals: signal → records behind it in scope (signals found only) — that cadre's
    rows only: from the stored signals of the day when valid, else `signal_records` read for this
    cadre through the cadre's own pairings (干部详情, at any scope: the province's signals are not
    computed to pick one cadre's)."""
    rows = located_rows(session, scope, as_of, policy, cadre_ids=[cadre_id]).subquery("located")
    found = dict(session.execute(
        select(rows.c.signal, func.sum(rows.c.records)).where(rows.c.cadre_id == cadre_id).group_by(rows.c.signal)
    ).all())
    return {s: int(found[s]) for s in SIGNALS if found.get(s)}


def cadre_ids_query(scope: Scope, as_of: dt.date, policy: Policy, session: Session | None = None) -> Select:
    """SQL: ids of the cadres with any signal (the laggard list's filter "with signals") — from the
    stored evaluation when a session is given and one is valid (located_rows), else live."""
    if session is not None:
        rows = located_rows(session, scope, as_of, policy).subquery("located")
        return select(rows.c.cadre_id).distinct()
    rows = signal_records(scope, as_of, policy).subquery("signal_records")
    return select(rows.c.cadre_id).where(rows.c.cadre_id.is_not(None)).distinct()


AREA_COLUMNS = ["有信号干部", *SIGNALS]


def area_counts(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per township (of the household a record is about) and per work unit (of the cadre): cadres with
    a signal (distinct) and records behind each signal. Largest first, then by name (then code, so
    two of one name keep an order). Grouped in the database."""
    rows = located_rows(session, scope, as_of, policy).subquery("located")
    aggregates = (func.count(func.distinct(rows.c.cadre_id)).label("cadres"), *_per_signal(rows))
    towns = select(rows.c.township, *aggregates).group_by(rows.c.township).subquery("per_township")
    county = aliased(Region)
    name = _township_label(scope, Region.name, county.name, towns.c.township)
    by_township = (
        select(name, towns.c.cadres, *(towns.c[f"s{i}"] for i in range(len(SIGNALS))))
        .select_from(towns).outerjoin(Region, Region.code == towns.c.township)
        .outerjoin(county, county.code == func.substr(towns.c.township, 1, 6))
        .order_by(towns.c.cadres.desc(), name, towns.c.township)
    )
    units = (select(Cadre.unit_id, *aggregates).select_from(rows).join(Cadre, Cadre.id == rows.c.cadre_id)
             .group_by(Cadre.unit_id).subquery("per_unit"))
    by_unit = (
        select(Unit.name, units.c.cadres, *(units.c[f"s{i}"] for i in range(len(SIGNALS))))
        .join(Unit, Unit.id == units.c.unit_id)
        .order_by(units.c.cadres.desc(), Unit.name, Unit.id)
    )

    def table(label: str, statement: Select) -> pd.DataFrame:
        data = [[r[0], *(int(n) for n in r[1:])] for r in session.execute(statement)]
        return pd.DataFrame(data, columns=[label, *AREA_COLUMNS])

    return table("乡镇", by_township), table("工作单位", by_unit)


CONTACT_RECORD_COLUMNS = ["日期", "录入时间", "录入方式", "方式", "户编号", "村", "内容"]
SURVEY_RECORD_COLUMNS = ["回访日期", "回访方式", "回访人", "满意度", "干部是否上门", "户编号", "村", "说明",
                         "此前三个月登记的实地走访"]


def records_behind(session: Session, scope: Scope, as_of: dt.date, policy: Policy, cadre_id: int,
                   signal: str) -> pd.DataFrame:
    """The records behind one signal of one cadre, in scope: contacts (CONTACT_RECORD_COLUMNS, by note
    then date for 雷同记录 so equal notes sit side by side, else by entry time) or, for 回访不符, the
    回访 with the visits they contradict (SURVEY_RECORD_COLUMNS)."""
    rows = signal_records(scope, as_of, policy, (signal,)).subquery("signal_records")
    ids = select(rows.c.record_id).where(rows.c.cadre_id == cadre_id)
    village = Region.__table__.alias("village")
    if signal == DISAGREES:
        found = session.execute(
            select(Satisfaction.id, Satisfaction.survey_date, Satisfaction.method, Satisfaction.visitor,
                   Satisfaction.level, Satisfaction.cadre_came, Household.code, village.c.name, Satisfaction.note,
                   Satisfaction.household_id)
            .join(Household, Household.id == Satisfaction.household_id)
            .join(village, village.c.code == Household.village_code)
            .where(Satisfaction.id.in_(ids))
            .order_by(Satisfaction.survey_date, Satisfaction.id)
        ).all()
        data = []
        for r in found:
            visits = session.scalars(
                recorded_visits(Contact.contact_date).where(Satisfaction.id == r.id).order_by(Contact.contact_date)
            ).all()
            data.append([r.survey_date, r.method or "", r.visitor or "", r.level, r.cadre_came, r.code, r.name,
                         r.note or "", "、".join(f"{d:%Y-%m-%d}" for d in visits)])
        return pd.DataFrame(data, columns=SURVEY_RECORD_COLUMNS)
    statement = (
        select(Contact.contact_date, Contact.entered_at, Contact.entry_source, Contact.method, Household.code,
               village.c.name, Contact.content)
        .join(Pairing, Pairing.id == Contact.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .join(village, village.c.code == Household.village_code)
        .where(Contact.id.in_(ids))
    )
    if signal == REPEATED:
        statement = statement.order_by(Contact.note_key, Contact.contact_date, Contact.id)
    else:
        statement = statement.order_by(Contact.entered_at, Contact.contact_date, Contact.id)
    data = [
        [r[0], r[1].strftime("%Y-%m-%d %H:%M") if r[1] else "", r[2], r[3], r[4], r[5], r[6] or ""]
        for r in session.execute(statement)
    ]
    return pd.DataFrame(data, columns=CONTACT_RECORD_COLUMNS)


@dataclass(frozen=True)
class MonthFigures:
    """What the monthly bulletin says about checking (no names): 回访 dated in the month, those with a
    definite 干部是否上门 (是 / 否), those 回访不符, and cadres with each signal in the year to month end."""

    return_visits: int
    answered: int
    disagreeing: int
    cadres_by_signal: dict[str, int]

    @property
    def share_agreeing(self) -> float | None:
        return (self.answered - self.disagreeing) / self.answered if self.answered else None


def month_figures(session: Session, scope: Scope, start: dt.date, end: dt.date, policy: Policy) -> MonthFigures:
    surveys = (
        select(func.count(), func.coalesce(func.sum(case((Satisfaction.cadre_came.in_(("是", CADRE_CAME_NO)), 1),
                                                          else_=0)), 0))
        .join(Household, Household.id == Satisfaction.household_id)
        .where(Satisfaction.survey_date >= start, Satisfaction.survey_date <= end, scope.within(Household.village_code))
    )
    total, answered = session.execute(surveys).one()
    # the month's 回访 (in the year to its end) that disagree: 回访不符's records dated in the month
    disagreeing = session.execute(
        select(func.count())
        .select_from(Satisfaction)
        .join(Household, Household.id == Satisfaction.household_id)
        .where(Satisfaction.survey_date >= max(start, dt.date(end.year, 1, 1)), Satisfaction.survey_date <= end,
               scope.within(Household.village_code), disagrees())
    ).scalar_one()
    return MonthFigures(int(total), int(answered), int(disagreeing or 0),
                        cadre_totals(session, scope, end, policy).by_signal)


def _township_label(scope: Scope, township_name, county_name, code):
    """A township as the page names it: its name within a county; over a city or the province, with
    its county's name before it (a province has dozens of 城关镇)."""
    name = func.coalesce(township_name, code)
    if len(scope.prefix) >= 6:
        return name
    return func.coalesce(county_name, "").concat(name)


def township_options(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """Townships inside scope: (code, name — with its county's over a city or the province), by code
    (the page's filter)."""
    county = aliased(Region)
    statement = (select(Region.code, _township_label(scope, Region.name, county.name, Region.code))
                 .outerjoin(county, county.code == func.substr(Region.code, 1, 6))
                 .where(Region.level == "township", scope.within(Region.code)).order_by(Region.code))
    return [tuple(r) for r in session.execute(statement)]


def issue_supervision(session: Session, scope: Scope, as_of: dt.date, policy: Policy, cadre_id: int,
                      deadline: dt.date | None = None, today: dt.date | None = None, *,
                      actor: permissions.Actor):
    """A 督办 to the cadre about each of their pairings active on D in scope, naming the signals
    found (supervision.issue: a pending action on a pairing is escalated, not doubled)."""
    from data_access import supervision

    permissions.check(actor, "issue_reminders", scope)
    found = cadre_signal_counts(session, scope, as_of, policy, cadre_id)
    status = compliance.pairing_status(scope, as_of, policy).subquery("pairing_status")
    pairing_ids = list(session.scalars(select(status.c.pairing_id).where(status.c.cadre_id == cadre_id)))
    if not pairing_ids:
        raise ValueError("该干部在当前地区截至当日没有结对户")
    named = "、".join(f"{name} {n} 条" for name, n in found.items()) or "无"
    note = f"真实性核查发现：{named}。请如实记录联系走访情况，并按期实地走访"
    return supervision.issue(session, scope, as_of, policy, "督办", pairing_ids, today, deadline, note, actor=actor)


# --- export --------------------------------------------------------------------------------------------

EXPORT_COLUMNS = ["干部编号", "干部姓名", "工作单位", "信号", "记录数"]


def export_frame(session: Session, scope: Scope, as_of: dt.date, policy: Policy,
                 flt: SignalFilter = SignalFilter()) -> pd.DataFrame:
    """One row per cadre and signal found in the year to D: EXPORT_COLUMNS (记录数: the records behind
    it), cadres worst first, signals in RULES.md order."""
    cadres = cadre_signals(session, scope, as_of, policy, flt)
    data = [
        [r["干部编号"], r["干部姓名"], r["工作单位"], signal, int(r[signal])]
        for _, r in cadres.iterrows()
        for signal in SIGNALS
        if r[signal]
    ]
    return pd.DataFrame(data, columns=EXPORT_COLUMNS)


def export_signals(session: Session, scope: Scope, as_of: dt.date, policy: Policy, region_name: str,
                   fmt: str = "xlsx", flt: SignalFilter = SignalFilter(), *, actor: permissions.Actor) -> bytes:
    """The signals list as a file (csv or xlsx), stamped and audited in this transaction. Cadres are
    named (they are the officials checked); no person cared for appears."""
    permissions.check(actor, "export_lists", scope)
    permissions.check(actor, "view_signals", scope)
    frame = export_frame(session, scope, as_of, policy, flt)
    what = f"真实性核查信号（{as_of.year}年1月1日至{as_of:%Y年%m月%d日}）"
    stamp = exporting.ExportStamp(actor.username, what, region_name, dt.datetime.now())
    data = exporting.to_csv_bytes(frame, stamp) if fmt == "csv" else exporting.to_xlsx_bytes({"真实性核查": frame}, stamp)
    audit.record(session, actor.username, "export", scope.prefix or None, "真实性核查信号",
                 {"rows": len(frame), "as_of": as_of, "format": fmt, "signal": flt.signal})
    return data
