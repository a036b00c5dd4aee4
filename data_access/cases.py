"""Typical cases (典型案例): finding candidates in the records, the case card, the vetting workflow
and the gallery figures.

- `score` is THE case score: Σ sign × weight × evidence over `SCORE_TERMS`, the weights being Policy
  settings. It is evaluated in SQL per pairing (`candidates`) and on plain numbers (`explain`), so the
  reasons shown are exactly the points that ranked the row. Ties are broken on the pairing id, so the
  same data always gives the same order.
- Evidence of a pairing in the period [start, end]: needs closed (and how fast), contacts and visits
  above what RULES.md owes at `end` (from `compliance.pairing_status`, never re-computed here),
  traditional festivals with a contact (`holiday_days`), entitled policies delivered, satisfaction
  surveys, and detailed contact notes.
- Persons appear only by alias and age: the case alias, `masking.child_alias` for a minor, surname + 某
  for an adult. Names, guardians' names, ID numbers and phone numbers are redacted from every text
  taken from the records. Nothing here returns an ID number or a phone.
- Workflow 候选 → 入围 → 已同意 (consent recorded) → 已审核 (leader) → 已发布, or 未采用 with a reason.
  Every step is audited ("case_status") and bumps the data version; text edits are audited
  ("case_edit") and never touch the records the case tells about.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from typing import Any

import pandas as pd
from sqlalchemy import Integer, and_, case, cast, desc, func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session
from sqlalchemy.orm import join as orm_join

from data_access import audit, compliance, db, masking, permissions
from data_access.joins import outer_first
from data_access.models import (
    AuditEntry,
    Cadre,
    Contact,
    HolidayDay,
    Household,
    Need,
    NeedEvent,
    Pairing,
    Person,
    PolicyDelivery,
    Region,
    Satisfaction,
    TypicalCase,
    Unit,
    User,
)
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import (
    CASE_APPROVED,
    CASE_CANDIDATE,
    CASE_CONSENTED,
    CASE_PUBLISHED,
    CASE_REJECTED,
    CASE_SHORTLISTED,
    GROUPS,
    METHOD_VISIT,
    PERSON_ACTIVE,
    ROLE_PARENT,
)

# ---------------------------------------------------------------------------------------------
# Themes: need categories and note keywords that make a pairing's story about a theme.

THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "上学": (("上学",), ("上学", "入学", "学校", "学费", "助学", "书包", "文具", "辅导", "升学")),
    "就医": (("就医",), ("就医", "看病", "医院", "住院", "治疗", "手术", "体检", "医保")),
    "住房": (("住房",), ("住房", "危房", "房屋", "修缮", "改造", "漏雨", "搬迁")),
    "就业": (("就业",), ("就业", "务工", "岗位", "技能培训", "公益岗", "找工作")),
    "助残": ((), ("轮椅", "助听器", "假肢", "康复", "残疾证", "护理补贴", "助行器", "拐杖")),
    "生活保障": (("生活",), ("米面油", "衣物", "取暖", "棉被", "生活用品")),
    "政策落实": (("政策落实",), ("低保", "补贴", "救助", "养老保险")),
    "情感关爱": ((), ("谈心", "陪伴", "聊天", "生日", "心理", "团圆", "年夜饭", "亲人")),
}

# The cadre-rank filter: a rank of vocabulary.RANKS, or leading cadres acting as 爱心爸妈.
LEADER_PARENTS = "领导干部（爱心爸妈）"

RELATION_SELF = "本人"
RELATION_GUARDIAN = "监护人"
CONSENT_RELATIONS = (RELATION_SELF, RELATION_GUARDIAN)

# The cases a batch brief and the gallery consider "on the shortlist".
NO_CASE = "未建案例"  # the case-status column of a candidate without a case
SHORTLIST_STATUSES = (CASE_SHORTLISTED, CASE_CONSENTED, CASE_APPROVED, CASE_PUBLISHED)
EDITABLE_STATUSES = (CASE_CANDIDATE, CASE_SHORTLISTED, CASE_CONSENTED)


class CaseError(ValueError):
    """A workflow or edit request the rules refuse; the message is the Chinese sentence to show."""


# ---------------------------------------------------------------------------------------------
# The score.


@dataclass(frozen=True)
class ScoreTerm:
    component: str  # evidence column
    weight: str  # Policy field holding the points per unit
    sign: int  # +1, or -1 for a penalty


SCORE_TERMS = (
    ScoreTerm("needs_solved", "case_weight_needs_solved", 1),
    ScoreTerm("fast_solved", "case_weight_fast_solved", 1),
    ScoreTerm("extra_contacts", "case_weight_extra_contacts", 1),
    ScoreTerm("extra_visits", "case_weight_extra_visits", 1),
    ScoreTerm("holidays", "case_weight_holidays", 1),
    ScoreTerm("policies", "case_weight_policies", 1),
    ScoreTerm("satisfied", "case_weight_satisfied", 1),
    ScoreTerm("dissatisfied", "case_weight_dissatisfied", -1),
    ScoreTerm("rich_notes", "case_weight_rich_notes", 1),
)


def score(evidence: Mapping[str, Any], policy: Policy):
    """THE case score of one pairing: Σ sign × weight × evidence over SCORE_TERMS.

    `evidence` maps each component to a number (for an explanation) or to a SQL column (for the
    ranking query); the same expression serves both, so the reasons add up to the rank score.
    """
    total = 0
    for term in SCORE_TERMS:
        total = total + term.sign * getattr(policy, term.weight) * evidence[term.component]
    return total


def explain(evidence: Mapping[str, Any], policy: Policy) -> list[str]:
    """The reasons, in Chinese, each with the points it earned; terms that earned nothing are left out."""
    n = {t.component: int(evidence[t.component] or 0) for t in SCORE_TERMS}
    points = {t.component: getattr(policy, t.weight) * n[t.component] for t in SCORE_TERMS}

    def figure(key: str) -> int:
        return int(evidence.get(key) or 0)

    texts = {
        "needs_solved": lambda: f"办结诉求 {n['needs_solved']} 件，平均 "
                                f"{figure('solve_days') / n['needs_solved']:.0f} 天办结",
        "fast_solved": lambda: f"{n['fast_solved']} 件诉求在 {policy.case_fast_days} 天内办结",
        "extra_contacts": lambda: f"联系 {figure('done_contacts')} 次，比应联系 {figure('owed_contacts')} 次"
                                  f"多 {n['extra_contacts']} 次",
        "extra_visits": lambda: f"实地走访 {figure('done_visits')} 次，比应走访 {figure('owed_visits')} 次"
                                f"多 {n['extra_visits']} 次",
        "holidays": lambda: f"{n['holidays']} 个传统节日当天联系",
        "policies": lambda: f"新落实应享政策 {n['policies']} 项",
        "satisfied": lambda: f"回访评价“满意” {n['satisfied']} 次",
        "dissatisfied": lambda: f"回访评价“不满意” {n['dissatisfied']} 次",
        "rich_notes": lambda: f"详实联系记录 {n['rich_notes']} 条",
    }
    return [
        f"{texts[t.component]()}（{'+' if t.sign > 0 else '−'}{points[t.component]}）"
        for t in SCORE_TERMS
        if points[t.component]
    ]


# ---------------------------------------------------------------------------------------------
# SQL building blocks.


def _days_between(session: Session, start, end):
    """SQL: whole days from date `start` to date `end` (the only dialect branch of this module)."""
    if db.is_postgres(session):
        return end - start
    return cast(func.julianday(end) - func.julianday(start), Integer)


def _belongs(model, pairing_id, household_id, start_date, dated):
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
                _belongs(Need, pairing_id, household_id, start_date, Need.raised_date),
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


def _primary_person_id(household_id):
    """SQL scalar: the household's first person (in register first, then by id)."""
    return (
        select(Person.id)
        .where(Person.household_id == household_id)
        .order_by(case((Person.status == PERSON_ACTIVE, 0), else_=1), Person.id)
        .limit(1)
        .scalar_subquery()
    )


