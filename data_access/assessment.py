"""季考核: the quarterly assessment of RULES.md "Quarterly assessment", computed and frozen.

Each quarter every 工作单位 and every township gets a score out of 100 as of the quarter's last day
`D`, from five parts over "its" pairings (active on `D`; a unit's: its cadres', a township's: its
households'):

- contacts: Σ min(done_contacts, owed_contacts) ÷ Σ owed_contacts (the year-to-date figures of the
  compliance rule at `D`, `compliance.status_rows`);
- visits: the same with visits;
- needs: of the needs of those pairings' households whose due date falls in the quarter, the share
  closed on or before the due date;
- satisfaction: of the 回访 dated in the quarter about those pairings (the pairing it names; else the
  pairing of its household and the cadre it names; else any pairing of its household), the share
  满意 or 基本满意;
- 督办: of the 督办 on those pairings whose deadline falls in the quarter, the share answered
  (`supervision.outcome_condition`, the one definition of "answered").

Every numerator and denominator is counted in the database (one grouped query per part); Python
only combines the few numbers per unit. A part whose denominator is 0 is left out and the weights of
the others rescaled: score = 100 × Σ w·ratio ÷ Σ w over the parts present, rounded half up to one
decimal. A part's own score, shown beside the total, is 100 × its ratio (one decimal). Weights and
grade thresholds are policy settings (assess_*). Ranks share a place on equal scores (1, 2, 2, 4).

A leader freezes a quarter for their region (`freeze`): the rows and settings are stored with who and
when and never change; `view` shows them beside a recomputation, with the records dated inside the
quarter that were entered after the freeze.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pandas as pd
from sqlalchemy import and_, case, func, literal, select, union
from sqlalchemy.orm import Session

from data_access import audit, compliance, permissions, supervision
from data_access.config import current_date
from data_access.db import bump_version
from data_access.models import (
    AccountabilityStep,
    AssessmentFreeze,
    AssessmentRow,
    Cadre,
    Need,
    Region,
    Satisfaction,
    SupervisionAction,
    Unit,
)
from data_access.policy import Policy, load_policy
from data_access.scope import Scope, ScopeError
from data_access.vocabulary import ACTION_SUPERVISE, GRADES

LEVEL_UNIT = "unit"
LEVEL_TOWNSHIP = "township"
LEVEL_CADRE = "cadre"

# The five parts: key, Chinese name, the policy weight, (numerator, denominator) input names.
PARTS = (
    ("contacts", "联系", "assess_weight_contacts", ("contacts_done", "contacts_owed")),
    ("visits", "走访", "assess_weight_visits", ("visits_done", "visits_owed")),
    ("needs", "诉求", "assess_weight_needs", ("needs_in_time", "needs_due")),
    ("satisfaction", "满意度", "assess_weight_satisfaction", ("satisfied", "surveys")),
    ("supervision", "督办", "assess_weight_supervision", ("answered", "supervisions")),
)
INPUTS = tuple(name for *_, pair in PARTS for name in pair)
SETTING_KEYS = tuple(weight for _, _, weight, _ in PARTS) + (
    "assess_grade_good", "assess_grade_fine", "assess_grade_fair")

# Column headers of the sheet (page, workbook, CLI), in the order shown.
INPUT_LABELS = {
    "contacts_done": "已联系（计入）", "contacts_owed": "应联系",
    "visits_done": "已走访（计入）", "visits_owed": "应走访",
    "needs_in_time": "按期办结诉求", "needs_due": "本季到期诉求",
    "satisfied": "满意及基本满意", "surveys": "本季回访",
    "answered": "按期回应督办", "supervisions": "本季到期督办",
}
PART_SCORE_LABELS = {part: f"{label}得分" for part, label, _, _ in PARTS}
NAME_LABELS = {LEVEL_UNIT: "工作单位", LEVEL_TOWNSHIP: "乡镇", LEVEL_CADRE: "干部姓名"}
REPORT_COLUMNS = ["工作单位", "得分", *PART_SCORE_LABELS.values(), "等级", "排名"]


class QuarterError(ValueError):
    """A quarter that cannot be assessed (badly written, or not yet ended)."""


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = re.fullmatch(r"\s*(\d{4})\s*[Qq]\s*([1-4])\s*", text or "")
        if not match:
            raise QuarterError(f"季度应写作 YYYYQN（如 2026Q3）：{text}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def last_ended(cls, today: dt.date) -> Quarter:
        """The most recent quarter that has ended by `today`."""
        current = cls(today.year, (today.month - 1) // 3 + 1)
        return current if today >= current.end else current.previous

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        month, day = compliance.QUARTER_ENDS[self.number - 1]
        return dt.date(self.year, month, day)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"

    def recent(self, count: int) -> list[Quarter]:
        quarters = [self]
        while len(quarters) < count:
            quarters.append(quarters[-1].previous)
        return quarters


# --- the formula (pure: inputs -> score) ------------------------------------------------------------

def settings_of(policy: Policy) -> dict[str, int]:
    return {key: int(getattr(policy, key)) for key in SETTING_KEYS}


def with_settings(policy: Policy, settings: dict[str, int]) -> Policy:
    """`policy` with a frozen sheet's weights and thresholds: a recomputation beside a frozen sheet
    uses them, so the difference shown is the records' alone."""
    return dataclasses.replace(policy, **{key: settings[key] for key in SETTING_KEYS if key in settings})


