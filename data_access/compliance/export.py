"""The laggard list as a file, stamped and audited."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.orm import Session

from data_access import audit, exporting, permissions
from data_access.compliance.filters import LaggardFilter
from data_access.compliance.laggards import laggards_frame
from data_access.policy import Policy
from data_access.scope import Scope


def export_laggards(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    flt: LaggardFilter,
    region_name: str,
    fmt: str = "xlsx",
    *,
    actor: permissions.Actor,
) -> bytes:
    """The laggard list as a file (CSV with BOM or xlsx), stamped and audited in this transaction."""
    permissions.check(actor, "export_lists", scope)
    username = actor.username
    frame = laggards_frame(session, scope, as_of, policy, flt)
    what = f"滞后干部名单（截至 {as_of}）"
    stamp = exporting.ExportStamp(username, what, region_name, dt.datetime.now())
    data = exporting.to_csv_bytes(frame, stamp) if fmt == "csv" else exporting.to_xlsx_bytes({"滞后干部名单": frame}, stamp)
    audit.record(session, username, "export", scope.prefix or None, "滞后干部名单",
                 {"rows": len(frame), "as_of": as_of, "format": fmt, "filter": dataclasses.asdict(flt)})
    return data


def laggards_by_unit(frame):
    """The laggard list split per 工作单位: (sheet name, that unit's rows) in order of the unit's first
    row in the worst-first list, so the unit with the worst pairing comes first."""
    parts = [(unit, rows.reset_index(drop=True))  # sort=False: in order of first appearance
             for unit, rows in frame.groupby(frame["工作单位"].fillna(""), sort=False)]
    names = exporting.sheet_names([unit for unit, _ in parts])
    return [(name, rows) for name, (_, rows) in zip(names, parts, strict=True)]


def export_laggards_by_unit(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    flt: LaggardFilter,
    region_name: str,
    *,
    actor: permissions.Actor,
) -> bytes:
    """The laggard list as one workbook with a sheet per unit (each unit is sent only its own rows),
    the page's columns, stamped and audited in this transaction."""
    permissions.check(actor, "export_lists", scope)
    username = actor.username
    frame = laggards_frame(session, scope, as_of, policy, flt)
    sheets = laggards_by_unit(frame)
    what = f"滞后干部名单（按单位分表，截至 {as_of}）"
    stamp = exporting.ExportStamp(username, what, region_name, dt.datetime.now())
    data = exporting.to_xlsx_bytes(dict(sheets) or {"滞后干部名单": frame}, stamp)
    audit.record(session, username, "export", scope.prefix or None, "滞后干部名单（按单位分表）",
                 {"rows": len(frame), "units": len(sheets), "as_of": as_of, "format": "xlsx",
                  "filter": dataclasses.asdict(flt)})
    return data
