"""Timings of the authenticity signals (真实性核查) one by one, and of what the page and 月通报 ask
for: wall and CPU seconds (median of --repeat), each in a fresh session.

    .venv/bin/python -m bench.signals [--db URL] [--region CODE] [--as-of YYYY-MM-DD] [--repeat N]
        [--only NAME ...]

Each signal is timed as `signals.located_counts` reads it (one grouped query over its records)."""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from data_access.config import current_date, default_database_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.signals", description="测量真实性核查各信号的耗时")
    parser.add_argument("--db", default=default_database_url())
    parser.add_argument("--region", default="", help="区划代码（默认全库）")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", action="append", default=[], help="只测这些项（名称，可重复）")
    args = parser.parse_args(argv)

    from data_access import signals
    from data_access.db import session_scope
    from data_access.policy import load_policy
    from data_access.scope import Scope

    as_of = args.as_of or current_date()
    scope = Scope(args.region)
    month_end = as_of.replace(day=1) - dt.timedelta(days=1)
    items = [(name, lambda s, p, name=name: signals.located_counts(s, scope, as_of, p, (name,)))
             for name in signals.SIGNALS]
    items += [
        ("located_counts（全部信号）", lambda s, p: signals.located_counts(s, scope, as_of, p)),
        ("cadre_signals（干部名单）", lambda s, p: signals.cadre_signals(s, scope, as_of, p)),
        ("month_figures（上月）", lambda s, p: signals.month_figures(
            s, scope, month_end.replace(day=1), month_end, p)),
    ]
    print(f"{'项目':<28}{'墙钟(秒)':>10}{'CPU(秒)':>10}{'结果行':>8}")
    for name, run in items:
        if args.only and name not in args.only:
            continue
        walls, cpus, size = [], [], 0
        for _ in range(args.repeat):
            with session_scope(args.db) as session:
                policy = load_policy(session)
                wall, cpu = time.perf_counter(), time.process_time()
                found = run(session, policy)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                size = len(found) if hasattr(found, "__len__") else 0
        print(f"{name:<28}{statistics.median(walls):>10.2f}{statistics.median(cpus):>10.2f}{size:>8}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