def part_ratios(inputs: dict[str, int]) -> dict[str, Fraction | None]:
    """Each part's ratio, or None when its denominator is 0 (the part is left out)."""
    return {part: (Fraction(inputs[num], inputs[den]) if inputs[den] else None)
            for part, _, _, (num, den) in PARTS}


def half_up_tenths(value: Fraction) -> int:
    """`value` (a score out of 100) in tenths, rounded half up (87.25 -> 873)."""
    return int((Decimal(value.numerator) / Decimal(value.denominator) * 10).quantize(
        Decimal(1), rounding=ROUND_HALF_UP))


def score_tenths(inputs: dict[str, int], settings: dict[str, int]) -> int | None:
    """100 × Σ w·ratio ÷ Σ w over the parts present, in tenths; None when no part is present (or
    every present part weighs 0)."""
    present = [(settings[weight], inputs[num], inputs[den]) for _, _, weight, (num, den) in PARTS if inputs[den]]
    if all(w >= 0 and n >= 0 and d > 0 for w, n, d in present):
        # The same exact value in integers (Fraction's gcd at every step made a county's sheet of
        # cadres take over a second): Σ w·n/d = numerator / common; tenths rounded half up.
        total_weight = sum(w for w, _, _ in present)
        if not total_weight:
            return None
        common = math.prod(d for _, _, d in present)
        numerator = sum(w * n * (common // d) for w, n, d in present)
        denominator = total_weight * common
        return (2000 * numerator + denominator) // (2 * denominator)
    return _score_tenths_fractions(inputs, settings)


def _score_tenths_fractions(inputs: dict[str, int], settings: dict[str, int]) -> int | None:
    ratios = part_ratios(inputs)
    present = [(settings[weight], ratios[part]) for part, _, weight, _ in PARTS if ratios[part] is not None]
    total_weight = sum(w for w, _ in present)
    if not total_weight:
        return None
    return half_up_tenths(100 * sum(w * r for w, r in present) / total_weight)


def grade(tenths: int | None, settings: dict[str, int]) -> str | None:
    if tenths is None:
        return None
    for label, key in zip(GRADES, ("assess_grade_good", "assess_grade_fine", "assess_grade_fair"), strict=False):
        if tenths >= settings[key] * 10:
            return label
    return GRADES[-1]


def ranks(scores: list[int | None]) -> list[int | None]:
    """Competition ranks, highest score first (1, 2, 2, 4); no score, no rank."""
    ordered = sorted((s for s in scores if s is not None), reverse=True)
    first = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return [first[s] if s is not None else None for s in scores]


# --- counting the inputs in the database ----------------------------------------------------------

def _keyed_pairings(session: Session, scope: Scope, quarter: Quarter, policy: Policy, level: str,
                    unit_id: int | None = None):
    """The pairings active on the quarter's last day inside `scope`, with the group key of `level`,
    the household's county and the compliance figures (status_rows: a stored evaluation when there
    is one)."""
    rows = compliance.status_rows(session, scope, quarter.end, policy).subquery("status")
    county = func.substr(rows.c.village_code, 1, 6).label("county")
    if level == LEVEL_TOWNSHIP:
        key = func.substr(rows.c.village_code, 1, 9)
        statement = select(rows, key.label("key"), county)
    else:
        key = Cadre.unit_id if level == LEVEL_UNIT else Cadre.id
        statement = select(rows, key.label("key"), county).join(Cadre, Cadre.id == rows.c.cadre_id)
        if unit_id is not None:
            statement = statement.where(Cadre.unit_id == unit_id)
    return statement.subquery("keyed")


def _capped(done, owed):
    return func.sum(case((done < owed, done), else_=owed))


def _count(session: Session, scope: Scope, quarter: Quarter, policy: Policy, level: str,
           unit_id: int | None = None, by_county: bool = False) -> dict[tuple[str, str], dict[str, int]]:
    """(key, county or "") -> the ten inputs, each counted in SQL, one grouped query per part;
    `by_county` splits each key's inputs by the county of the households (for the stored inputs)."""
    keyed = _keyed_pairings(session, scope, quarter, policy, level, unit_id)
    start, end = quarter.start, quarter.end
    out: dict[tuple[str, str], dict[str, int]] = {}

    def groups(subquery):
        return (subquery.c.key, subquery.c.county) if by_county else (subquery.c.key,)

    def put(rows, names):
        for row in rows:
            width = 2 if by_county else 1
            entry = out.setdefault((str(row[0]), str(row[1]) if by_county else ""), dict.fromkeys(INPUTS, 0))
            entry.update({name: int(value or 0) for name, value in zip(names, row[width:], strict=True)})

    put(session.execute(
        select(*groups(keyed), _capped(keyed.c.done_contacts, keyed.c.owed_contacts), func.sum(keyed.c.owed_contacts),
               _capped(keyed.c.done_visits, keyed.c.owed_visits), func.sum(keyed.c.owed_visits))
        .group_by(*groups(keyed))), ("contacts_done", "contacts_owed", "visits_done", "visits_owed"))

    households = select(keyed.c.key, keyed.c.county, keyed.c.household_id).distinct().subquery("households")
    in_time = and_(Need.closed_date.is_not(None), Need.closed_date <= Need.due_date)
    put(session.execute(
        select(*groups(households), func.sum(case((in_time, 1), else_=0)), func.count(Need.id))
        .join(Need, Need.household_id == households.c.household_id)
        .where(Need.due_date >= start, Need.due_date <= end)
        .group_by(*groups(households))), ("needs_in_time", "needs_due"))

    in_quarter = and_(Satisfaction.survey_date >= start, Satisfaction.survey_date <= end)
    surveys = union(
        select(keyed.c.key, keyed.c.county, Satisfaction.id, Satisfaction.level)
        .join(Satisfaction, Satisfaction.pairing_id == keyed.c.pairing_id).where(in_quarter),
        select(keyed.c.key, keyed.c.county, Satisfaction.id, Satisfaction.level)
        .join(Satisfaction, and_(Satisfaction.household_id == keyed.c.household_id,
                                 Satisfaction.cadre_id == keyed.c.cadre_id))
        .where(in_quarter, Satisfaction.pairing_id.is_(None)),
        select(households.c.key, households.c.county, Satisfaction.id, Satisfaction.level)
        .join(Satisfaction, Satisfaction.household_id == households.c.household_id)
        .where(in_quarter, Satisfaction.pairing_id.is_(None), Satisfaction.cadre_id.is_(None)),
    ).subquery("surveys")
    satisfied = case((surveys.c.level.in_(("满意", "基本满意")), 1), else_=0)
    put(session.execute(
        select(*groups(surveys), func.sum(satisfied), func.count()).group_by(*groups(surveys))),
        ("satisfied", "surveys"))

    answered = case((supervision.outcome_condition(supervision.ANSWERED, end, policy), 1), else_=0)
    put(session.execute(
        select(*groups(keyed), func.sum(answered), func.count(SupervisionAction.id))
        .join(SupervisionAction, SupervisionAction.pairing_id == keyed.c.pairing_id)
        .where(SupervisionAction.kind == ACTION_SUPERVISE, SupervisionAction.deadline >= start,
               SupervisionAction.deadline <= end)
        .group_by(*groups(keyed))), ("answered", "supervisions"))
    return out


def count_inputs(session: Session, scope: Scope, quarter: Quarter, policy: Policy, level: str,
                 unit_id: int | None = None) -> dict[str, dict[str, int]]:
    """key (unit id, township code or cadre id, as text) -> the ten inputs, each counted in SQL. For a
    scope wider than a county (a city, a province) read from the quarter's stored inputs
    (assessment_store), stored first when none is valid for the data as it is now."""
    if unit_id is None and len(scope.prefix) < compliance.STORE_BELOW_PREFIX:
        from data_access import assessment_store

        stored = assessment_store.inputs(session, scope, quarter, policy, level)
        if stored is not None:
            return stored
    return {key: values for (key, _), values in _count(session, scope, quarter, policy, level, unit_id).items()}


def _names(session: Session, level: str, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    if level == LEVEL_TOWNSHIP:
        rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(keys)))
    elif level == LEVEL_UNIT:
        rows = session.execute(select(Unit.id, Unit.name).where(Unit.id.in_([int(k) for k in keys])))
    else:
        rows = session.execute(select(Cadre.id, Cadre.name + literal("（") + Cadre.code + literal("）"))
                               .where(Cadre.id.in_([int(k) for k in keys])))
    return {str(key): name for key, name in rows}


# --- sheets -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One unit's, township's or cadre's assessment."""

    level: str
    key: str
    name: str
    inputs: dict[str, int]
    score_tenths: int | None
    grade: str | None
    rank: int | None
    change_tenths: int | None  # against the previous quarter (its frozen sheet when frozen)


def _lines(level: str, names: dict[str, str], inputs: dict[str, dict[str, int]], settings: dict[str, int],
           previous: dict[str, int | None] | None) -> list[Line]:
    keys = sorted(inputs, key=lambda k: (names.get(k, k), k))
    scores = [score_tenths(inputs[k], settings) for k in keys]
    places = ranks(scores)
    lines = []
    for key, score, place in zip(keys, scores, places, strict=True):
        before = (previous or {}).get(key)
        change = score - before if score is not None and before is not None else None
        lines.append(Line(level, key, names.get(key, key), inputs[key], score, grade(score, settings), place, change))
    return sorted(lines, key=lambda line: (line.rank is None, line.rank or 0, line.name, line.key))


def compute(session: Session, scope: Scope, quarter: Quarter, policy: Policy, level: str,
            unit_id: int | None = None, with_change: bool = True) -> list[Line]:
    """The quarter's assessment of every unit / township / cadre (of `unit_id`) in `scope`, as now
    computed from the records, best first."""
    inputs = count_inputs(session, scope, quarter, policy, level, unit_id)
    previous = None
    if with_change:
        previous = {line.key: line.score_tenths
                    for line in compute(session, scope, quarter.previous, policy, level, unit_id, with_change=False)}
    return _lines(level, _names(session, level, list(inputs)), inputs, settings_of(policy), previous)


# --- freezing ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Frozen:
    id: int
    quarter: Quarter
    region_code: str
    frozen_at: dt.datetime
    frozen_by: str
    settings: dict[str, int]
    units: list[Line]
    townships: list[Line]


def find_freeze(session: Session, quarter: Quarter, region_code: str | None) -> Frozen | None:
    row = session.scalar(select(AssessmentFreeze).where(
        AssessmentFreeze.year == quarter.year, AssessmentFreeze.quarter == quarter.number,
        AssessmentFreeze.region_code == (region_code or "")))
    if row is None:
        return None
    stored = session.scalars(select(AssessmentRow).where(AssessmentRow.freeze_id == row.id)).all()

    def lines(level):
        out = [Line(r.level, r.key, r.name, {name: getattr(r, name) for name in INPUTS}, r.score_tenths, r.grade,
                    r.rank, r.change_tenths) for r in stored if r.level == level]
        return sorted(out, key=lambda line: (line.rank is None, line.rank or 0, line.name, line.key))

    return Frozen(row.id, quarter, row.region_code, row.frozen_at, row.frozen_by, json.loads(row.settings),
                  lines(LEVEL_UNIT), lines(LEVEL_TOWNSHIP))


def _previous_scores(session: Session, scope: Scope, region_code: str | None, quarter: Quarter, policy: Policy,
                     level: str) -> dict[str, int | None]:
    frozen = find_freeze(session, quarter, region_code)
    lines = (frozen.units if level == LEVEL_UNIT else frozen.townships) if frozen else compute(
        session, scope, quarter, policy, level, with_change=False)
    return {line.key: line.score_tenths for line in lines}


def sheet(session: Session, scope: Scope, region_code: str | None, quarter: Quarter, policy: Policy,
          level: str) -> list[Line]:
    """The recomputed sheet of units or townships, its change against the previous quarter's frozen
    sheet when that quarter is frozen for this region, else against its recomputation."""
    inputs = count_inputs(session, scope, quarter, policy, level)
    previous = _previous_scores(session, scope, region_code, quarter.previous, policy, level)
    return _lines(level, _names(session, level, list(inputs)), inputs, settings_of(policy), previous)


class FreezeError(ValueError):
    """A freeze refused with a reason in Chinese."""


def freeze(session: Session, region_code: str | None, quarter: Quarter, policy: Policy, *,
           actor: permissions.Actor, today: dt.date | None = None) -> Frozen:
    """Store the quarter's assessment of `region_code` (inside the actor's region) as it is now: every
    unit's and township's inputs, score, grade, rank and change, the settings used, who and when.
    A quarter is frozen once per region; it must have ended."""
    permissions.check(actor, "freeze_assessment")
    if not region_code and actor.scope.prefix:
        raise ScopeError("")
    scope = actor.scope.narrow(region_code)
    today = today or current_date()
    if quarter.end >= today:
        raise FreezeError(f"{quarter.label}尚未结束（截至 {quarter.end:%Y-%m-%d}），不能冻结")
    if find_freeze(session, quarter, region_code) is not None:
        raise FreezeError(f"{quarter.label}的考核结果已经冻结，不能重复冻结")
    settings = settings_of(policy)
    record = AssessmentFreeze(year=quarter.year, quarter=quarter.number, region_code=region_code or "",
                              as_of=quarter.end, frozen_at=dt.datetime.now().replace(microsecond=0),
                              frozen_by=actor.username, settings=json.dumps(settings, sort_keys=True))
    session.add(record)
    session.flush()
    lines = [*sheet(session, scope, region_code, quarter, policy, LEVEL_UNIT),
             *sheet(session, scope, region_code, quarter, policy, LEVEL_TOWNSHIP)]
    session.add_all(AssessmentRow(freeze_id=record.id, level=line.level, key=line.key, name=line.name, **line.inputs,
                                  score_tenths=line.score_tenths, grade=line.grade, rank=line.rank,
                                  change_tenths=line.change_tenths) for line in lines)
    audit.record(session, actor.username, "assessment_freeze", region_code, quarter.code,
                 {"quarter": quarter.label, "rows": len(lines)})
    bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False)
    session.flush()
    return find_freeze(session, quarter, region_code)


