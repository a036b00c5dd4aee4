"""满意度回访 on the hand-built county of tests/leaders_data.py, with figures counted by hand.

Pairings (leaders_data): 李秀英's household (汉源镇) with 张明 (县民政局), a 实地走访 on 2024-05-10;
陈大山's (汉源镇) with 王强 (县民政局), a phone call only; 刘小红's (长道镇) with 赵刚 (县教育局), a
实地走访 on 2024-02-10; 孙老汉's (长道镇) with 张明, ended 2024-03-01.

The checks (Q2 2024 = 2024-04-01 … 06-30, as of 2024-06-30; 回访不符 as RULES.md: a visit in the three
months ending on the 回访日期):
  HF1 李秀英  06-01 电话 满意     否     — a visit on 05-10 is recorded: 回访不符
  HF2 陈大山  05-15 实地 不满意   否     — no visit recorded: not 回访不符
  HF3 刘小红  04-25 电话 基本满意 是
  HF4 刘小红  06-20 实地 不满意   否     — the visit of 02-10 is 131 days before: not 回访不符
  HF5 李秀英  03-15 电话 满意     是     — Q1, outside the quarter
  HF6 孙老汉  05-01 电话 满意     不清楚 — about 张明 (the pairing that ended)
By township in Q2: 汉源镇 2 checks (满意 1, 不满意 1, 50%, 否 2, 不符 1); 长道镇 3 (满意 1, 基本满意 1,
不满意 1, 2/3, 否 1, 不符 0). By unit: 县民政局 3 (满意 2, 不满意 1, 2/3, 否 2, 不符 1); 县教育局 2
(基本满意 1, 不满意 1, 50%, 否 1, 不符 0). The quarter: 5 checks, 满意率 60%.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from data_access.db import session_scope
from data_access.models import Cadre, Pairing, Person, Satisfaction
from tests import leaders_data as L

Q2 = (dt.date(2024, 4, 1), dt.date(2024, 6, 30))
CHECKS = [
    ("HF1", "李秀英", "张明", dt.date(2024, 6, 1), "电话", "满意", "否"),
    ("HF2", "陈大山", "王强", dt.date(2024, 5, 15), "实地", "不满意", "否"),
    ("HF3", "刘小红", "赵刚", dt.date(2024, 4, 25), "电话", "基本满意", "是"),
    ("HF4", "刘小红", "赵刚", dt.date(2024, 6, 20), "实地", "不满意", "否"),
    ("HF5", "李秀英", "张明", dt.date(2024, 3, 15), "电话", "满意", "是"),
    ("HF6", "孙老汉", "张明", dt.date(2024, 5, 1), "电话", "满意", "不清楚"),
]


def build(url: str) -> dict[str, int]:
    ids = L.build(url)
    _add(url, CHECKS)
    return ids


def _add(url: str, checks) -> None:
    with session_scope(url) as s:
        for code, person, cadre, day, method, level, came in checks:
            household = s.scalar(select(Person.household_id).where(Person.name == person))
            cadre_id = s.scalar(select(Cadre.id).where(Cadre.name == cadre))
            pairing = s.scalar(select(Pairing.id).where(Pairing.household_id == household, Pairing.cadre_id == cadre_id))
            s.add(Satisfaction(code=code, household_id=household, pairing_id=pairing, cadre_id=cadre_id, survey_date=day,
                               method=method, visitor="县督查组", level=level, cadre_came=came,
                               entered_at=dt.datetime.combine(day, dt.time(17)), entry_source="导入"))


# Boundary checks (`add_boundary_checks`), both about 刘小红 and 赵刚, whose 实地走访 is on 2024-02-10:
#   HB1 05-10 否 — the visit is exactly three months (and exactly 90 days) before: not 回访不符
#   HB2 05-09 否 — the visit is after 02-09, inside the three months (and 89 days before): 回访不符
BOUNDARY_CHECKS = [
    ("HB1", "刘小红", "赵刚", dt.date(2024, 5, 10), "电话", "基本满意", "否"),
    ("HB2", "刘小红", "赵刚", dt.date(2024, 5, 9), "电话", "满意", "否"),
]


def add_boundary_checks(url: str) -> None:
    _add(url, BOUNDARY_CHECKS)
