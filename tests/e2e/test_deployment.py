"""Several app servers behind nginx on one PostgreSQL database (deploy/): two Streamlit processes
with one shared DASHBOARD_SECRET_KEY and nginx running deploy/nginx/dashboard.conf as shipped
(only the ports changed), driven in Chromium. A login survives a reload, also when the reload lands
on the other process; a 督办 issued through one process is seen through the other; an import
through one changes the figures the other shows (the stored evaluation it reads is refreshed by
the import)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from data_access import compliance, db, status_store
from data_access.accounts import create_demo_accounts
from data_access.config import current_date
from data_access.db import session_scope
from data_access.models import Cadre, Household, SupervisionAction
from data_access.policy import Policy
from tests import builders as b
from tests import import_workbooks as wb
from tests.e2e.conftest import ROOT, _free_port, login, serve, wait_idle, wait_until_up

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "dashboard.conf"
SECRET = {"DASHBOARD_SECRET_KEY": "one-key-for-every-app-process-of-this-test"}


@contextmanager
def nginx(backends: list[str]):
    """nginx with the shipped site configuration, its upstream servers set to `backends`; yields
    its base URL."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is needed: run scripts/ensure-test-services.sh")
    port = _free_port()
    servers = "".join(f"    server {re.sub(r'^http://', '', base)} max_fails=2 fail_timeout=10s;\n" for base in backends)
    site = re.sub(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, SITE.read_text())
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    assert servers in site and f"listen 127.0.0.1:{port};" in site
    folder = Path(tempfile.mkdtemp(prefix="pcd-nginx-"))
    folder.chmod(0o777)
    paths = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(
        f"worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        f"events {{ worker_connections 256; }}\n"
        f"http {{\n  access_log {folder / 'access.log'};\n  {paths}\n{site}\n}}\n"
    )
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def failure() -> str:
        log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
        return f"nginx did not start: {process.stdout.read().decode() if process.stdout else ''}{log}"

    try:
        wait_until_up(f"{base}/healthz", process, 20, failure)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)