# --- frames the page, the workbook and the CLI show --------------------------------------------------

def tenths_text(value: int | None) -> float | None:
    return None if value is None else value / 10


def frame(lines: list[Line], level: str, settings: dict[str, int]) -> pd.DataFrame:
    """排名, name, 得分, 等级, 较上季, the five part scores (empty when left out), then the inputs.
    Scores are numbers with one decimal."""
    records = []
    for line in lines:
        record = {"排名": line.rank, NAME_LABELS[level]: line.name, "得分": tenths_text(line.score_tenths),
                  "等级": line.grade or "—", "较上季": tenths_text(line.change_tenths)}
        for part, _, _, (num, den) in PARTS:
            done, owed = line.inputs[num], line.inputs[den]
            # 100 × done/owed in tenths, rounded half up, in integers (= half_up_tenths(100 × ratio))
            record[PART_SCORE_LABELS[part]] = None if not owed else (2000 * done + owed) // (2 * owed) / 10
        record.update({INPUT_LABELS[name]: line.inputs[name] for name in INPUTS})
        record["代码"] = line.key
        records.append(record)
    columns = ["排名", NAME_LABELS[level], "得分", "等级", "较上季", *PART_SCORE_LABELS.values(),
               *INPUT_LABELS.values(), "代码"]
    out = pd.DataFrame(records, columns=columns)
    out["排名"] = out["排名"].astype("Int64")
    return out


