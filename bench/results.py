"""The figures each bench part measured against its target, kept in data/bench-results/<part>.json
so that `python -m bench.summary` can print one table of every target after `make bench` (or after
re-running a single part)."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass

from data_access.config import PROJECT_ROOT

DIRECTORY = PROJECT_ROOT / "data" / "bench-results"


@dataclass(frozen=True)
class Target:
    target: str  # the target as the issue states it, in Chinese
    measured: str  # the figure with its unit
    ratio: str  # measured ÷ target ("—" where none applies)
    met: bool | None  # None: not measured
    note: str = ""


def record(part: str, label: str, targets: list[Target]) -> None:
    """Keep `targets` as the latest result of `part` (one file per part, replaced each run)."""
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    payload = {"part": part, "label": label, "at": dt.datetime.now().isoformat(timespec="seconds"),
               "load": load, "cpus": os.cpu_count(), "targets": [asdict(t) for t in targets]}
    (DIRECTORY / f"{part}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1))


def load_all() -> list[dict]:
    if not DIRECTORY.exists():
        return []
    return [json.loads(path.read_text()) for path in sorted(DIRECTORY.glob("*.json"))]


def ratio(value: float, target: float) -> str:
    return f"{value / target:.2f}×"
