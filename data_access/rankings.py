"""Rankings by the share of cadres on track (RULES.md via the compliance roll-ups): work units
(工作单位) and the regions one level down from the chosen region, lowest first, with the bottom
`policy.ranking_bottom_count` that are not fully on track marked as lagging (末位)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.orm import Session

from data_access import compliance, coverage
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.sorting import Sort

UNIT_COLUMNS = ["排名", "工作单位", "结对干部", "达标干部", "滞后干部", "失联干部", "达标率", "末位"]
REGION_COLUMNS = ["排名", "代码", "地区", "结对干部", "达标干部", "达标率", "覆盖率", "逾期诉求", "末位"]

# The 排序 choices of both ranking tables (sorting.sort_frame); the default is the ranking itself.
SORTS = (
    Sort("达标率由低到高（排名）", (("排名", False),)),
    Sort("达标率由高到低", (("达标率", True), ("排名", True))),
    Sort("结对干部由多到少", (("结对干部", True), ("排名", False))),
    Sort("滞后干部由多到少", (("滞后干部", True), ("排名", False))),
    Sort("失联干部由多到少", (("失联干部", True), ("排名", False))),
    Sort("逾期诉求由多到少", (("逾期诉求", True), ("排名", False))),
)


def sorts_for(frame: pd.DataFrame) -> tuple[Sort, ...]:
    """The orders that apply to this ranking (the unit and the region tables have different columns)."""
    return tuple(s for s in SORTS if all(c in frame.columns for c, _ in s.keys))


def _rank(frame: pd.DataFrame, bottom: int) -> pd.DataFrame:
    """Lowest share first (ties by name), rank 1 = lowest; the first `bottom` rows below 100% are
    marked 末位, and so is any row with the same share (to 0.1%) as the last of them. Rows with no
    cadre (no share) go last and are never marked; nor is a lone row (nothing to rank it against)."""
    name = "工作单位" if "工作单位" in frame.columns else "地区"
    frame = frame.assign(达标率=pd.to_numeric(frame["达标率"], errors="coerce").astype(float))
    frame = frame.assign(_missing=frame["达标率"].isna()).sort_values(["_missing", "达标率", name])
    frame = frame.drop(columns="_missing").reset_index(drop=True)
    frame.insert(0, "排名", range(1, len(frame) + 1))
    lagging = frame["达标率"].notna() & (frame["达标率"] < 1) & (len(frame) > 1)  # a ranking needs two
    shares = frame["达标率"].round(3)  # as shown (0.1%): rows tied with the last one named are named too
    cut = shares[lagging].iloc[bottom - 1] if bottom > 0 and lagging.sum() >= bottom else None
    frame["末位"] = lagging & ((lagging.cumsum() <= bottom) | (shares <= cut if cut is not None else False))
    return frame


def units(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> pd.DataFrame:
    """One row per work unit with a cadre paired in `scope` on `as_of` (compliance.unit_rollup: a
    cadre's status is the worst over their pairings in scope), lowest on-track share first."""
    rollup = compliance.unit_rollup(session, scope, as_of, policy)
    frame = pd.DataFrame({
        "工作单位": rollup["工作单位"],
        "结对干部": rollup["干部数"],
        "达标干部": rollup["达标干部"],
        "滞后干部": rollup["滞后干部"],
        "失联干部": rollup["失联干部"],
        "达标率": rollup["干部达标率"],
    })
    return _rank(frame, policy.ranking_bottom_count)


def regions(session: Session, scope: Scope, region_code: str | None, as_of: dt.date, policy: Policy) -> pd.DataFrame:
    """The regions of coverage.by_region (townships, or villages of a township) ranked the same way."""
    return rank_regions(coverage.by_region(session, scope, region_code, as_of, policy), policy)


def rank_regions(by_region: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Rank rows of coverage.by_region already fetched (the bulletin has them)."""
    frame = by_region[["代码", "地区", "结对干部", "达标干部", "达标率", "覆盖率", "逾期诉求"]]
    return _rank(frame, policy.ranking_bottom_count)


def lagging(frame: pd.DataFrame) -> list[str]:
    """Names of the rows marked 末位 (for the bulletin's sentence)."""
    name = "工作单位" if "工作单位" in frame.columns else "地区"
    return list(frame.loc[frame["末位"], name])


def shown_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A ranking as 单位排名 shows it: 末位 as the word (or empty), the deciding columns first
    (排名, the name, 达标率, 末位, 覆盖率); shares stay fractions (the page shows them as percentages)."""
    shown = frame.assign(末位=frame["末位"].map(lambda x: "末位" if x else ""))
    first = [c for c in ("排名", "工作单位", "地区", "达标率", "末位", "覆盖率") if c in shown]
    return shown[first + [c for c in shown.columns if c not in first]]
