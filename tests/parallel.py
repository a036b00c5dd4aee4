"""Run a function in several processes at once (fresh interpreters, released together): the
hostile and careless concurrency of the hardening tests. Worker functions live here or in any
importable module and return JSON-able results."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _child() -> None:
    """In a worker process: wait for the start signal, run the function, print its result."""
    module, name, args, go = json.loads(sys.argv[1])
    func = getattr(importlib.import_module(module), name)
    Path(f"{go}.ready.{os.getpid()}").touch()
    while not os.path.exists(go):
        time.sleep(0.005)
    print("RESULT " + json.dumps(func(*args), ensure_ascii=False, default=str))


def run_parallel(func: Callable, args_list: list[tuple], timeout: float = 600) -> list:
    """func(*args) for each args in its own process (a fresh interpreter, not a fork), all
    released at once when every one has started; their JSON results in order. Raises
    AssertionError with the worker's output if any worker failed."""
    go = Path(tempfile.mkdtemp()) / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", "from tests.parallel import _child; _child()",
             json.dumps([func.__module__, func.__name__, list(args), str(go)])],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for args in args_list
    ]
    deadline = time.monotonic() + timeout
    while len(list(go.parent.glob("go.ready.*"))) < len(procs) and time.monotonic() < deadline:
        if any(proc.poll() is not None for proc in procs):
            break  # one died while starting: its output says why, below
        time.sleep(0.05)
    go.touch()
    results = []
    for index, proc in enumerate(procs):
        out, err = proc.communicate(timeout=timeout)
        lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            raise AssertionError(f"worker {index} failed ({proc.returncode}): {err[-3000:]}")
        results.append(json.loads(lines[-1][len("RESULT "):]))
    return results


# -- workers ------------------------------------------------------------------------------------


def guess_passwords(url: str, username: str, guesses: int, max_failures: int) -> list[str]:
    """`guesses` wrong passwords for `username`, one log-in each; the messages answered."""
    import dataclasses

    from data_access import accounts
    from data_access.config import get_settings
    from data_access.db import session_scope

    settings = dataclasses.replace(get_settings(), login_max_failures=max_failures, login_lock_minutes=15)
    messages = []
    for i in range(guesses):
        with session_scope(url) as s:
            messages.append(accounts.authenticate(s, username, f"wrong guess {i}", settings=settings).message)
    return messages


def import_workbook(url: str, path: str, today: str) -> str:
    """Import `path` (writing); the outcome, or the Chinese message it was refused with."""
    import datetime as dt

    from data_access import imports
    from data_access.db import session_scope
    from data_access.permissions import Actor
    from data_access.policy import Policy

    book = imports.read_path(path)
    try:
        with session_scope(url) as s:
            return imports.run_import(s, book, actor=Actor("并发测试", "admin"), policy=Policy(),
                                      today=dt.date.fromisoformat(today)).outcome
    except imports.ImportBusyError as exc:
        return str(exc)


def issue_batches(url: str, pairing_id: int, count: int) -> list[str]:
    """`count` 督办 batches about one pairing, one transaction each; their batch numbers."""
    import datetime as dt

    from data_access import supervision
    from data_access.db import session_scope
    from data_access.permissions import Actor
    from data_access.policy import Policy
    from data_access.scope import EVERYWHERE

    numbers = []
    for _ in range(count):
        with session_scope(url) as s:
            numbers.append(supervision.issue(s, EVERYWHERE, dt.date(2024, 6, 30), Policy(), "督办", [pairing_id],
                                             issued_date=dt.date(2024, 7, 1),
                                             actor=Actor("inspector", "inspector")).batch_no)
    return numbers
