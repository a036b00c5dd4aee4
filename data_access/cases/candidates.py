"""Finding case candidates in the records: themes, the evidence of each pairing in a period, the
ranked page of candidates and the details of its rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Integer, and_, case, cast, desc, func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm import join as orm_join

from data_access import compliance, db
from data_access.cases import fit
from data_access.cases.errors import CaseError
from data_access.cases.redaction import PersonView, household_persons
from data_access.cases.scoring import explain, score
from data_access.cases.statuses import NO_CASE
from data_access.joins import Places, outer_first
from data_access.models import (
    Cadre,
    Contact,
    HolidayDay,
    Household,
    Need,
    Pairing,
    Person,
    PolicyDelivery,
    Satisfaction,
    TypicalCase,
    Unit,
)
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import (
    PERSON_ACTIVE,
    ROLE_PARENT,
)

THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "上学": (("上学",), ("上学", "入学", "学校", "学费", "助学", "书包", "文具", "辅导", "升学")),
    "就医": (("就医",), ("就医", "看病", "医院", "住院", "治疗", "手术", "体检", "医保")),
    "住房": (("住房",), ("住房", "危房", "房屋", "修缮", "改造", "漏雨", "搬迁")),
    "就业": (("就业",), ("就业", "务工", "岗位", "技能培训", "公益岗", "找工作")),
    "助残": ((), ("轮椅", "助听器", "假肢", "康复", "残疾证", "护理补贴", "助行器", "拐杖")),
    "生活保障": (("生活",), ("米面油", "衣物", "取暖", "棉被", "生活用品")),
    "政策落实": (("政策落实",), ("低保", "补贴", "救助", "养老保险")),
    "情感关爱": ((), ("谈心", "陪伴", "聊天", "生日", "心理", "团圆", "年夜饭", "亲人")),
    "养老": ((), ("养老", "敬老院", "高龄补贴", "老年")),
}


# The cadre-rank filter: a rank of vocabulary.RANKS, or leading cadres acting as 爱心爸妈.
LEADER_PARENTS = "领导干部（爱心爸妈）"


def _days_between(session: Session, start, end):
    """SQL: whole days from date `start` to date `end` (the only dialect branch of this module)."""
    if db.is_postgres(session):
        return end - start
    return cast(func.julianday(end) - func.julianday(start), Integer)


def belongs_to_pairing(model, pairing_id, household_id, start_date, dated):
    """SQL: a need/survey row belongs to the pairing: linked to it, or unlinked but of its household
    and dated (`dated`) on or after the pairing began."""
    return or_(
        model.pairing_id == pairing_id,
        and_(model.pairing_id.is_(None), model.household_id == household_id, dated >= start_date),
    )


def _theme_condition(theme: str, pairing_id, household_id, start_date, start: dt.date, end: dt.date):
    """SQL: the pairing's records in [start, end] are about `theme` (need category or note keyword)."""
    if theme not in THEMES:
        raise CaseError(f"未知的案例主题“{theme}”")
    categories, keywords = THEMES[theme]
    conditions = []
    if categories:
        conditions.append(
            select(Need.id)
            .where(
                belongs_to_pairing(Need, pairing_id, household_id, start_date, Need.raised_date),
                Need.category.in_(categories),
                Need.raised_date <= end,
                or_(Need.closed_date.is_(None), Need.closed_date >= start),
            )
            .exists()
        )
    conditions.append(
        select(Contact.id)
        .where(
            Contact.pairing_id == pairing_id,
            Contact.contact_date >= start,
            Contact.contact_date <= end,
            or_(*[Contact.content.contains(word, autoescape=True) for word in keywords]),
        )
        .exists()
    )
    return or_(*conditions)


def _search_condition(text: str, pairing_id, start: dt.date, end: dt.date):
    """SQL: a contact note of the pairing in the period contains `text` (LIKE with %, _ escaped;
    case-insensitive for Latin letters, exact for Chinese on both SQLite and PostgreSQL)."""
    return (
        select(Contact.id)
        .where(
            Contact.pairing_id == pairing_id,
            Contact.contact_date >= start,
            Contact.contact_date <= end,
            Contact.content.icontains(text, autoescape=True),
        )
        .exists()
    )


