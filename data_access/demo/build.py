"""Building the demo database: refuse or replace existing programme data, store the festival days,
stream the generated counties into the bulk loader, record the build in the audit log (the bench
runner reads the seed back from there) and bump the data version, all in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from data_access import daily_counts, upkeep
from data_access.db import bump_version, get_engine
from data_access.demo.loader import bulk_load
from data_access.demo.pipeline import batches
from data_access.demo.plan import DemoConfig, plan_counties
from data_access.holidays import ensure_holidays
from data_access.models import AuditEntry
from data_access.policy import load_policy

AUDIT_ACTION = "demo_build"


class DemoDataExists(Exception):
    """The database already holds programme data and replacing it was not asked for."""


@dataclass(frozen=True)
class DemoSummary:
    config: DemoConfig
    counties: int
    counts: dict[str, int]
    visits: int
    gifts_yuan: int
    seconds: float


def build_demo(
    config: DemoConfig,
    url: str | None = None,
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Write the demo described by `config` into the database at `url` (schema must be current).
    `progress(done, total)` is called after each county."""
    started = time.perf_counter()
    counties = len(plan_counties(config))
    counts: Counter[str] = Counter()
    visits = gifts = 0
    with bulk_load(get_engine(url)) as loader:
        if loader.has_programme_data():
            if not replace:
                raise DemoDataExists
            loader.clear()
        session = Session(bind=loader.connection)
        policy = load_policy(session)
        ensure_holidays(session, range(config.as_of.year - 1, config.as_of.year + 1))
        loader.defer_checks()
        for done, batch in enumerate(batches(config, policy)):
            for table, rows in batch.items():
                loader.write(table, rows)
                counts[table] += len(rows)
            for row in batch.get("contacts", ()):
                visits += row[3] == "实地走访"
                gifts += row[5] or 0
            if progress and done:
                progress(done, counties)
        loader.finish()
        detail = {"scale": config.scale, "seed": config.seed, "as_of": config.as_of.isoformat(),
                  "households": config.households, "counts": dict(counts)}
        session.execute(
            insert(AuditEntry).values(
                at=dt.datetime.now(), action=AUDIT_ACTION, target="演示数据", detail=json.dumps(detail, ensure_ascii=False)
            )
        )
        bump_version(session)
        daily_counts.rebuild(session)  # the per-county daily counts, from the records just written
        session.flush()
        session.close()
    # The write path pays, as after a change of the rule's settings or the nightly `db evaluate` (the
    # whole database was rewritten): every evaluation the pages read by default stored — today, the
    # same day last week and each month end of the year — so the first visit of 趋势分析, 覆盖情况 or
    # 月通报 reads them (it stored the year's eleven month ends itself: 1.9 s CPU on the county demo).
    with Session(bind=get_engine(url)) as session:
        upkeep.after_rule_change(session, load_policy(session))
        session.commit()
    return DemoSummary(config, counties, dict(counts), visits, gifts, time.perf_counter() - started)


def last_build(session: Session) -> dict | None:
    """The parameters of the most recent demo build recorded in the audit log, if any."""
    detail = session.execute(
        select(AuditEntry.detail).where(AuditEntry.action == AUDIT_ACTION).order_by(AuditEntry.id.desc()).limit(1)
    ).scalar_one_or_none()
    return json.loads(detail) if detail else None
