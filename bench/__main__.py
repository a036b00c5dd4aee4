"""Run the query benchmark: build (or reuse) the province demo, time each registered query N
times at province scope and at one county's scope, print the medians.

    python -m bench [--db URL] [--repeat N] [--seed N] [--county CODE] [--rebuild] [--match TEXT ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import unicodedata

from bench.queries import QUERIES
from data_access import db
from data_access.config import PROJECT_ROOT, current_date
from data_access.demo.build import build_demo, last_build
from data_access.demo.plan import DemoConfig
from data_access.demo.regions import COUNTIES, XIHE_CODE
from data_access.policy import load_policy
from data_access.scope import Scope

DEFAULT_DB = f"sqlite:///{PROJECT_ROOT / 'data' / 'bench-province.db'}"
DEFAULT_SEED = 2023


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="在省级演示数据上测量页面查询耗时")
    parser.add_argument("--db", default=DEFAULT_DB, help="数据库地址（默认 data/bench-province.db）")
    parser.add_argument("--repeat", type=int, default=5, help="每个查询运行次数（取中位数，默认 5）")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"演示数据随机种子（默认 {DEFAULT_SEED}）")
    parser.add_argument("--county", default=XIHE_CODE, help="县级范围的区划代码（默认 621225 西和县）")
    parser.add_argument("--rebuild", action="store_true", help="即使已有相同种子的数据也重建")
    parser.add_argument("--match", nargs="+", default=[], metavar="TEXT",
                        help="只测名称以这些文字开头的查询，例如 --match 达标督查 提醒督办")
    return parser.parse_args(argv)


def ensure_demo(url: str, seed: int, rebuild: bool, scale: str = "province") -> dt.date:
    """The as-of date of a province demo with `seed` at `url`, building it when absent (`scale`
    "county": any county demo of that seed is taken as it is, never built — bench.scale's smoke test)."""
    db.upgrade(url)
    with db.session_scope(url) as session:
        build = last_build(session)
    if not rebuild and build and build["scale"] == scale and build["seed"] == seed:
        print(f"沿用已有的省级演示数据（种子 {seed}，截至 {build['as_of']}）", flush=True)
        return dt.date.fromisoformat(build["as_of"])
    if scale != "province":
        raise SystemExit(f"{url} 中没有种子 {seed} 的{scale}演示数据")
    print("正在生成省级演示数据……", flush=True)
    summary = build_demo(DemoConfig("province", seed, current_date()), url, replace=True)
    print(f"生成完成：联系记录 {summary.counts['contacts']:,} 条，用时 {summary.seconds:.0f} 秒", flush=True)
    return summary.config.as_of


def pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where CJK characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def time_query(url: str, query, scope: Scope, as_of: dt.date, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        with db.session_scope(url) as session:
            policy = load_policy(session)
            started = time.perf_counter()
            query(session, scope, as_of, policy)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    as_of = ensure_demo(args.db, args.seed, args.rebuild)
    county_name = dict(COUNTIES).get(args.county, args.county)
    scopes = [("全省", Scope("")), (county_name, Scope.for_region(args.county))]
    print(f"\n{pad('查询', 40)}{pad('范围', 10)}{pad('中位数(毫秒)', 14)}{pad('最快', 10)}{pad('最慢', 10)}")
    for name, query in QUERIES:
        if args.match and not name.startswith(tuple(args.match)):
            continue
        for label, scope in scopes:
            timings = time_query(args.db, query, scope, as_of, args.repeat)
            median, fastest, slowest = statistics.median(timings), min(timings), max(timings)
            print(f"{pad(name, 40)}{pad(label, 10)}{median:<14.1f}{fastest:<10.1f}{slowest:<10.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