def settings_frame(settings: dict[str, int]) -> pd.DataFrame:
    """The weights and grade thresholds used, as the page and the workbook show them."""
    rows = [(f"{label}权重", settings[weight]) for _, label, weight, _ in PARTS]
    rows += [("“好”不低于", settings["assess_grade_good"]), ("“较好”不低于", settings["assess_grade_fine"]),
             ("“一般”不低于", settings["assess_grade_fair"])]
    return pd.DataFrame(rows, columns=["设置", "数值"])


def differences(frozen: list[Line], recomputed: list[Line], level: str) -> pd.DataFrame:
    """The units (townships) whose recomputed score or inputs differ from the frozen sheet, with
    each changed input as 冻结时 → 现在."""
    now = {line.key: line for line in recomputed}
    rows = []
    for line in frozen:
        current = now.pop(line.key, None)
        current_inputs = current.inputs if current else dict.fromkeys(INPUTS, 0)
        changed = [f"{INPUT_LABELS[name]} {line.inputs[name]}→{current_inputs[name]}"
                   for name in INPUTS if line.inputs[name] != current_inputs[name]]
        score_now = current.score_tenths if current else None
        if changed or score_now != line.score_tenths:
            rows.append((line.name, tenths_text(line.score_tenths), tenths_text(score_now), "；".join(changed)))
    for current in now.values():
        rows.append((current.name, None, tenths_text(current.score_tenths), "冻结后新出现"))
    return pd.DataFrame(rows, columns=[NAME_LABELS[level], "冻结得分", "重算得分", "变化的数据（冻结时→现在）"])


