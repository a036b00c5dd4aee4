"""Concurrent sessions (issue 17): N users of a served app clicking through its pages at once.

    .venv/bin/python -m bench.sessions [--db URL] [--sessions 20] [--clicks 12] [--think 1.5 4]
                                       [--region 620000] [--url http://127.0.0.1:8501] [--servers 2]

Starts `streamlit run dashboard/server.py` (the served entry, as `make run` and deploy/systemd start it) on the database (or uses `--url`, an app already served on
that database), makes one province-leader account per session, and drives each session the way a
browser does, without a browser: it speaks Streamlit's websocket protocol (the BackMsg/ForwardMsg
protobufs the `streamlit` package ships) on `/_stcore/stream`. A session logs in through the login
form, then clicks through the pages its navigation lists, with think time between clicks. A click
is done when the server says the script run finished; its latency is from sending the click to
that message. The server's memory (RSS, with psutil) is sampled throughout. Errors: a page that
raised (an exception element; the server runs with DASHBOARD_RAISE_PAGE_ERRORS=1), a refusal, a
run that did not finish within the timeout, or a dropped connection.

Playwright with 20 Chromium pages does not fit a 2-core machine; this driver costs a few percent
of a core. What it does not do: run the browser's JavaScript (Streamlit's frontend renders what
the server sent; the server's work, which is what is measured, is the same).

`--servers N` starts N app processes on the same database, as a province deployment runs them
(deploy/: nginx in front, each session kept on one process). The driver plays the proxy's part: it
keeps session i on process i mod N (nginx's consistent hash of a random route cookie spreads them
about as evenly). Memory is then reported per process (the largest), since the target is per
process. One Streamlit process runs its sessions' scripts under one interpreter lock: on two cores,
one process can use one of them.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.results import Target, ratio, record

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-sessions-1"  # the bench accounts' password (bench databases only)
MEDIAN_TARGET = 0.5
P95_TARGET = 1.5
RSS_TARGET_MB = 1024
ROWS_TARGET = 5000  # "no page sends more than a few thousand rows to the browser"


@dataclasses.dataclass
class Run:
    """What one script run (a click) sent back."""

    seconds: float = 0.0
    finished: bool = False
    errors: list[str] = dataclasses.field(default_factory=list)
    bytes: int = 0
    max_rows: int = 0  # the largest table (st.dataframe / st.table) sent
    widgets: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)  # label -> (kind, id)


@dataclasses.dataclass
class Click:
    session: int
    page: str
    seconds: float
    first_visit: bool  # the first time any session opened the page (the server's caches cold)
    errors: list[str]
    bytes: int
    max_rows: int


class StreamlitSession:
    """One browser tab, as the server sees it: a websocket to /_stcore/stream."""

    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.pages: dict[str, str] = {}  # title -> page script hash, the visible navigation
        self.query_string = ""
        self._ws = None
        self._run: Run | None = None
        self._done: asyncio.Event | None = None
        self._reader: asyncio.Task | None = None

    async def open(self) -> Run:
        import websockets

        ws_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self._ws = await websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                            open_timeout=self.timeout, ping_interval=None)
        self._reader = asyncio.create_task(self._read())
        return await self.rerun()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()

    async def rerun(self, page_hash: str = "", widgets: list = ()) -> Run:
        """Send what a browser sends on a click (a rerun request) and wait for the run's end."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = page_hash
        state.context_info.url = self.base_url + "/"
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.locale = "zh-CN"
        for widget in widgets:
            state.widget_states.widgets.append(widget)
        self._run, self._done = Run(), asyncio.Event()
        started = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(self._done.wait(), self.timeout)
        except TimeoutError:
            self._run.errors.append(f"{self.timeout:.0f} 秒内未完成")
        self._run.seconds = time.perf_counter() - started
        return self._run

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                run = self._run
                if run is None:
                    continue
                run.bytes += len(data)
                kind = msg.WhichOneof("type")
                if kind == "delta":
                    _element(run, msg.delta)
                elif kind == "navigation":
                    self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages if not p.is_hidden}
                elif kind == "page_info_changed":
                    self.query_string = msg.page_info_changed.query_string
                elif kind == "script_finished":
                    status = msg.script_finished
                    if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        run.errors.append("脚本编译错误")
                    if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:  # st.rerun / switch_page: more follows
                        run.finished = True
                        self._done.set()
        except Exception as exc:  # noqa: BLE001 - a dropped connection is an error of the run, reported
            if self._run is not None and not self._run.finished:
                self._run.errors.append(f"连接中断：{type(exc).__name__}")
                self._done.set()


