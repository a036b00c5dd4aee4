"""A sampling profiler for a served app: every thread's stack, every few milliseconds, written as
collapsed stacks (`frame;frame;frame count`, the input of flamegraph tools) when the process ends;
every 10 s the process's RSS and what glibc's malloc holds and uses (OUT.txt.memory).
py-spy is not installed here and pyinstrument profiles one thread; Streamlit runs each session's
script in its own thread.

    .venv/bin/python -m bench.sampler OUT.txt -m streamlit run dashboard/server.py …

`bench.sessions --profile OUT.txt` starts the app this way. `summary(OUT.txt)` prints the
functions that were on the stack most often (inclusive) and where the threads were (exclusive),
counting only threads that were running a page script.
"""

from __future__ import annotations

import atexit
import collections
import ctypes
import os
import runpy
import signal
import sys
import threading
import time

INTERVAL = 0.005


def _frames(frame) -> list[str]:
    out = []
    while frame is not None:
        code = frame.f_code
        out.append(f"{code.co_name} ({code.co_filename.rsplit('/site-packages/', 1)[-1]}:{frame.f_lineno})")
        frame = frame.f_back
    out.reverse()
    return out


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def _memory() -> str:
    """RSS, and what glibc's malloc holds vs. what is in use (the difference: freed memory kept by
    its per-thread arenas), in MB."""
    with open("/proc/self/statm") as f:
        rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    try:
        info = ctypes.CDLL("libc.so.6").mallinfo2
        info.restype = _Mallinfo2
        m = info()
        held, used = m.arena + m.hblkhd, m.uordblks + m.hblkhd
    except (OSError, AttributeError):
        held = used = 0
    return f"{time.time():.0f} rss={rss / 2**20:.0f} malloc_held={held / 2**20:.0f} malloc_used={used / 2**20:.0f}"


def start(path: str) -> None:
    counts: collections.Counter[str] = collections.Counter()
    me = threading.get_ident()
    memory = open(path + ".memory", "w")  # noqa: SIM115 - written until the process ends

    def sample() -> None:
        while True:
            time.sleep(INTERVAL)
            for ident, frame in sys._current_frames().items():
                if ident == me_sampler[0] or ident == me:
                    continue
                stack = _frames(frame)
                if any("script_runner.py" in f for f in stack):
                    counts[";".join(stack)] += 1
            if time.monotonic() > next_dump[0]:
                next_dump[0] = time.monotonic() + 10
                dump()
                memory.write(_memory() + "\n")
                memory.flush()

    me_sampler, next_dump = [0], [time.monotonic() + 10]
    thread = threading.Thread(target=sample, daemon=True, name="bench-sampler")
    thread.start()
    me_sampler[0] = thread.ident

    def dump(*_args) -> None:
        with open(path, "w") as out:
            for stack, n in counts.most_common():
                out.write(f"{stack} {n}\n")

    atexit.register(dump)
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame) -> None:
        dump()
        if callable(previous):
            previous(signum, frame)
        else:
            raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)


def summary(path: str, top: int = 40, match: str = "") -> None:
    """Print inclusive and exclusive sample counts per function (script-runner threads only)."""
    inclusive: collections.Counter[str] = collections.Counter()
    exclusive: collections.Counter[str] = collections.Counter()
    total = 0
    with open(path) as f:
        for line in f:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            frames = stack.split(";")
            if match and not any(match in fr for fr in frames):
                continue
            total += int(n)
            for name in {fr.rsplit(":", 1)[0] + ")" if ":" in fr else fr for fr in frames}:
                inclusive[name] += int(n)
            exclusive[frames[-1]] += int(n)
    print(f"{total} samples ({total * INTERVAL:.0f} thread-seconds)")
    print("-- inclusive")
    for name, n in inclusive.most_common(top):
        print(f"{n:8d} {100 * n / max(total, 1):5.1f}%  {name}")
    print("-- exclusive")
    for name, n in exclusive.most_common(top):
        print(f"{n:8d} {100 * n / max(total, 1):5.1f}%  {name}")


if __name__ == "__main__":
    if sys.argv[1] == "--summary":
        summary(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 40, sys.argv[4] if len(sys.argv) > 4 else "")
        raise SystemExit(0)
    out_path = sys.argv[1]
    start(out_path)
    assert sys.argv[2] == "-m"
    module = sys.argv[3]
    sys.argv = [module, *sys.argv[4:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
