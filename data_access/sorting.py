"""Sort orders a user can pick above a long table (排序), in Chinese: Streamlit's own column-header
menu ("Sort ascending", …) has no Chinese text, so each long table offers its orders here, worst first
by default.

An order is a label and its keys. For a table paged from the database the module that pages it turns
the label into ORDER BY (the keys are SQL there); for a table of aggregates (one row per region or
unit) `sort_frame` orders the frame by column names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Sort:
    label: str  # what the 排序 select shows
    keys: tuple[tuple[str, bool], ...] = ()  # (column, descending) for `sort_frame`


def labels(sorts: Sequence[Sort]) -> list[str]:
    return [s.label for s in sorts]


def pick(sorts: Sequence[Sort], label: str | None) -> Sort:
    """The order named `label`, or the first (the default, worst first) for an unknown or empty one."""
    return next((s for s in sorts if s.label == label), sorts[0])


def sort_frame(frame: pd.DataFrame, sorts: Sequence[Sort], label: str | None) -> pd.DataFrame:
    """`frame` in the order named `label` (missing values last; a stable sort, so ties keep their order)."""
    order = pick(sorts, label)
    keys = [(c, desc) for c, desc in order.keys if c in frame.columns]
    if frame.empty or not keys:
        return frame
    return frame.sort_values([c for c, _ in keys], ascending=[not d for _, d in keys], na_position="last",
                             kind="mergesort").reset_index(drop=True)


# Orders shared by lists whose query has township, village and unit_name columns (逾期事项's kinds).
BY_PLACE = "按乡镇、村排列"
BY_UNIT = "按工作单位排列"


def worst_first(label: str | None) -> bool:
    """Whether `label` orders a list by its own worst-first keys (not by place or unit)."""
    return label not in (BY_PLACE, BY_UNIT)


def list_order(rows, label: str | None, worst: tuple) -> tuple:
    """ORDER BY keys: by place or by unit (each then worst first; missing names last on both
    databases), else `worst`."""
    if label == BY_PLACE:
        return (rows.c.township.is_(None), rows.c.township, rows.c.village.is_(None), rows.c.village, *worst)
    if label == BY_UNIT:
        return (rows.c.unit_name.is_(None), rows.c.unit_name, *worst)
    return worst