# --- commendation -----------------------------------------------------------------------------------

COMMEND_UNIT_COLUMNS = ["工作单位", "得分", "等级"]
COMMEND_CADRE_COLUMNS = ["干部姓名", "工作单位", "得分", "等级"]


def _cadres_with_open_matters(session: Session, scope: Scope, quarter: Quarter) -> set[int]:
    """Cadres with a 提醒/督办 pending or unanswered at the quarter's end on a pairing in scope, or a
    step of the accountability chain dated in the quarter or later: not commended while that holds."""
    open_actions = set()
    policy = load_policy(session)  # the settings answered-in-time is read with
    for outcome in (supervision.PENDING, supervision.UNANSWERED):
        rows = supervision.actions_query(scope, quarter.end, policy, outcome).subquery("open_actions")
        open_actions.update(session.scalars(select(func.distinct(rows.c.cadre_id))))
    stepped = session.scalars(select(func.distinct(AccountabilityStep.cadre_id))
                              .where(AccountabilityStep.step_date >= quarter.start))
    return open_actions | set(stepped)


def commendation_on_request(scope: Scope) -> bool:
    """Whether the 表扬名单 is made only when asked for: wider than a county it grades every cadre of
    the region (390k at province scale, ~20 s) and checks their open matters."""
    return len(scope.prefix) < compliance.STORE_BELOW_PREFIX