# ---------------------------------------------------------------------------------------------
# Candidates.


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


def evidence_query(session: Session, scope: Scope, as_of: dt.date, policy: Policy, filters: CandidateFilters):
    """SQL: one row per pairing active on the period's end in `scope` (after the filters), with the
    evidence components of SCORE_TERMS (extra contacts/visits come from the done and owed figures in
    `ranking_query`) plus the figures the reasons quote.

    The sparse evidence (needs, surveys, policies, festival contacts) is aggregated once per period
    and joined by pairing; the rule's figures come from `compliance.pairing_status`. The result is
    materialised, so the score, its filter and its ordering read it once."""
    start, end = period_of(as_of, filters)
    # The province seen from the province: the same rows unfiltered (status rows by pairing, not by
    # the region index: the rich-notes count then reads contacts in table order).
    scope = compliance.effective_scope(session, scope)
    ps = compliance.status_rows(session, scope, end, policy).subquery("ps")
    pid, hid, began = ps.c.pairing_id, ps.c.household_id, ps.c.start_date

    # needs, surveys and festivals are joined to `ps` by pairing, and `ps` holds only the scope's
    # pairings (by the household's village, as below): their own scope filter only narrows the work.
    # For the whole province, reading the period once costs less than going through the scope's
    # households and pairings (a province leader's page: 10 s -> 3 s on the province demo; for a
    # city, going through its households stays cheaper).
    # Wide, each aggregate also reads its own records first (outer_first: SQLite otherwise starts
    # from every pairing or person).
    narrow = not scope.province_wide
    aggregate_scope = scope if narrow else EVERYWHERE

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
        .join(Pairing, _belongs(Need, Pairing.id, Pairing.household_id, Pairing.start_date, Need.raised_date))
        .join(Household, Household.id == Pairing.household_id)
        .where(Need.closed_date >= start, Need.closed_date <= end, compliance.active_on(end),
               aggregate_scope.within(Household.village_code))
        .group_by(Pairing.id)
        .subquery("needs_solved")
    )
    surveys = (
        select(
            Pairing.id.label("pairing_id"),
            func.sum(case((Satisfaction.level == "满意", 1), else_=0)).label("satisfied"),
            func.sum(case((Satisfaction.level == "不满意", 1), else_=0)).label("dissatisfied"),
        )
        .select_from(records_first(Satisfaction, Pairing, _belongs(Satisfaction, Pairing.id, Pairing.household_id,
                                                                   Pairing.start_date, Satisfaction.survey_date)))
        .join(Household, Household.id == Pairing.household_id)
        .where(Satisfaction.survey_date >= start, Satisfaction.survey_date <= end, compliance.active_on(end),
               aggregate_scope.within(Household.village_code))
        .group_by(Pairing.id)
        .subquery("surveys")
    )
    policies = (
        select(Person.household_id, func.count(PolicyDelivery.id).label("delivered"))
        .select_from(records_first(PolicyDelivery, Person, Person.id == PolicyDelivery.person_id))
        .where(PolicyDelivery.delivered.is_(True), PolicyDelivery.delivered_date >= start,
               PolicyDelivery.delivered_date <= end, scope.within(Person.village_code))
        .group_by(Person.household_id)
        .subquery("policies")
    )
    on_festival = Contact.contact_date == HolidayDay.day
    festivals = _in_scope(
        select(Contact.pairing_id, func.count(func.distinct(HolidayDay.name)).label("festivals"))
        # Wide: each festival day's contacts by the date index, not every contact of the period.
        .select_from(records_first(HolidayDay, Contact, on_festival))
        .where(HolidayDay.day >= start, HolidayDay.day <= end),
        aggregate_scope,
        Contact.pairing_id,
    ).group_by(Contact.pairing_id).subquery("festivals")
    rich_notes = (
        select(func.count(Contact.id))
        .where(Contact.pairing_id == pid, Contact.contact_date >= start, Contact.contact_date <= end,
               func.length(Contact.content) >= policy.case_note_chars)
        .scalar_subquery()
    )

    statement = (
        select(
            pid.label("pairing_id"),
            hid.label("household_id"),
            ps.c.village_code,
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
    if filters.group:
        statement = statement.where(
            select(Person.id).where(Person.household_id == hid, Person.group == filters.group).exists()
        )
    if filters.theme:
        statement = statement.where(_theme_condition(filters.theme, pid, hid, began, start, end))
    if filters.search and filters.search.strip():
        statement = statement.where(_search_condition(filters.search.strip(), pid, start, end))
    if filters.rank:
        statement = statement.join(Cadre, Cadre.id == ps.c.cadre_id)
        if filters.rank == LEADER_PARENTS:
            statement = statement.join(Pairing, Pairing.id == pid).where(
                Cadre.is_leader.is_(True), Pairing.role == ROLE_PARENT
            )
        else:
            statement = statement.where(Cadre.rank == filters.rank)
    return statement.cte("evidence").prefix_with("MATERIALIZED")


def ranking_query(session: Session, scope: Scope, as_of: dt.date, policy: Policy, filters: CandidateFilters):
    """SQL: the candidates, best first: score > 0, ordered by score then pairing id."""
    evidence = evidence_query(session, scope, as_of, policy, filters)
    c = evidence.c
    components = {
        **{column.name: column for column in c},
        "extra_contacts": case((c.done_contacts > c.owed_contacts, c.done_contacts - c.owed_contacts), else_=0),
        "extra_visits": case((c.done_visits > c.owed_visits, c.done_visits - c.owed_visits), else_=0),
    }
    points = score(components, policy)
    return (
        select(*c, components["extra_contacts"].label("extra_contacts"),
               components["extra_visits"].label("extra_visits"), points.label("score"))
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


# ---------------------------------------------------------------------------------------------
# Persons by alias, and text redaction.


@dataclass(frozen=True)
class PersonView:
    alias: str
    sex: str
    age: int
    group: str
    is_minor: bool

    @property
    def label(self) -> str:
        return f"{self.alias}（{self.age}岁，{self.group}）"


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _alias(name: str, sex: str, is_minor: bool) -> str:
    return masking.child_alias(name, sex if is_minor else None)


@dataclass
class _Household:
    """The persons of one household as the case shows them, and the redactor for its texts."""

    persons: list[PersonView] = field(default_factory=list)
    replacements: list[tuple[str, str]] = field(default_factory=list)

    @property
    def involves_minor(self) -> bool:
        return any(p.is_minor for p in self.persons)

    @property
    def who(self) -> str:
        if not self.persons:
            return "—"
        first = self.persons[0]
        more = f"等{len(self.persons)}人" if len(self.persons) > 1 else ""
        return f"{first.alias}（{first.age}岁）{more}"

    def redact(self, text: str | None) -> str:
        return redact(text, self.replacements)


_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE_PATTERN = re.compile(r"(?<!\d)1\d{2}[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE_PATTERN = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def redact(text: str | None, replacements: list[tuple[str, str]]) -> str:
    """`text` with each (real name → alias) replaced, longest first, and any ID or phone number masked."""
    if not text:
        return ""
    for real, alias in sorted(replacements, key=lambda pair: -len(pair[0])):
        text = text.replace(real, alias)
    text = _ID_PATTERN.sub(lambda m: masking.mask_id_number(m.group()), text)
    text = _MOBILE_PATTERN.sub(lambda m: masking.mask_phone(m.group()), text)
    return _LANDLINE_PATTERN.sub(lambda m: masking.mask_phone(m.group()), text)


def _households(
    session: Session, household_ids: list[int], day: dt.date, policy: Policy, aliases: Mapping[int, str | None]
) -> dict[int, _Household]:
    """Persons per household (primary person first) as PersonView; `aliases` maps a household to its
    case alias, which replaces the primary person's generated alias."""
    result = {hid: _Household() for hid in household_ids}
    if not household_ids:
        return result
    rows = session.execute(
        select(Person.household_id, Person.name, Person.sex, Person.birth_date, Person.group, Person.guardian)
        .where(Person.household_id.in_(household_ids))
        .order_by(Person.household_id, case((Person.status == PERSON_ACTIVE, 0), else_=1), Person.id)
    ).all()
    for hid, name, sex, birth, group, guardian in rows:
        house = result[hid]
        age = age_on(birth, day)
        minor = age < policy.adult_age
        alias = (aliases.get(hid) if not house.persons else None) or _alias(name, sex, minor)
        house.persons.append(PersonView(alias, sex, age, group, minor))
        house.replacements.append((name, alias))
        if minor and len(name) >= 3:  # a child is called by the given name alone (an adult's, such as
            # 建国 or 国庆, is too often an ordinary word to replace)
            house.replacements.append((name[1:], alias))
        if guardian:
            house.replacements.append((guardian, masking.child_alias(guardian)))
    return result


# ---------------------------------------------------------------------------------------------
# Row details for a page of candidates.


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


def _themes_of(session: Session, pairing_ids: list[int], start: dt.date, end: dt.date) -> dict[int, tuple[str, ...]]:
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


def _latest_cases(session: Session, pairing_ids: list[int]) -> dict[int, TypicalCase]:
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
    village = Region.__table__.alias("village")
    township = Region.__table__.alias("township")
    rows = session.execute(
        select(Pairing.id, Pairing.household_id, Cadre.name, Unit.name, township.c.name)
        .join(Cadre, Cadre.id == Pairing.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .join(Household, Household.id == Pairing.household_id)
        .join(village, village.c.code == Household.village_code)
        .outerjoin(township, township.c.code == village.c.parent_code)
        .where(Pairing.id.in_(pairing_ids))
    ).all()
    cases = _latest_cases(session, pairing_ids)
    houses = _households(
        session, [r[1] for r in rows], as_of, policy,
        {r[1]: cases[r[0]].alias if r[0] in cases else None for r in rows},
    )
    themes = _themes_of(session, pairing_ids, start, end)
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
            themes=themes.get(pid, ()),
            case_id=found.id if found else None,
            case_status=found.status if found else None,
        )
    return details


# ---------------------------------------------------------------------------------------------
# The case card.


@dataclass(frozen=True)
class CaseInfo:
    id: int
    status: str
    headline: str
    narrative: str
    theme: str
    alias: str
    consent_by: str  # masked (张*明)
    consent_relation: str
    consent_date: dt.date | None
    consent_scope: str
    reject_reason: str
    approved_by: str
    approved_at: dt.datetime | None
    updated_at: dt.datetime | None

    @property
    def has_consent(self) -> bool:
        return bool(self.consent_by and self.consent_relation and self.consent_date)


@dataclass(frozen=True)
class CaseCard:
    pairing_id: int
    cadre: str
    cadre_rank: str
    unit: str
    role: str
    start_date: dt.date
    end_date: dt.date | None
    township: str
    village: str
    persons: tuple[PersonView, ...]
    involves_minor: bool
    themes: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    timeline: pd.DataFrame  # 日期, 事项, 内容, 慰问(元)
    changes: tuple[str, ...]
    gifts_yuan: float
    gift_count: int
    story: str  # the case narrative, or a draft assembled from the records
    case: CaseInfo | None

    @property
    def who(self) -> str:
        return "、".join(p.label for p in self.persons) or "—"

    @property
    def headline(self) -> str:
        if self.case and self.case.headline:
            return self.case.headline
        first = self.persons[0].alias if self.persons else "结对户"
        return f"{self.unit}{self.cadre}：{first}的{self.role}"


TIMELINE_COLUMNS = ["日期", "事项", "内容", "慰问(元)"]
TIMELINE_LIMIT = 200


class CaseNotFound(CaseError):
    pass


def _locate(session: Session, scope: Scope, pairing_id: int | None, case_id: int | None):
    """(pairing, household, case or None), refused when outside `scope`."""
    found = session.get(TypicalCase, case_id) if case_id is not None else None
    if case_id is not None and found is None:
        raise CaseNotFound("未找到该案例，或不在您的管辖范围内")
    pairing = session.get(Pairing, found.pairing_id if found else pairing_id)
    household = session.get(Household, pairing.household_id) if pairing else None
    if household is None or not scope.contains(household.village_code):
        raise CaseNotFound("未找到该案例，或不在您的管辖范围内")
    if found is None:
        found = _latest_cases(session, [pairing.id]).get(pairing.id)
    return pairing, household, found


def case_card(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    pairing_id: int | None = None,
    case_id: int | None = None,
) -> CaseCard:
    """The story of one pairing (or of one case's pairing) from its records as of `as_of`."""
    pairing, household, found = _locate(session, scope, pairing_id, case_id)
    house = _households(session, [household.id], as_of, policy, {household.id: found.alias if found else None})[
        household.id
    ]
    cadre = session.get(Cadre, pairing.cadre_id)
    unit = session.get(Unit, cadre.unit_id)
    village = session.get(Region, household.village_code)
    township = session.get(Region, village.parent_code) if village and village.parent_code else None
    start = pairing.start_date
    pair_end = min(as_of, pairing.end_date - dt.timedelta(days=1)) if pairing.end_date else as_of
    themes = _themes_of(session, [pairing.id], start, pair_end).get(pairing.id, ())

    contacts = session.execute(
        select(Contact.contact_date, Contact.method, Contact.content, Contact.gift_yuan)
        .where(Contact.pairing_id == pairing.id, Contact.contact_date <= as_of)
        .order_by(Contact.contact_date.desc(), Contact.id.desc())
        .limit(TIMELINE_LIMIT)
    ).all()
    totals = session.execute(
        select(
            func.count(Contact.id),
            func.coalesce(func.sum(case((Contact.method == METHOD_VISIT, 1), else_=0)), 0),
            func.coalesce(func.sum(Contact.gift_yuan), 0),
            func.coalesce(func.sum(case((Contact.gift_yuan > 0, 1), else_=0)), 0),
        ).where(Contact.pairing_id == pairing.id, Contact.contact_date <= as_of)
    ).one()
    holidays = session.execute(
        select(HolidayDay.name, HolidayDay.day)
        .join(Contact, Contact.contact_date == HolidayDay.day)
        .where(Contact.pairing_id == pairing.id, Contact.contact_date <= as_of)
        .distinct()
        .order_by(HolidayDay.day)
    ).all()
    needs = session.scalars(
        select(Need)
        .where(_belongs(Need, pairing.id, household.id, start, Need.raised_date), Need.raised_date <= as_of)
        .order_by(Need.raised_date, Need.id)
    ).all()
    events = session.execute(
        select(NeedEvent.need_id, NeedEvent.event_date, NeedEvent.kind, NeedEvent.level, NeedEvent.note)
        .where(NeedEvent.need_id.in_([n.id for n in needs]), NeedEvent.event_date <= as_of, NeedEvent.kind == "上报")
        .order_by(NeedEvent.event_date, NeedEvent.id)
    ).all() if needs else []
    policies = session.execute(
        select(PolicyDelivery.policy, PolicyDelivery.delivered_date)
        .join(Person, Person.id == PolicyDelivery.person_id)
        .where(
            Person.household_id == household.id,
            PolicyDelivery.delivered.is_(True),
            PolicyDelivery.delivered_date >= start,
            PolicyDelivery.delivered_date <= as_of,
        )
        .order_by(PolicyDelivery.delivered_date, PolicyDelivery.id)
    ).all()
    surveys = session.execute(
        select(Satisfaction.survey_date, Satisfaction.level, Satisfaction.note)
        .where(
            _belongs(Satisfaction, pairing.id, household.id, start, Satisfaction.survey_date),
            Satisfaction.survey_date <= as_of,
        )
        .order_by(Satisfaction.survey_date, Satisfaction.id)
    ).all()
    figures = _status_of(session, scope.narrow(household.village_code), as_of, policy, pairing.id)

    timeline: list[tuple] = []
    for day, method, content, gift in contacts:
        timeline.append((day, 0, method, house.redact(content), float(gift) if gift else None))
    category_of = {n.id: n.category for n in needs}
    closed = [n for n in needs if n.closed_date and n.closed_date <= as_of]
    for need in needs:
        timeline.append((need.raised_date, 1, f"提出诉求（{need.category}）", house.redact(need.content), None))
    for need_id, day, _kind, level, note in events:
        text = f"上报至{level}" + (f"：{house.redact(note)}" if note else "")
        timeline.append((day, 2, f"诉求上报（{category_of[need_id]}）", text, None))
    for need in closed:
        timeline.append(
            (need.closed_date, 3, f"诉求办结（{need.category}）", house.redact(need.closure_note or need.content), None)
        )
    for name, day in policies:
        timeline.append((day, 4, "政策落实", f"落实{name}", None))
    for day, level, note in surveys:
        timeline.append((day, 5, "群众评价", level + (f"：{house.redact(note)}" if note else ""), None))
    timeline.sort(key=lambda item: (item[0], item[1]))
    frame = pd.DataFrame([(d, kind, text, gift) for d, _, kind, text, gift in timeline], columns=TIMELINE_COLUMNS)

    changes = [
        f"{n.closed_date:%Y年%m月%d日}，{n.category}方面的诉求办结（用时 {(n.closed_date - n.raised_date).days} 天）："
        f"{house.redact(n.closure_note or n.content)}"
        for n in closed
    ]
    changes += [f"{day:%Y年%m月%d日}，落实{name}" for name, day in policies]
    if surveys:
        last_day, last_level, _ = surveys[-1]
        changes.append(f"{last_day:%Y年%m月%d日}回访，结对户评价“{last_level}”")

    contacts_total, visits_total, gifts_yuan, gift_count = (int(totals[0]), int(totals[1]),
                                                            float(totals[2] or 0), int(totals[3]))
    solve_days = [(n.closed_date - n.raised_date).days for n in closed]
    facts = [
        ("结对关系", f"{pairing.role}，{start:%Y年%m月%d日}起" + (f"，{pairing.end_date:%Y年%m月%d日}解除"
                                                              if pairing.end_date else "")),
        ("累计联系", f"{contacts_total} 次（其中实地走访 {visits_total} 次）"),
    ]
    if figures is not None:
        facts.append(
            ("本年度联系走访", f"联系 {figures['done_contacts']} 次（应 {figures['owed_contacts']} 次），"
                               f"走访 {figures['done_visits']} 次（应 {figures['owed_visits']} 次）")
        )
    if holidays:
        facts.append(("节日联系", "、".join(dict.fromkeys(f"{d.year}年{name}" for name, d in holidays))))
    facts.append(
        ("办结诉求", f"{len(closed)} 件" + (f"，平均 {sum(solve_days) / len(solve_days):.0f} 天办结" if closed else ""))
    )
    facts.append(("新落实政策", "、".join(name for name, _ in policies) if policies else "无"))
    facts.append(("慰问金物", f"{gifts_yuan:,.0f} 元（{gift_count} 次）"))
    if surveys:
        facts.append(("群众评价", f"{surveys[-1][1]}（{surveys[-1][0]:%Y年%m月%d日}回访）"))

    info = _case_info(session, found, house) if found else None
    card = CaseCard(
        pairing_id=pairing.id,
        cadre=cadre.name,
        cadre_rank=cadre.rank,
        unit=unit.name if unit else "—",
        role=pairing.role,
        start_date=start,
        end_date=pairing.end_date,
        township=township.name if township else "—",
        village=village.name if village else "—",
        persons=tuple(house.persons),
        involves_minor=house.involves_minor,
        themes=themes,
        facts=tuple(facts),
        timeline=frame,
        changes=tuple(changes),
        gifts_yuan=gifts_yuan,
        gift_count=gift_count,
        story="",
        case=info,
    )
    story = house.redact(info.narrative) if info and info.narrative else draft_story(card, contacts_total,
                                                                                       visits_total, closed, policies)
    return dataclass_replace(card, story=story)


def _status_of(session: Session, scope: Scope, as_of: dt.date, policy: Policy, pairing_id: int) -> dict | None:
    """The RULES.md figures of one pairing on `as_of` (None when it is not active that day); pass the
    scope of its village so the rule runs over that village only."""
    ps = compliance.pairing_status(scope, as_of, policy).subquery("ps")
    row = session.execute(select(ps).where(ps.c.pairing_id == pairing_id)).first()
    return dict(row._mapping) if row else None


def _target(case_id: int) -> str:
    return f"典型案例#{case_id}"


def _case_info(session: Session, row: TypicalCase, house: _Household) -> CaseInfo:
    approval = session.execute(
        select(AuditEntry.at, AuditEntry.username)
        .where(
            AuditEntry.action == "case_status",
            AuditEntry.target == _target(row.id),
            AuditEntry.detail.contains(f'"to": "{CASE_APPROVED}"'),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    approver = session.get(User, row.approved_by) if row.approved_by else None
    approved_by = (approver.display_name or approver.username) if approver else (approval[1] if approval else "")
    return CaseInfo(
        id=row.id,
        status=row.status,
        headline=house.redact(row.headline),
        narrative=house.redact(row.narrative),
        theme=row.theme or "",
        alias=row.alias or "",
        consent_by=masking.mask_name(row.consent_by),
        consent_relation=row.consent_relation or "",
        consent_date=row.consent_date,
        consent_scope=house.redact(row.consent_scope),
        reject_reason=house.redact(row.reject_reason),
        approved_by=approved_by if row.status in (CASE_APPROVED, CASE_PUBLISHED) else "",
        approved_at=approval[0] if approval and row.status in (CASE_APPROVED, CASE_PUBLISHED) else None,
        updated_at=row.updated_at,
    )


def draft_story(card: CaseCard, contacts: int, visits: int, closed: list[Need], policies: list) -> str:
    """A first draft of the narrative, assembled from the records (staff then edit it)."""
    first = card.persons[0] if card.persons else None
    whom = f"{first.alias}（{first.age}岁，{first.group}）" if first else "结对户"
    parts = [
        f"{card.start_date:%Y年%m月}起，{card.unit}{card.cadre}作为“{card.role}”与{card.township}{card.village}的"
        f"{whom}结对。"
    ]
    if contacts:
        parts.append(f"截至目前累计联系 {contacts} 次，其中登门走访 {visits} 次。")
    if closed:
        categories = "、".join(dict.fromkeys(n.category for n in closed))
        parts.append(f"帮助解决{categories}等方面的实际困难 {len(closed)} 件。")
    if policies:
        parts.append(f"协助落实{'、'.join(name for name, _ in policies)}。")
    if card.gift_count:
        parts.append(f"自费送去慰问金物 {card.gifts_yuan:,.0f} 元。")
    if card.changes:
        parts.append(card.changes[-1] + "。")
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# The workflow.


def _load(session: Session, scope: Scope, case_id: int) -> tuple[TypicalCase, Household]:
    row = session.get(TypicalCase, case_id, with_for_update=True)
    pairing = session.get(Pairing, row.pairing_id) if row else None
    household = session.get(Household, pairing.household_id) if pairing else None
    if household is None or not scope.contains(household.village_code):
        raise CaseNotFound("未找到该案例，或不在您的管辖范围内")
    return row, household


def _set_status(session: Session, username: str, row: TypicalCase, household: Household, new: str, **detail) -> str:
    old = row.status
    row.status = new
    row.updated_at = dt.datetime.now().replace(microsecond=0)
    audit.record(session, username, "case_status", household.village_code, _target(row.id),
                 {"from": old, "to": new, **detail})
    db.bump_version(session, status_inputs=False)
    return new


def _expect(row: TypicalCase, *statuses: str, doing: str) -> None:
    if row.status not in statuses:
        raise CaseError(f"案例当前状态为“{row.status}”，不能{doing}（须为：{'、'.join(statuses)}）")


def _house(session: Session, household: Household, today: dt.date, policy: Policy, alias: str | None = None):
    return _households(session, [household.id], today, policy, {household.id: alias})[household.id]


def _check_consent(row: TypicalCase, house: _Household) -> None:
    if not (row.consent_by and row.consent_relation and row.consent_date):
        raise CaseError("该案例尚未登记知情同意，不能审核或发布")
    if house.involves_minor and row.consent_relation != RELATION_GUARDIAN:
        raise CaseError("该案例涉及未成年人，须登记监护人的知情同意")


def create_case(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, pairing_id: int, username: str, role: str
) -> int:
    """Open a case (候选) on a pairing; its headline and story start as drafts from the records."""
    permissions.require(role, "manage_cases")
    pairing, household, existing = _locate(session, scope, pairing_id, None)
    if existing is not None and existing.status != CASE_REJECTED:
        raise CaseError(f"该结对已有案例（编号 {existing.id}，状态“{existing.status}”）")
    themes = _themes_of(session, [pairing.id], pairing.start_date, as_of).get(pairing.id, ())
    now = dt.datetime.now().replace(microsecond=0)
    row = TypicalCase(pairing_id=pairing.id, status=CASE_CANDIDATE, theme=themes[0] if themes else None,
                      created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    audit.record(session, username, "case_status", household.village_code, _target(row.id),
                 {"from": None, "to": CASE_CANDIDATE, "pairing_id": pairing.id})
    db.bump_version(session, status_inputs=False)
    return row.id


def shortlist(session: Session, scope: Scope, case_id: int, username: str, role: str) -> str:
    permissions.require(role, "manage_cases")
    row, household = _load(session, scope, case_id)
    _expect(row, CASE_CANDIDATE, doing="列为入围")
    return _set_status(session, username, row, household, CASE_SHORTLISTED)


def record_consent(
    session: Session,
    scope: Scope,
    today: dt.date,
    policy: Policy,
    case_id: int,
    username: str,
    role: str,
    given_by: str,
    relation: str,
    given_on: dt.date,
    consent_scope: str,
) -> str:
    """Record who consented (本人 or 监护人), when and to what; a minor's case needs the guardian."""
    permissions.require(role, "manage_cases")
    row, household = _load(session, scope, case_id)
    _expect(row, CASE_SHORTLISTED, CASE_CONSENTED, doing="登记知情同意")
    given_by, consent_scope = (given_by or "").strip(), (consent_scope or "").strip()
    if not given_by:
        raise CaseError("请填写同意人姓名")
    if relation not in CONSENT_RELATIONS:
        raise CaseError("同意人身份须为“本人”或“监护人”")
    if given_on is None or given_on > today:
        raise CaseError("同意日期不能晚于今天")
    if not consent_scope:
        raise CaseError("请填写同意的使用范围（如：县融媒体中心公众号、宣传展板）")
    if _house(session, household, today, policy).involves_minor and relation != RELATION_GUARDIAN:
        raise CaseError("该案例涉及未成年人，须由监护人同意")
    row.consent_by, row.consent_relation, row.consent_date, row.consent_scope = (
        given_by, relation, given_on, consent_scope
    )
    return _set_status(session, username, row, household, CASE_CONSENTED,
                       relation=relation, consent_date=given_on, consent_scope=consent_scope)


def approve(session: Session, scope: Scope, today: dt.date, policy: Policy, case_id: int, username: str,
            role: str) -> str:
    """A leader approves a consented case; nothing without recorded (guardian's, for a minor) consent."""
    permissions.require(role, "approve_cases")
    row, household = _load(session, scope, case_id)
    _check_consent(row, _house(session, household, today, policy))
    _expect(row, CASE_CONSENTED, doing="审核通过")
    user_id = session.execute(select(User.id).where(User.username == username)).scalar()
    row.approved_by = user_id
    return _set_status(session, username, row, household, CASE_APPROVED)


def publish(session: Session, scope: Scope, today: dt.date, policy: Policy, case_id: int, username: str,
            role: str) -> str:
    permissions.require(role, "approve_cases")
    row, household = _load(session, scope, case_id)
    _check_consent(row, _house(session, household, today, policy))
    _expect(row, CASE_APPROVED, doing="发布")
    return _set_status(session, username, row, household, CASE_PUBLISHED)


def reject(session: Session, scope: Scope, case_id: int, username: str, role: str, reason: str) -> str:
    """未采用 (or withdrawn after publication), always with a reason."""
    if not (permissions.allowed(role, "manage_cases") or permissions.allowed(role, "approve_cases")):
        raise permissions.PermissionDenied(role, "manage_cases")
    row, household = _load(session, scope, case_id)
    _expect(row, CASE_CANDIDATE, CASE_SHORTLISTED, CASE_CONSENTED, CASE_APPROVED, CASE_PUBLISHED, doing="标为未采用")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError("标为未采用须填写原因")
    row.reject_reason = reason
    return _set_status(session, username, row, household, CASE_REJECTED, reason=reason)


def reopen(session: Session, scope: Scope, case_id: int, username: str, role: str) -> str:
    permissions.require(role, "manage_cases")
    row, household = _load(session, scope, case_id)
    _expect(row, CASE_REJECTED, doing="重新列为候选")
    row.reject_reason = None
    return _set_status(session, username, row, household, CASE_CANDIDATE)


def _check_text(house: _Household, text: str, what: str) -> None:
    if any(real in text for real, _ in house.replacements):
        raise CaseError(f"{what}中含有结对户成员或监护人的真实姓名，请改用化名")
    if _ID_PATTERN.search(text) or _MOBILE_PATTERN.search(text) or _LANDLINE_PATTERN.search(text):
        raise CaseError(f"{what}中含有身份证号或电话号码，请删除")


def edit_case(
    session: Session,
    scope: Scope,
    today: dt.date,
    policy: Policy,
    case_id: int,
    username: str,
    role: str,
    headline: str,
    narrative: str,
    alias: str,
    theme: str,
) -> list[str]:
    """Change the case's own text (headline, narrative, alias, theme) — never the records.
    Returns the names of the fields changed (empty: nothing to save)."""
    permissions.require(role, "manage_cases")
    row, household = _load(session, scope, case_id)
    _expect(row, *EDITABLE_STATUSES, doing="修改文字（已审核、已发布或未采用的案例不能再改）")
    house = _house(session, household, today, policy)
    values = {
        "headline": (headline or "").strip() or None,
        "narrative": (narrative or "").strip() or None,
        "alias": (alias or "").strip() or None,
        "theme": (theme or "").strip() or None,
    }
    labels = {"headline": "标题", "narrative": "正文", "alias": "化名", "theme": "主题"}
    for key in ("headline", "narrative", "alias"):
        if values[key]:
            _check_text(house, values[key], labels[key])
    if values["headline"] and len(values["headline"]) > 200:
        raise CaseError("标题不能超过 200 字")
    if values["alias"] and len(values["alias"]) > 50:
        raise CaseError("化名不能超过 50 字")
    if values["theme"] and values["theme"] not in THEMES and values["theme"] != row.theme:
        raise CaseError(f"未知的案例主题“{values['theme']}”")
    changed = [key for key, value in values.items() if getattr(row, key) != value]
    if not changed:
        return []
    for key in changed:
        setattr(row, key, values[key])
    row.updated_at = dt.datetime.now().replace(microsecond=0)
    audit.record(session, username, "case_edit", household.village_code, _target(row.id),
                 {"fields": [labels[k] for k in changed]})
    db.bump_version(session, status_inputs=False)
    return [labels[k] for k in changed]


# ---------------------------------------------------------------------------------------------
# Lists and the gallery.


GALLERY_COLUMNS = ["编号", "标题", "状态", "主题", "乡镇", "对象", "群体", "结对干部", "单位", "更新时间"]


def _cases_statement(scope: Scope, statuses: tuple[str, ...]):
    village = Region.__table__.alias("village")
    township = Region.__table__.alias("township")
    order = case({s: i for i, s in enumerate((CASE_PUBLISHED, CASE_APPROVED, CASE_CONSENTED, CASE_SHORTLISTED,
                                               CASE_CANDIDATE, CASE_REJECTED))}, value=TypicalCase.status, else_=9)
    return (
        select(TypicalCase, Pairing.household_id, Pairing.role, Cadre.name, Unit.name, township.c.name)
        .join(Pairing, Pairing.id == TypicalCase.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .join(Cadre, Cadre.id == Pairing.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .join(village, village.c.code == Household.village_code)
        .outerjoin(township, township.c.code == village.c.parent_code)
        .where(scope.within(Household.village_code), TypicalCase.status.in_(statuses))
        .order_by(order, TypicalCase.updated_at.desc(), TypicalCase.id.desc())
    )


def gallery(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, statuses: tuple[str, ...] = SHORTLIST_STATUSES,
    limit: int = 200,
) -> pd.DataFrame:
    """The cases in `statuses` inside `scope`: published first, newest first."""
    rows = session.execute(_cases_statement(scope, statuses).limit(limit)).all()
    houses = _households(session, list({r[1] for r in rows}), as_of, policy, {r[1]: r[0].alias for r in rows})
    table = []
    for found, hid, role, cadre, unit, town in rows:
        house = houses[hid]
        first = house.persons[0] if house.persons else None
        headline = house.redact(found.headline) or f"{unit}{cadre}：{first.alias if first else '结对户'}的{role}"
        table.append([found.id, headline, found.status, found.theme or "—", town or "—", house.who,
                      first.group if first else "—", cadre, unit, found.updated_at])
    return pd.DataFrame(table, columns=GALLERY_COLUMNS)


def case_options(session: Session, scope: Scope, as_of: dt.date, policy: Policy,
                 limit: int = 500) -> list[tuple[int, str]]:
    """(case id, label) of the cases in scope, published first then newest, for a picker."""
    statuses = (CASE_CANDIDATE, CASE_SHORTLISTED, CASE_CONSENTED, CASE_APPROVED, CASE_PUBLISHED, CASE_REJECTED)
    rows = session.execute(_cases_statement(scope, statuses).limit(limit)).all()
    houses = _households(session, list({r[1] for r in rows}), as_of, policy, {r[1]: r[0].alias for r in rows})
    options = []
    for found, hid, _role, cadre, unit, town in rows:
        title = f"：{houses[hid].redact(found.headline)}" if found.headline else ""
        options.append((found.id, f"案例{found.id}（{found.status}）{town or ''} {unit}{cadre}{title}"))
    return options


@dataclass(frozen=True)
class GalleryFigures:
    by_group: pd.DataFrame  # 群体, 案例数, 在册对象, 每千人案例
    by_township: pd.DataFrame  # 乡镇, 案例数, 在册对象, 每千人案例


def gallery_figures(
    session: Session, scope: Scope, statuses: tuple[str, ...] = SHORTLIST_STATUSES
) -> GalleryFigures:
    """Cases per group and per township beside the persons in register there, so the office can see
    whether publicity is spread fairly. Aggregated in the database."""
    primary = Person.__table__.alias("primary_person")
    case_rows = (
        select(TypicalCase.id.label("case_id"), Household.village_code, primary.c.group_name)
        .join(Pairing, Pairing.id == TypicalCase.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .join(primary, primary.c.id == _primary_person_id(Household.id))
        .where(scope.within(Household.village_code), TypicalCase.status.in_(statuses))
        .subquery("case_rows")
    )
    town_of_case = func.substr(case_rows.c.village_code, 1, 9)
    cases_by_group = dict(session.execute(
        select(case_rows.c.group_name, func.count()).group_by(case_rows.c.group_name)).all())
    cases_by_town = dict(session.execute(select(town_of_case, func.count()).group_by(town_of_case)).all())
    in_register = and_(scope.within(Person.village_code), Person.status == PERSON_ACTIVE)
    persons_by_group = dict(session.execute(
        select(Person.group, func.count()).where(in_register).group_by(Person.group)).all())
    town_of_person = func.substr(Person.village_code, 1, 9)
    persons_by_town = dict(session.execute(
        select(town_of_person, func.count()).where(in_register).group_by(town_of_person)).all())

    def per_thousand(cases: int, persons: int) -> float | None:
        return round(cases * 1000 / persons, 2) if persons else None

    groups = [g for g in GROUPS if g in cases_by_group or g in persons_by_group]
    by_group = pd.DataFrame(
        [[g, int(cases_by_group.get(g, 0)), int(persons_by_group.get(g, 0)),
          per_thousand(cases_by_group.get(g, 0), persons_by_group.get(g, 0))] for g in groups],
        columns=["群体", "案例数", "在册对象", "每千人案例"],
    )
    towns = sorted(set(cases_by_town) | set(persons_by_town))
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(towns))).all()) if towns else {}
    by_township = pd.DataFrame(
        [[names.get(t, t), int(cases_by_town.get(t, 0)), int(persons_by_town.get(t, 0)),
          per_thousand(cases_by_town.get(t, 0), persons_by_town.get(t, 0))] for t in towns],
        columns=["乡镇", "案例数", "在册对象", "每千人案例"],
    )
    return GalleryFigures(by_group, by_township)



def case_ids(session: Session, scope: Scope, statuses: tuple[str, ...] = SHORTLIST_STATUSES,
             limit: int = 200) -> list[int]:
    """Ids of the cases in `statuses` inside `scope`, in gallery order (for batch briefs)."""
    return [row[0].id for row in session.execute(_cases_statement(scope, statuses).limit(limit))]
