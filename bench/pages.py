"""Page render times: every page of the app, rendered headless (AppTest) on a database, once with
empty caches (what the first user after a data change waits for) and once warm.

    .venv/bin/python -m bench.pages [--db URL] [--region CODE] [--repeat N] [--page 页面标题 ...]
        [--target COLD WARM]

Defaults to the county demo `make run` uses (data/dashboard.db) and the county's region. A page that
raises (or does not open) is a failure: it is named, not timed, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from data_access.config import default_database_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description="测量每个页面的渲染耗时")
    parser.add_argument("--db", default=default_database_url())
    parser.add_argument("--region", default="621225", help="登录账号的区划（默认西和县）")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--page", action="append", default=[], help="只测这些页面（页面标题，可重复）")
    parser.add_argument("--target", nargs=2, type=float, metavar=("COLD", "WARM"),
                        help="目标耗时（秒）：首次、缓存后；逐页标明是否达标，未达标时退出码为 1")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.db
    os.environ["DASHBOARD_RAISE_PAGE_ERRORS"] = "1"  # a page exception must fail the bench, not be timed

    import logging

    import streamlit as st

    logging.getLogger("streamlit").setLevel(logging.ERROR)

    from dashboard.navigation import PAGES, roles_for
    from tests.apptest import ROOT, app, as_user

    print(f"{'页面':<10}{'首次(秒)':>10}{'缓存后(秒)':>12}")
    failed, missed = [], []
    for spec in PAGES:
        if args.page and spec.title not in args.page:
            continue
        roles = roles_for(spec)
        role = "leader" if "leader" in roles else roles[0]
        user = as_user("bench", role, "" if role == "admin" else args.region)
        colds, warms = [], []
        for _ in range(args.repeat):
            at = app(timeout=300, user=user)
            at.run()
            if spec.script != "pages/home.py":
                at.switch_page(str(ROOT / spec.script))
            st.cache_data.clear()
            started = time.perf_counter()
            at.run()
            colds.append(time.perf_counter() - started)
            problem = _problem(at, spec.title)
            if problem is None:
                started = time.perf_counter()
                at.run()
                warms.append(time.perf_counter() - started)
                problem = _problem(at, spec.title)
            if problem is not None:
                print(f"{spec.title}: 出错，未计时 — {problem}")
                failed.append(spec.title)
                break
        else:
            cold, warm = statistics.median(colds), statistics.median(warms)
            verdict = ""
            if args.target:
                met = cold <= args.target[0] and warm <= args.target[1]
                verdict = (f"  目标 首次≤{args.target[0]:g} 秒、缓存后≤{args.target[1]:g} 秒："
                           f"{'达标' if met else '未达标'}（{cold / args.target[0]:.2f}× / {warm / args.target[1]:.2f}×）")
                if not met:
                    missed.append(spec.title)
            print(f"{spec.title:<10}{cold:>10.2f}{warm:>12.2f}{verdict}", flush=True)
    if failed:
        print(f"共 {len(failed)} 个页面出错：{'、'.join(failed)}")
    if missed:
        print(f"共 {len(missed)} 个页面未达标：{'、'.join(missed)}")
    return 1 if failed or missed else 0


def _problem(at, title: str) -> str | None:
    """Why a run does not count: the page raised, or it did not open (refused, wrong page)."""
    if at.exception:
        return at.exception[0].message.splitlines()[0]
    if title not in [t.value for t in at.title]:
        return "页面没有打开"
    return None


if __name__ == "__main__":
    raise SystemExit(main())