def commendation(session: Session, scope: Scope, units: list[Line], quarter: Quarter, policy: Policy
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """表扬名单: the units of `units` (the sheet shown: frozen or recomputed) and the cadres graded 好
    in the quarter with no open matter (see _cadres_with_open_matters; for a unit, none of its
    cadres has one)."""
    blocked = _cadres_with_open_matters(session, scope, quarter)
    cadres = [line for line in compute(session, scope, quarter, policy, LEVEL_CADRE, with_change=False)
              if line.grade == GRADES[0]]
    unit_of = dict(session.execute(select(Cadre.id, Unit.name).join(Unit, Unit.id == Cadre.unit_id)
                                   .where(Cadre.id.in_([int(line.key) for line in cadres] or [0]))).all())
    blocked_units = set(session.scalars(select(func.distinct(Cadre.unit_id)).where(Cadre.id.in_(blocked or {0}))))
    good_units = [(line.name, tenths_text(line.score_tenths), line.grade) for line in units
                  if line.grade == GRADES[0] and int(line.key) not in blocked_units]
    good_cadres = [(line.name, unit_of.get(int(line.key), ""), tenths_text(line.score_tenths), line.grade)
                   for line in cadres if int(line.key) not in blocked]
    return (pd.DataFrame(good_units, columns=COMMEND_UNIT_COLUMNS),
            pd.DataFrame(good_cadres, columns=COMMEND_CADRE_COLUMNS))
