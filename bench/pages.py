"""Page render times: every page of the app, rendered headless (AppTest) on a database, once with
empty caches (what the first user after a data change waits for) and once warm.

    .venv/bin/python -m bench.pages [--db URL] [--region CODE]

Defaults to the county demo `make run` uses (data/dashboard.db) and the county's region.
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
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.db

    import logging

    import streamlit as st

    logging.getLogger("streamlit").setLevel(logging.ERROR)

    from dashboard.navigation import PAGES
    from tests.apptest import ROOT, app, as_user

    print(f"{'页面':<10}{'首次(秒)':>10}{'缓存后(秒)':>12}")
    for spec in PAGES:
        role = "leader" if "leader" in spec.roles else spec.roles[0]
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
            started = time.perf_counter()
            at.run()
            warms.append(time.perf_counter() - started)
            if at.exception:
                print(f"{spec.title}: 出错 {at.exception[0].message}")
                return 1
        print(f"{spec.title:<10}{statistics.median(colds):>10.2f}{statistics.median(warms):>12.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
