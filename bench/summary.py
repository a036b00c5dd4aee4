"""One table of every target `make bench` measures (issue 17's province targets on SQLite and
PostgreSQL, the concurrent sessions, and issue 19's clicks on the county demo), from the latest
result of each part (data/bench-results/, written by bench.scale, bench.sessions, bench.clicks).

    .venv/bin/python -m bench.summary [--markdown]
"""

from __future__ import annotations

import argparse

from bench.__main__ import pad
from bench.results import load_all

ORDER = ["scale-sqlite", "scale-postgresql", "sessions", "clicks"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.summary", description="各项目标的实测值汇总")
    parser.add_argument("--markdown", action="store_true", help="输出 Markdown 表格（供 README 引用）")
    args = parser.parse_args(argv)
    parts = sorted(load_all(), key=lambda p: ORDER.index(p["part"]) if p["part"] in ORDER else len(ORDER))
    if not parts:
        print("还没有测量结果：先运行 make bench")
        return 1
    missed = 0
    if args.markdown:
        print("| part | target | measured | ratio | met? |\n|---|---|---|---|---|")
    else:
        print("\n==== 各项目标汇总（make bench） ====")
    for part in parts:
        load = f"，测时负载 {part['load']:.1f}（{part['cpus']} 核）" if part.get("load") is not None else ""
        if not args.markdown:
            print(f"\n{part['label']}（{part['at'].replace('T', ' ')}{load}）")
            print(f"{pad('目标', 58)}{pad('实测', 22)}{pad('比目标', 10)}结果")
        for t in part["targets"]:
            met = "未测" if t["met"] is None else ("达到" if t["met"] else "未达到")
            missed += t["met"] is False
            note = f"（{t['note']}）" if t["note"] else ""
            if args.markdown:
                print(f"| {part['label']} | {t['target']} | {t['measured']}{note} | {t['ratio']} | {met} |")
            else:
                print(f"{pad(t['target'], 58)}{pad(t['measured'], 22)}{pad(t['ratio'], 10)}{met}{note}")
    if not args.markdown:
        print(f"\n未达到的目标：{missed} 项")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