def upstream_of(proxy: str, route: str) -> str:
    request = urllib.request.Request(f"{proxy}/_stcore/health", headers={"Cookie": f"pcd_route={route}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return "http://" + response.headers["X-Dashboard-Upstream"]


def routes(proxy: str, backends: list[str]) -> dict[str, str]:
    """A route cookie value that nginx sends to each backend (sticky: always the same one)."""
    found: dict[str, str] = {}
    for n in range(200):
        backend = upstream_of(proxy, f"route-{n}")
        found.setdefault(backend, f"route-{n}")
        if len(found) == len(backends):
            break
    assert sorted(found) == sorted(backends)
    assert all(upstream_of(proxy, route) == backend for backend, route in found.items())
    return found


def browser_on(browser, proxy: str, route: str):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    context.add_cookies([{"name": "pcd_route", "value": route, "url": proxy}])
    return context, context.new_page()


def open_page(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).click()
    wait_idle(page)


def metric(page, label: str) -> str:
    return page.locator('[data-testid="stMetric"]', has_text=label).locator(
        '[data-testid="stMetricValue"]').inner_text().strip()


def cadre_page(page, name: str) -> None:
    open_page(page, "干部详情")
    box = page.get_by_placeholder("输入干部姓名、干部编号或单位名称")
    box.fill(name)
    box.press("Enter")
    wait_idle(page)
    page.locator('[data-testid="stMain"]').get_by_text(f"{name}（").first.wait_for(timeout=60_000)


def test_two_app_processes_behind_nginx_share_logins_actions_and_figures(postgres_url, browser, tmp_path):
    url = postgres_url
    today = current_date()
    with session_scope(url) as s:
        b.region_tree(s)
        li = b.cadre(s, b.unit(s, "县教育局"), "李华")
        house = b.household(s, b.VILLAGE_B1)
        b.person(s, house, b.VILLAGE_B1, name="孙桂兰")
        b.pairing(s, house, li, dt.date(today.year - 2, 1, 1))  # never contacted: behind and silent
        create_demo_accounts(s, b.COUNTY)
        codes = (s.scalar(select(Household.code).where(Household.id == house)),
                 s.scalar(select(Cadre.code).where(Cadre.id == li)))
    with session_scope(url) as s:  # today's evaluation stored, as the nightly job leaves it
        snapshot = compliance.store_status(s, today, Policy())
    assert snapshot is not None

    with serve(url, SECRET) as one, serve(url, SECRET) as two, nginx([one, two]) as proxy:
        route = routes(proxy, [one, two])

        # a login through process one survives a reload, also one that lands on process two
        first, page = browser_on(browser, proxy, route[one])
        assert "http://" + page.goto(proxy).headers["x-dashboard-upstream"] == one
        login(page, "inspector", "demo1234")
        page.reload()
        page.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
        first.add_cookies([{"name": "pcd_route", "value": route[two], "url": proxy}])
        assert "http://" + page.reload().headers["x-dashboard-upstream"] == two
        page.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
        assert page.get_by_label("密码").count() == 0
        first.add_cookies([{"name": "pcd_route", "value": route[one], "url": proxy}])
        assert "http://" + page.reload().headers["x-dashboard-upstream"] == one
        page.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
        wait_idle(page)

        # process two shows 李华 first (its page cache now holds his figures)
        second, other = browser_on(browser, proxy, route[two])
        assert "http://" + other.goto(proxy).headers["x-dashboard-upstream"] == two
        login(other, "inspector", "demo1234")
        cadre_page(other, "李华")
        assert metric(other, "收到提醒/督办") == "0 次"
        assert metric(other, "当前状态") == "滞后、失联"

        # a 督办 issued through process one ...
        cadre_page(page, "李华")
        main = page.locator('[data-testid="stMain"]')
        main.get_by_text("向该干部发出提醒 / 督办").click()
        main.get_by_text("督办", exact=True).click()
        main.get_by_role("button", name="发出").click()
        main.get_by_text("已向李华发出督办").wait_for(timeout=60_000)
        with session_scope(url) as s:
            assert [a.kind for a in s.scalars(select(SupervisionAction))] == ["督办"]
        # ... is seen through process two
        other.reload()
        other.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
        wait_idle(other)
        other.locator('[data-testid="stMain"]').get_by_text("李华（").first.wait_for(timeout=60_000)
        assert metric(other, "收到提醒/督办") == "1 次"

        # an import through process one (a contact with 李华's household today) ...
        third, admin = browser_on(browser, proxy, route[one])
        admin.goto(proxy)
        login(admin, "admin", "demo1234")
        open_page(admin, "数据导入")
        workbook = wb.write_xlsx(tmp_path / "西和县联系记录.xlsx", {"联系记录": [
            ["户编号", "干部编号", "日期", "方式", "内容", "慰问金额", "记录编号"],
            [codes[0], codes[1], today.isoformat(), "电话", "电话问候", None, "E2E-1"],
        ]})
        admin.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(workbook))
        wait_idle(admin)
        admin_main = admin.locator('[data-testid="stMain"]')
        admin_main.get_by_text("检查通过，没有发现问题。").wait_for(timeout=60_000)
        admin_main.get_by_role("button", name="确认导入").click()
        admin_main.get_by_text("导入成功。").wait_for(timeout=120_000)
        # ... refreshed the stored evaluation in place (same one, now with the contact) ...
        with session_scope(url) as s:
            assert status_store.find(s, today, Policy()) == snapshot
        # ... and process two shows the new figures: no longer silent
        other.reload()
        other.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
        wait_idle(other)
        other.locator('[data-testid="stMain"]').get_by_text("李华（").first.wait_for(timeout=60_000)
        assert metric(other, "当前状态") == "滞后"
        assert "Traceback" not in other.locator('[data-testid="stMain"]').inner_text()
        for context in (first, second, third):
            context.close()
    db.get_engine(url).dispose()