def _element(run: Run, delta) -> None:
    if delta.WhichOneof("type") != "new_element":
        return
    element = delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        run.errors.append(f"页面出错：{element.exception.type}: {element.exception.message[:200]}")
    elif kind == "alert" and element.alert.format == 1 and ("无权" in element.alert.body or "出错" in element.alert.body):
        run.errors.append(f"页面提示错误：{element.alert.body[:100]}")
    elif kind in ("dataframe", "table"):
        data = getattr(element, kind).arrow_data.data
        if data:
            import pyarrow as pa

            run.max_rows = max(run.max_rows, pa.ipc.open_stream(data).read_all().num_rows)
    elif kind in ("text_input", "button"):
        widget = getattr(element, kind)
        run.widgets[widget.label] = (kind, widget.id)


# -- the login step: the only part that knows how this app logs a user in ------------------------

async def log_in(session: StreamlitSession, username: str, password: str) -> Run:
    """Fill in the login form (用户名, 密码) and press 登录, as a user does. Returns the run that
    followed; an error when the form is missing or the app still shows it afterwards."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    form = await session.open()
    if form.errors:
        return form
    ids = {label: wid for label, (_kind, wid) in form.widgets.items()}
    if not {"用户名", "密码", "登录"} <= ids.keys():
        form.errors.append(f"没有找到登录表单（见到的控件：{sorted(ids)}）")
        return form
    run = await session.rerun(widgets=[
        WidgetState(id=ids["用户名"], string_value=username),
        WidgetState(id=ids["密码"], string_value=password),
        WidgetState(id=ids["登录"], trigger_value=True),
    ])
    if "退出登录" not in run.widgets:  # the account box of a logged-in user
        run.errors.append("登录后仍是登录页面")
    return run


def make_accounts(url: str, region: str, count: int) -> list[str]:
    """`count` leader accounts of `region` (bench_s01, …), made or reset to the bench password."""
    from data_access import accounts, db
    from data_access.models import User
    from data_access.permissions import Actor

    admin = Actor("bench", "admin")
    names = [f"bench_s{i:02d}" for i in range(1, count + 1)]
    with db.session_scope(url) as session:
        for name in names:
            user = session.query(User).filter_by(username=name).one_or_none()
            if user is None:
                accounts.create_user(session, name, "leader", region, PASSWORD, f"压测领导{name[-2:]}", actor=admin)
            else:
                user.role, user.region_code, user.is_active, user.failed_attempts = "leader", region, True, 0
                user.password_hash = accounts.hash_password(PASSWORD)
                accounts._clear_throttle(session, name)
    return names


# -- the server -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, port: int, log_path: Path, profile: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "DASHBOARD_RAISE_PAGE_ERRORS": "1"}
    log = log_path.open("w")
    sampler = ["-m", "bench.sampler", profile] if profile else []  # every thread's stacks (bench/sampler.py)
    return subprocess.Popen(
        [sys.executable, *sampler, "-m", "streamlit", "run", str(ROOT / "dashboard" / "server.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(base_url: str, process: subprocess.Popen | None, seconds: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"应用进程已退出（{process.returncode}）")
        try:
            with urllib.request.urlopen(base_url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"应用 {seconds:.0f} 秒内未就绪：{base_url}")


def server_pid(base_url: str, process: subprocess.Popen | None) -> int | None:
    if process is not None:
        return process.pid
    import psutil

    port = int(base_url.rsplit(":", 1)[-1].split("/")[0])
    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            return conn.pid
    return None


async def sample_rss(pids: list[int | None], peak: list[float], stop: asyncio.Event) -> None:
    """The largest RSS of any one app process (with its children) seen while the sessions run."""
    import psutil

    processes = [psutil.Process(pid) for pid in pids if pid is not None]
    while processes and not stop.is_set():
        for process in processes:
            try:
                rss = process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))
            except psutil.Error:
                return
            peak[0] = max(peak[0], rss / 2**20)
        await asyncio.sleep(0.5)


# -- the sessions ---------------------------------------------------------------------------------

@dataclasses.dataclass
class Result:
    sessions: int
    clicks: list[Click]
    logins: list[Run]
    peak_rss_mb: float
    seconds: float
    servers: int = 1

    @property
    def errors(self) -> list[str]:
        return [e for r in self.logins for e in r.errors] + [f"{c.page}：{e}" for c in self.clicks for e in c.errors]

    def quantile(self, q: float, first: bool | None = None) -> float:
        times = sorted(c.seconds for c in self.clicks if first is None or c.first_visit == first)
        if not times:
            return float("nan")
        return statistics.median(times) if q == 0.5 else times[min(len(times) - 1, int(q * len(times)))]


async def one_user(index: int, base_url: str, username: str, clicks: int, think: tuple[float, float],
                   timeout: float, seen: set[str], out: list[Click], logins: list[Run], rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(0, think[1]))  # users do not arrive in the same instant
    session = StreamlitSession(base_url, timeout)
    try:
        login = await log_in(session, username, PASSWORD)
        logins.append(login)
        if login.errors:
            return
        titles = list(session.pages)
        start = index % len(titles)
        for n in range(clicks):
            await asyncio.sleep(rng.uniform(*think))
            title = titles[(start + n + 1) % len(titles)]
            first = title not in seen
            seen.add(title)
            run = await session.rerun(page_hash=session.pages[title])
            out.append(Click(index, title, run.seconds, first, run.errors, run.bytes, run.max_rows))
            if len(out) % 20 == 0:
                print(f"  已点击 {len(out)} 次，最近一次 {title} {run.seconds:.2f} 秒", flush=True)
    finally:
        await session.close()


async def drive(base_urls: list[str], usernames: list[str], clicks: int, think: tuple[float, float], timeout: float,
                pids: list[int | None], seed: int) -> Result:
    peak, stop = [0.0], asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pids, peak, stop))
    out: list[Click] = []
    logins: list[Run] = []
    seen: set[str] = set()
    started = time.perf_counter()
    await asyncio.gather(*(one_user(i, base_urls[i % len(base_urls)], name, clicks, think, timeout, seen, out, logins,
                                    random.Random(seed + i)) for i, name in enumerate(usernames)))
    seconds = time.perf_counter() - started
    stop.set()
    await sampler
    return Result(len(usernames), out, logins, peak[0], seconds, len(base_urls))


def run_sessions(db_url: str, region: str, sessions: int, clicks: int, think: tuple[float, float],
                 timeout: float = 120, base_url: str | None = None, seed: int = 17,
                 profile: str | None = None, servers: int = 1) -> Result:
    """Start `servers` app processes on `db_url` (unless `base_url` is given), drive `sessions`
    users, stop them."""
    usernames = make_accounts(db_url, region, sessions)
    processes: list[subprocess.Popen | None] = [None]
    base_urls = [base_url]
    if base_url is None:
        ports = [free_port() for _ in range(servers)]
        base_urls = [f"http://127.0.0.1:{port}" for port in ports]
        processes = [start_server(db_url, port, ROOT / "data" / f"bench-sessions-server{i or ''}.log",
                                  profile if i == 0 else None) for i, port in enumerate(ports)]
    try:
        for url, process in zip(base_urls, processes, strict=True):
            wait_healthy(url, process)
        pids = [server_pid(url, process) for url, process in zip(base_urls, processes, strict=True)]
        return asyncio.run(drive(base_urls, usernames, clicks, think, timeout, pids, seed))
    finally:
        for process in processes:
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def report(result: Result, label: str) -> list[Target]:
    """Print the figures; return them against their targets."""
    from bench.__main__ import pad

    clicks = result.clicks
    logins = [r.seconds for r in result.logins if not r.errors]
    median, p95 = result.quantile(0.5), result.quantile(0.95)
    on = f"，{result.servers} 个应用进程（每个会话固定在其中一个）" if result.servers > 1 else ""
    print(f"\n{label}：{result.sessions} 个会话同时点击（自写的 websocket 驱动 bench/sessions.py，"
          f"按 Streamlit 协议发送点击{on}），共 {len(clicks)} 次点击，历时 {result.seconds:.0f} 秒")
    if logins:
        print(f"  登录 {len(logins)} 次：中位数 {statistics.median(logins):.2f} 秒，最慢 {max(logins):.2f} 秒")
    print(f"  每次点击：中位数 {median:.2f} 秒，95% 分位 {p95:.2f} 秒，最慢 {max((c.seconds for c in clicks), default=0):.2f} 秒；"
          f"其中各页首次打开（缓存为空）中位数 {result.quantile(0.5, True):.2f} 秒，再次打开 {result.quantile(0.5, False):.2f} 秒")
    print(f"  应用进程内存峰值（psutil RSS{'，最大的一个进程' if result.servers > 1 else ''}）：{result.peak_rss_mb:,.0f} MB；"
          f"错误 {len(result.errors)} 个")
    for error in result.errors[:10]:
        print(f"    {error}")
    by_page: dict[str, list[Click]] = {}
    for click in clicks:
        by_page.setdefault(click.page, []).append(click)
    print(f"  {pad('页面', 14)}{pad('次数', 6)}{pad('首次(秒)', 10)}{pad('中位数(秒)', 12)}{pad('最慢(秒)', 10)}{pad('最大表格行数', 14)}千字节")
    for page, found in by_page.items():
        first = next((c.seconds for c in found if c.first_visit), float("nan"))
        print(f"  {pad(page, 14)}{len(found):<6}{first:<10.2f}{statistics.median(c.seconds for c in found):<12.2f}"
              f"{max(c.seconds for c in found):<10.2f}{max(c.max_rows for c in found):<14,}{max(c.bytes for c in found) / 1024:,.0f}")
    rows = max((c.max_rows for c in clicks), default=0)
    n = result.sessions if result.servers == 1 else f"{result.sessions}（{result.servers} 个应用进程）"
    return [
        Target(f"{n} 个会话同时点击：中位数 ≤ {MEDIAN_TARGET} 秒", f"{median:.2f} 秒", ratio(median, MEDIAN_TARGET),
               median <= MEDIAN_TARGET, f"{len(clicks)} 次点击"),
        Target(f"{n} 个会话同时点击：95% 分位 ≤ {P95_TARGET} 秒", f"{p95:.2f} 秒", ratio(p95, P95_TARGET), p95 <= P95_TARGET),
        Target(f"{n} 个会话同时点击：无错误", f"{len(result.errors)} 个错误", "—", not result.errors),
        Target(f"{n} 个会话同时点击：应用进程内存 < 1 GB", f"{result.peak_rss_mb:,.0f} MB（峰值）",
               ratio(result.peak_rss_mb, RSS_TARGET_MB), result.peak_rss_mb < RSS_TARGET_MB, "psutil RSS"),
        Target(f"每页发往浏览器的表格不超过几千行（≤ {ROWS_TARGET:,}）", f"最多 {rows:,} 行", ratio(rows, ROWS_TARGET),
               rows <= ROWS_TARGET if clicks else None),
    ]


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import DEFAULT_DB, DEFAULT_SEED, ensure_demo
    from data_access.demo.regions import PROVINCE

    parser = argparse.ArgumentParser(prog="python -m bench.sessions", description="多个会话同时点击各页面")
    parser.add_argument("--db", default=DEFAULT_DB, help="数据库（默认省级演示数据 data/bench-province.db）")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--clicks", type=int, default=12, help="每个会话点击的页面数（默认 12）")
    parser.add_argument("--think", type=float, nargs=2, default=(1.5, 4.0), metavar=("MIN", "MAX"),
                        help="两次点击之间的思考时间（秒，均匀分布，默认 1.5–4）")
    parser.add_argument("--region", default=PROVINCE[0], help="登录账号的区划（默认全省）")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--url", default=None, help="已在运行的应用地址（同一数据库）；默认自行启动")
    parser.add_argument("--servers", type=int, default=1,
                        help="自行启动的应用进程数（省级部署在反向代理后运行多个进程；默认 1）")
    parser.add_argument("--profile", default=None, metavar="FILE",
                        help="对自行启动的应用采样各线程调用栈，写入 FILE（python -m bench.sampler --summary FILE 查看）")
    args = parser.parse_args(argv)
    if args.db == DEFAULT_DB:
        ensure_demo(args.db, DEFAULT_SEED, False)
    result = run_sessions(args.db, args.region, args.sessions, args.clicks, tuple(args.think), args.timeout, args.url,
                          profile=args.profile, servers=args.servers)
    targets = report(result, "并发会话")
    on = f"，{args.servers} 个应用进程" if args.servers > 1 and args.url is None else ""
    label = f"{args.sessions} 个会话同时点击（{args.db.rsplit('/', 1)[-1]}{on}，websocket 驱动 bench/sessions.py）"
    record("sessions", label, targets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
