"""One small hand-built county for the leaders' pages tests, with its figures counted by hand.

西和县: 汉源镇 (城关村, 南关村) and 长道镇 (长道村); as of D = 2024-06-30.
- h1 城关村: 特困 李秀英, paired with 张明 (县民政局) since 2023; contacts 02-10 电话, 05-10 实地走访
  (200 元), 06-10 微信 → 3 of 2 owed contacts, 1 of 1 owed visit: 达标.
- h2 南关村: 困难重度残疾人, paired with 王强 (县民政局) since 2023; only 01-05 电话 → 滞后 and 失联.
- h3 长道村: an orphan and a de-facto unsupported child in one household, paired with 赵刚 (县教育局,
  县级) since 2024-01-01; 02-10 实地走访, 04-20 电话 → 达标.
- h4 长道村: 特困, pairing with 张明 ended 2024-03-01 → unpaired.
- h5 城关村: an exited person (退出 2024-03-01), counted nowhere.
- needs: one in 长道村 overdue (due 06-01, open), one in 城关村 open and not yet due.
- policies: 李秀英 基本生活保障 delivered 2024-01-01, 医疗救助 not delivered; the orphan's
  基本生活保障 delivered 2024-07-01 (after D).
- festivals: 春节 2024-02-10..02-17, 端午节 2024-06-10.
"""

from __future__ import annotations

import datetime as dt

from data_access.db import session_scope
from data_access.models import HolidayDay, Need, PolicyDelivery
from data_access.vocabulary import (
    GROUP_DISABLED,
    GROUP_EXTREME_POOR,
    GROUP_ORPHAN,
    GROUP_UNSUPPORTED_CHILD,
    RANK_COUNTY,
    ROLE_PARENT,
)
from tests import builders as b

D = dt.date(2024, 6, 30)
LONG_AGO = dt.date(2023, 1, 1)


def build(url: str) -> dict[str, int]:
    ids: dict[str, int] = {}
    with session_scope(url) as s:
        b.region_tree(s)
        civil = b.unit(s, "县民政局")
        education = b.unit(s, "县教育局")
        zhang = b.cadre(s, civil, "张明")
        wang = b.cadre(s, civil, "王强")
        zhao = b.cadre(s, education, "赵刚", rank=RANK_COUNTY, is_leader=True)

        h1 = b.household(s, b.VILLAGE_A1)
        ids["p1"] = b.person(s, h1, b.VILLAGE_A1, GROUP_EXTREME_POOR, name="李秀英", id_number="621225195001011234")
        p = b.pairing(s, h1, zhang, LONG_AGO)
        b.contact(s, p, dt.date(2024, 2, 10), "电话")
        b.contact(s, p, dt.date(2024, 5, 10), "实地走访", gift_yuan=200)
        b.contact(s, p, dt.date(2024, 6, 10), "微信")

        h2 = b.household(s, b.VILLAGE_A2)
        b.person(s, h2, b.VILLAGE_A2, GROUP_DISABLED, name="陈大山")
        p = b.pairing(s, h2, wang, LONG_AGO)
        b.contact(s, p, dt.date(2024, 1, 5), "电话")

        h3 = b.household(s, b.VILLAGE_B1)
        ids["p3"] = b.person(s, h3, b.VILLAGE_B1, GROUP_ORPHAN, birth_date=dt.date(2014, 3, 1), name="刘小红")
        b.person(s, h3, b.VILLAGE_B1, GROUP_UNSUPPORTED_CHILD, birth_date=dt.date(2016, 3, 1), name="刘小军")
        p = b.pairing(s, h3, zhao, dt.date(2024, 1, 1), role=ROLE_PARENT)
        b.contact(s, p, dt.date(2024, 2, 10), "实地走访")
        b.contact(s, p, dt.date(2024, 4, 20), "电话")

        h4 = b.household(s, b.VILLAGE_B1)
        b.person(s, h4, b.VILLAGE_B1, GROUP_EXTREME_POOR, name="孙老汉")
        b.pairing(s, h4, zhang, LONG_AGO, end=dt.date(2024, 3, 1))

        h5 = b.household(s, b.VILLAGE_A1)
        b.person(s, h5, b.VILLAGE_A1, GROUP_EXTREME_POOR, name="周某", status="退出", exit_date=dt.date(2024, 3, 1))

        s.add_all([
            Need(code="N-overdue", household_id=h3, raised_date=dt.date(2024, 5, 1), category="上学",
                 content="校服", due_date=dt.date(2024, 6, 1)),
            Need(code="N-open", household_id=h1, raised_date=dt.date(2024, 6, 20), category="就医",
                 content="住院报销", due_date=dt.date(2024, 7, 20)),
            PolicyDelivery(person_id=ids["p1"], policy="基本生活保障", delivered=True,
                           delivered_date=dt.date(2024, 1, 1)),
            PolicyDelivery(person_id=ids["p1"], policy="医疗救助", delivered=False),
            PolicyDelivery(person_id=ids["p1"], policy="住房救助", status="不适用", delivered=False, note="已享受同类政策"),
            PolicyDelivery(person_id=ids["p3"], policy="基本生活保障", delivered=True,
                           delivered_date=dt.date(2024, 7, 1)),
        ])
        s.add_all([HolidayDay(day=dt.date(2024, 2, 10) + dt.timedelta(days=i), name="春节") for i in range(8)])
        s.add(HolidayDay(day=dt.date(2024, 6, 10), name="端午节"))
    return ids
