"""Screenshot a page of the running app as a user sees it (Debian's Chromium, CJK fonts).

    .venv/bin/python scripts/screenshot.py OUT.png [--db URL] [--page 页面标题] [--query 'region=…']
        [--user NAME] [--password PASSWORD]

Starts its own server on a free port, logs in through the login page (default: the demo account
admin / demo1234), then clicks the page's navigation link (a full page load would start a new
session). `--user ''` photographs the login page itself.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from data_access.config import get_settings  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, login, serve, wait_idle  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--db", default=get_settings().database_url)
    parser.add_argument("--page", default="", help="navigation title to click, e.g. 达标督查")
    parser.add_argument("--query", default="", help="query string for the first load")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--user", default="admin", help="account to log in with ('' = stay on the login page)")
    parser.add_argument("--password", default="demo1234")
    args = parser.parse_args()
    with serve(args.db) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 1000}, locale="zh-CN")
        page.goto(f"{base}/?{args.query}" if args.query else base)
        wait_idle(page)
        if args.user:
            login(page, args.user, args.password)
        if args.page:
            page.get_by_role("link", name=args.page).first.click()
            wait_idle(page)
        page.screenshot(path=args.out, full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