def primary_person_id(household_id):
    """SQL scalar: the household's first person (in register first, then by id)."""
    return (
        select(Person.id)
        .where(Person.household_id == household_id)
        .order_by(case((Person.status == PERSON_ACTIVE, 0), else_=1), Person.id)
        .limit(1)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class CandidateFilters:
    group: str | None = None  # a vocabulary.GROUPS value
    theme: str | None = None  # a THEMES key
    rank: str | None = None  # a vocabulary.RANKS value or LEADER_PARENTS
    search: str | None = None  # text in the contact notes
    period_start: dt.date | None = None  # default: 1 January of the as-of year


@dataclass(frozen=True)
class CandidatePage:
    rows: pd.DataFrame  # CANDIDATE_COLUMNS
    has_more: bool
    period_start: dt.date
    period_end: dt.date


CANDIDATE_COLUMNS = ["排名", "得分", "对象", "群体", "乡镇", "结对干部", "单位", "主题", "推荐理由", "案例状态",
                     "pairing_id", "case_id"]


def period_of(as_of: dt.date, filters: CandidateFilters) -> tuple[dt.date, dt.date]:
    start = filters.period_start or dt.date(as_of.year, 1, 1)
    if start > as_of:
        raise CaseError("期间开始日期不能晚于截至日期")
    return start, as_of


def _in_scope(statement, scope: Scope, pairing_id):
    """`statement` limited to the pairings of households inside `scope` (no join for everywhere)."""
    if not scope.prefix:
        return statement
    return (
        statement.join(Pairing, Pairing.id == pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(scope.within(Household.village_code))
    )


# The columns of one pairing's evidence (evidence_rows, and the stored case_evidence_rows).
EVIDENCE_COLUMNS = (
    "pairing_id", "household_id", "cadre_id", "village_code", "start_date", "done_contacts", "owed_contacts",
    "done_visits", "owed_visits", "needs_solved", "fast_solved", "solve_days", "holidays", "policies",
    "satisfied", "dissatisfied", "rich_notes",
)


def evidence_rows(session: Session, scope: Scope, as_of: dt.date, policy: Policy, start: dt.date,
                  pairing_ids: list[int] | None = None):
    """SQL: THE evidence of each pairing active on `as_of` in `scope` over start..as_of (one row per
    pairing, EVIDENCE_COLUMNS; extra contacts/visits come from the done and owed figures in
    `ranking_query`) — or of `pairing_ids` only (the write path refreshing what it touched).

    The sparse evidence (needs, surveys, policies, festival contacts) is aggregated once per period
    and joined by pairing; the rule's figures come from `compliance.pairing_status` (stored)."""
    end = as_of
    # The province seen from the province: the same rows unfiltered (status rows by pairing, not by
    # the region index: the rich-notes count then reads contacts in table order).
    scope = compliance.effective_scope(session, scope)
    status = compliance.status_rows(session, scope, end, policy)
    if pairing_ids is not None:
        status = status.where(status.selected_columns.pairing_id.in_(pairing_ids))
    ps = status.subquery("ps")
    pid, hid = ps.c.pairing_id, ps.c.household_id

    # needs, surveys and festivals are joined to `ps` by pairing, and `ps` holds only the scope's
    # pairings (by the household's village, as below): their own scope filter only narrows the work.
    # For the whole province, reading the period once costs less than going through the scope's
    # households and pairings (a province leader's page: 10 s -> 3 s on the province demo; for a
    # city, going through its households stays cheaper).
    # Wide, each aggregate also reads its own records first (outer_first: SQLite otherwise starts
    # from every pairing or person).
    narrow = not scope.province_wide or pairing_ids is not None
    aggregate_scope = scope if not scope.province_wide else EVERYWHERE
    mine = [] if pairing_ids is None else [Pairing.id.in_(pairing_ids)]

    def records_first(records, other, onclause):
        return orm_join(records, other, onclause) if narrow else outer_first(records, other, onclause)

    days = _days_between(session, Need.raised_date, Need.closed_date)
    needs = (
        select(
            Pairing.id.label("pairing_id"),
            func.count(Need.id).label("solved"),
            func.sum(case((days <= policy.case_fast_days, 1), else_=0)).label("fast"),
            func.sum(days).label("days"),
        )
        .select_from(Need)
        .join(Pairing, belongs_to_pairing(Need, Pairing.id, Pairing.household_id, Pairing.start_date, Need.raised_date))
        .join(Household, Household.id == Pairing.household_id)
        .where(Need.closed_date >= start, Need.closed_date <= end, compliance.active_on(end),
               aggregate_scope.within(Household.village_code), *mine)
        .group_by(Pairing.id)
        .subquery("needs_solved")
    )
    surveys = (
        select(
            Pairing.id.label("pairing_id"),
            func.sum(case((Satisfaction.level == "满意", 1), else_=0)).label("satisfied"),
            func.sum(case((Satisfaction.level == "不满意", 1), else_=0)).label("dissatisfied"),
        )
        .select_from(records_first(Satisfaction, Pairing, belongs_to_pairing(Satisfaction, Pairing.id, Pairing.household_id,
                                                                   Pairing.start_date, Satisfaction.survey_date)))
        .join(Household, Household.id == Pairing.household_id)
        .where(Satisfaction.survey_date >= start, Satisfaction.survey_date <= end, compliance.active_on(end),
               aggregate_scope.within(Household.village_code), *mine)
        .group_by(Pairing.id)
        .subquery("surveys")
    )
    households = [] if pairing_ids is None else [
        Person.household_id.in_(select(Pairing.household_id).where(Pairing.id.in_(pairing_ids)))]
    policies = (
        select(Person.household_id, func.count(PolicyDelivery.id).label("delivered"))
        .select_from(records_first(PolicyDelivery, Person, Person.id == PolicyDelivery.person_id))
        .where(PolicyDelivery.delivered.is_(True), PolicyDelivery.delivered_date >= start,
               PolicyDelivery.delivered_date <= end, scope.within(Person.village_code), *households)
        .group_by(Person.household_id)
        .subquery("policies")
    )
    on_festival = Contact.contact_date == HolidayDay.day
    festivals = _in_scope(
        select(Contact.pairing_id, func.count(func.distinct(HolidayDay.name)).label("festivals"))
        # Wide: each festival day's contacts by the date index, not every contact of the period.
        .select_from(records_first(HolidayDay, Contact, on_festival))
        .where(HolidayDay.day >= start, HolidayDay.day <= end,
               *([] if pairing_ids is None else [Contact.pairing_id.in_(pairing_ids)])),
        aggregate_scope,
        Contact.pairing_id,
    ).group_by(Contact.pairing_id).subquery("festivals")
    rich_notes = (
        select(func.count(Contact.id))
        .where(Contact.pairing_id == pid, Contact.contact_date >= start, Contact.contact_date <= end,
               func.length(Contact.content) >= policy.case_note_chars)
        .scalar_subquery()
    )

    return (
        select(
            pid.label("pairing_id"),
            hid.label("household_id"),
            ps.c.cadre_id,
            ps.c.village_code,
            ps.c.start_date,
            ps.c.done_contacts,
            ps.c.owed_contacts,
            ps.c.done_visits,
            ps.c.owed_visits,
            func.coalesce(needs.c.solved, 0).label("needs_solved"),
            func.coalesce(needs.c.fast, 0).label("fast_solved"),
            func.coalesce(needs.c.days, 0).label("solve_days"),
            func.coalesce(festivals.c.festivals, 0).label("holidays"),
            func.coalesce(policies.c.delivered, 0).label("policies"),
            func.coalesce(surveys.c.satisfied, 0).label("satisfied"),
            func.coalesce(surveys.c.dissatisfied, 0).label("dissatisfied"),
            rich_notes.label("rich_notes"),
        )
        .select_from(ps)
        .outerjoin(needs, needs.c.pairing_id == pid)
        .outerjoin(surveys, surveys.c.pairing_id == pid)
        .outerjoin(policies, policies.c.household_id == hid)
        .outerjoin(festivals, festivals.c.pairing_id == pid)
    )


def evidence_query(session: Session, scope: Scope, as_of: dt.date, policy: Policy, filters: CandidateFilters):
    """SQL: one row per pairing active on the period's end in `scope` (after the filters), with the
    evidence of `evidence_rows` — read from the evidence the write path keeps (evidence_store) when
    a set is valid for the day, period and settings; for a scope wider than a county with none, it
    is stored first (once per change of the records, like the rule's evaluation). The result is
    materialised, so the score, its filter and its ordering read it once."""
    from data_access.cases import evidence_store

    start, end = period_of(as_of, filters)
    kept = evidence_store.rows_for(session, scope, end, start, policy)
    if kept is not None:
        rows = kept.subquery("evidence_rows")
    else:
        rows = evidence_rows(session, scope, end, policy, start).subquery("evidence_rows")
    pid, hid, began = rows.c.pairing_id, rows.c.household_id, rows.c.start_date
    statement = select(*(rows.c[name] for name in EVIDENCE_COLUMNS)).select_from(rows)
    if filters.group:
        statement = statement.where(
            select(Person.id).where(Person.household_id == hid, Person.group == filters.group).exists()
        )
    if filters.theme:
        person = aliased(Person)
        person_fits = (
            select(person.id)
            .where(person.id == primary_person_id(hid),
                   fit.sql_condition(filters.theme, person.birth_date, person.group, as_of, policy))
            .exists()
        )
        statement = statement.where(_theme_condition(filters.theme, pid, hid, began, start, end), person_fits)
    if filters.search and filters.search.strip():
        statement = statement.where(_search_condition(filters.search.strip(), pid, start, end))
    if filters.rank:
        statement = statement.join(Cadre, Cadre.id == rows.c.cadre_id)
        if filters.rank == LEADER_PARENTS:
            statement = statement.join(Pairing, Pairing.id == pid).where(
                Cadre.is_leader.is_(True), Pairing.role == ROLE_PARENT
            )
        else:
            statement = statement.where(Cadre.rank == filters.rank)
    return statement.cte("evidence").prefix_with("MATERIALIZED")


def scored(c, policy: Policy) -> tuple:
    """(extra contacts, extra visits, THE score) of evidence columns `c` (evidence_rows' columns, as
    SQL): what ranking_query orders by and the write path stores with each row (evidence_store)."""
    components = {
        **{name: c[name] for name in EVIDENCE_COLUMNS},
        "extra_contacts": case((c.done_contacts > c.owed_contacts, c.done_contacts - c.owed_contacts), else_=0),
        "extra_visits": case((c.done_visits > c.owed_visits, c.done_visits - c.owed_visits), else_=0),
    }
    return components["extra_contacts"], components["extra_visits"], score(components, policy)


def ranking_query(session: Session, scope: Scope, as_of: dt.date, policy: Policy, filters: CandidateFilters):
    """SQL: the candidates, best first: score > 0, ordered by score then pairing id. Without filters,
    for a scope wider than a county, the stored rows with their stored score (by its index)."""
    from data_access.cases import evidence_store

    start, end = period_of(as_of, filters)
    if dataclasses.replace(filters, period_start=None) == CandidateFilters():
        kept = evidence_store.rows_for(session, scope, end, start, policy, with_score=True)
        if kept is not None:
            c = kept.selected_columns
            extra_contacts, extra_visits, _ = scored(c, policy)
            return (
                kept.add_columns(extra_contacts.label("extra_contacts"), extra_visits.label("extra_visits"))
                .where(c.score > 0)
                .order_by(c.score.desc(), c.pairing_id)
            )
    evidence = evidence_query(session, scope, as_of, policy, filters)
    c = evidence.c
    extra_contacts, extra_visits, points = scored(c, policy)
    return (
        select(*c, extra_contacts.label("extra_contacts"), extra_visits.label("extra_visits"), points.label("score"))
        .where(points > 0)
        .order_by(desc("score"), c.pairing_id)
    )


def _without_jit(session: Session) -> None:
    """PostgreSQL only: the planner overestimates the evidence joins by orders of magnitude, and JIT
    compilation then costs seconds for a query that runs in a fraction of one. Off for this
    transaction only."""
    if db.is_postgres(session):
        session.execute(sql_text("SET LOCAL jit = off"))


def candidates(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    filters: CandidateFilters = CandidateFilters(),  # noqa: B008 - frozen, never mutated
    page: int = 0,
    page_size: int = 50,
) -> CandidatePage:
    """One page of ranked candidates with their reasons, persons by alias and age only."""
    start, end = period_of(as_of, filters)
    _without_jit(session)
    statement = ranking_query(session, scope, as_of, policy, filters).offset(page * page_size).limit(page_size + 1)
    rows = [dict(r._mapping) for r in session.execute(statement)]
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    details = _pairing_details(session, [r["pairing_id"] for r in rows], as_of, policy, start, end)
    table = []
    for rank, row in enumerate(rows, start=page * page_size + 1):
        info = details[row["pairing_id"]]
        table.append(
            [
                rank,
                int(row["score"]),
                info.who,
                info.group,
                info.township,
                info.cadre,
                info.unit,
                "、".join(info.themes),
                "；".join(explain(row, policy)),
                info.case_status or NO_CASE,
                row["pairing_id"],
                info.case_id,
            ]
        )
    return CandidatePage(pd.DataFrame(table, columns=CANDIDATE_COLUMNS), has_more, start, end)


@dataclass(frozen=True)
class _Details:
    who: str
    group: str
    township: str
    cadre: str
    unit: str
    themes: tuple[str, ...]
    case_id: int | None
    case_status: str | None


def themes_of(session: Session, pairing_ids: list[int], start: dt.date, end: dt.date) -> dict[int, tuple[str, ...]]:
    if not pairing_ids:
        return {}
    names = list(THEMES)
    columns = [
        case((_theme_condition(t, Pairing.id, Pairing.household_id, Pairing.start_date, start, end), 1), else_=0)
        .label(f"t{i}")
        for i, t in enumerate(names)
    ]
    rows = session.execute(select(Pairing.id, *columns).where(Pairing.id.in_(pairing_ids))).all()
    return {row[0]: tuple(t for t, hit in zip(names, row[1:], strict=True) if hit) for row in rows}


def fitting_themes(themes, person: PersonView | None, policy: Policy) -> tuple[str, ...]:
    """The themes of `themes` that fit the case's person (`fit.theme_fits`; all when unknown)."""
    return fit.fitting(themes, person.age if person else None, person.group if person else None, policy)


def theme_choices(person: PersonView | None, policy: Policy) -> tuple[str, ...]:
    """The themes a case about `person` may be given (THEMES in order, those that fit)."""
    return fitting_themes(tuple(THEMES), person, policy)


def latest_cases(session: Session, pairing_ids: list[int]) -> dict[int, TypicalCase]:
    latest: dict[int, TypicalCase] = {}
    if pairing_ids:
        for row in session.scalars(
            select(TypicalCase).where(TypicalCase.pairing_id.in_(pairing_ids)).order_by(TypicalCase.id)
        ):
            latest[row.pairing_id] = row
    return latest


def _pairing_details(
    session: Session, pairing_ids: list[int], as_of: dt.date, policy: Policy, start: dt.date, end: dt.date
) -> dict[int, _Details]:
    if not pairing_ids:
        return {}
    place = Places()
    rows = session.execute(
        place.join(
            select(Pairing.id, Pairing.household_id, Cadre.name, Unit.name, place.township_name)
            .join(Cadre, Cadre.id == Pairing.cadre_id)
            .join(Unit, Unit.id == Cadre.unit_id)
            .join(Household, Household.id == Pairing.household_id),
            Household.village_code,
        ).where(Pairing.id.in_(pairing_ids))
    ).all()
    cases = latest_cases(session, pairing_ids)
    houses = household_persons(
        session, [r[1] for r in rows], as_of, policy,
        {r[1]: cases[r[0]].alias if r[0] in cases else None for r in rows},
    )
    themes = themes_of(session, pairing_ids, start, end)
    details = {}
    for pid, hid, cadre, unit, town in rows:
        house = houses[hid]
        found = cases.get(pid)
        details[pid] = _Details(
            who=house.who,
            group=house.persons[0].group if house.persons else "—",
            township=town or "—",
            cadre=cadre,
            unit=unit,
            themes=fitting_themes(themes.get(pid, ()), house.persons[0] if house.persons else None, policy),
            case_id=found.id if found else None,
            case_status=found.status if found else None,
        )
    return details
