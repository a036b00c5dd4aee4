"""`python -m bench.sessions` runs end to end on a small county demo: two app processes started on
one database (`--servers 2`, as a province deployment runs them), two sessions logging in through
the login form and clicking pages over Streamlit's websocket, each kept on its own process — so a
change that breaks the bench's code path fails the suite instead of the next `make bench`."""

from __future__ import annotations

from bench import sessions
from bench.__main__ import DEFAULT_SEED
from data_access.db import get_engine
from data_access.demo.build import build_demo
from data_access.demo.plan import DemoConfig
from data_access.demo.regions import XIHE_CODE
from tests.fixed_date import TODAY


def test_bench_sessions_on_two_app_processes(sqlite_url, capsys):
    build_demo(DemoConfig("county", DEFAULT_SEED, TODAY, households=60), sqlite_url)
    get_engine(sqlite_url).dispose()
    result = sessions.run_sessions(sqlite_url, XIHE_CODE, sessions=2, clicks=2, think=(0.1, 0.3), timeout=120,
                                   servers=2)
    assert result.servers == 2 and result.errors == []
    assert len(result.logins) == 2 and len(result.clicks) == 4
    assert all(c.seconds > 0 and c.bytes > 0 for c in result.clicks)
    assert 0 < result.peak_rss_mb < 2048  # the largest of the two processes, sampled
    targets = sessions.report(result, "并发会话")
    out = capsys.readouterr().out
    assert "2 个应用进程（每个会话固定在其中一个）" in out and "错误 0 个" in out
    assert targets[2].met is True  # no errors
