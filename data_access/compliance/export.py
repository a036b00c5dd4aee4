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
