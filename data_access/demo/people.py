"""Who is in one county's demo: its work units, its cadres (rank, leader flag, behaviour profile)
and the households and persons cared for (group, ages, ID numbers, guardians, phones)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from data_access.demo import names
from data_access.demo.identity import id_number, mobile
from data_access.demo.regions import Township
from data_access.demo.timeline import PROFILE_CHOICES, Clock
from data_access.vocabulary import (
    GROUP_DISABLED,
    GROUP_EXTREME_POOR,
    GROUP_ORPHAN,
    GROUP_UNSUPPORTED_CHILD,
    RANK_COUNTY,
    RANK_GENERAL,
    RANK_SECTION,
)

# Why a person leaves the register or a pairing ends.
REASON_ADULT = "年满18周岁"
REASON_OUT_OF_DIFFICULTY = "脱离困难"
REASON_DEATH = "死亡"
REASON_TRANSFER = "干部调动"

KIND_OF_GROUP = {
    GROUP_ORPHAN: "child",
    GROUP_UNSUPPORTED_CHILD: "child",
    GROUP_DISABLED: "disabled",
    GROUP_EXTREME_POOR: "poor",
}

_LEADERSHIP = ("中共{c}委办公室", "{c}人民政府办公室", "{c}人大常委会办公室", "政协{c}委员会办公室")
_PARTY = (
    "中共{c}委组织部", "中共{c}委宣传部", "中共{c}委统战部", "中共{c}委政法委员会", "中共{c}纪律检查委员会",
    "中共{c}委党校", "中共{c}委机构编制委员会办公室", "共青团{c}委员会",
)
_DEPARTMENTS = (
    "{c}发展和改革局", "{c}教育局", "{c}工业和信息化局", "{c}公安局", "{c}民政局", "{c}司法局", "{c}财政局",
    "{c}人力资源和社会保障局", "{c}自然资源局", "{c}住房和城乡建设局", "{c}交通运输局", "{c}水务局",
    "{c}农业农村局", "{c}商务局", "{c}文化和旅游局", "{c}卫生健康局", "{c}退役军人事务局", "{c}应急管理局",
    "{c}审计局", "{c}市场监督管理局", "{c}统计局", "{c}医疗保障局", "{c}林业和草原局", "{c}乡村振兴局",
    "{c}信访局", "{c}城市管理局", "{c}融媒体中心", "{c}残疾人联合会", "{c}总工会", "{c}妇女联合会",
    "{c}供销合作社", "{c}人民法院", "{c}人民检察院",
)
_INSTITUTIONS = (
    "{c}人民医院", "{c}中医医院", "{c}妇幼保健院", "{c}疾病预防控制中心", "{c}第一中学", "{c}第二中学",
    "{c}职业中等专业学校", "{c}实验小学",
)


@dataclass
class Unit:
    id: int
    name: str
    region_code: str
    kind: str  # leadership / department / institution / township
    weight: float


@dataclass
class Cadre:
    id: int
    code: str
    name: str
    sex: str
    unit: Unit
    rank: str
    is_leader: bool
    phone: str
    profile: str
    stop: int  # last day a silent cadre still makes contact; far future for the others
    load: int = 0  # households assigned over the timeline
    transferred: bool = False


@dataclass
class Member:
    id: int
    name: str
    surname: str
    sex: str
    birth: dt.date
    group: str
    phone: str | None
    guardian: str | None
    id_number: str = ""
    exit_day: int | None = None
    exit_reason: str | None = None
    flag: str | None = None


@dataclass
class Household:
    id: int
    code: str
    village_code: str
    place: str  # township + village name
    kind: str
    members: list[Member] = field(default_factory=list)
    entered: int | None = None  # joined after the programme started
    start: int = 0  # first pairing day (planned even for a household never paired)
    unpaired: bool = False
    exit_day: int | None = None
    exit_reason: str | None = None
    keep_open: bool = False  # exited, yet the pairing was never ended (a data problem to find)
    transfer: int | None = None
    successor_gap: int | None = None  # None: no successor after the transfer
    cadre: Cadre | None = None


def make_units(county_code: str, county_name: str, townships: list[Township], next_id: int) -> list[Unit]:
    units = []

    def add(template: str, kind: str, weight: float, region: str = county_code, **extra) -> None:
        units.append(Unit(next_id + len(units), template.format(c=county_name, **extra), region, kind, weight))

    for template in _LEADERSHIP:
        add(template, "leadership", 1.5)
    for template in _PARTY:
        add(template, "department", 1.0)
    for template in _DEPARTMENTS:
        big = ("教育局", "卫生健康局", "公安局", "农业农村局")
        add(template, "department", 3.0 if template.endswith(big) else 1.2)
    for template in _INSTITUTIONS:
        add(template, "institution", 4.0)
    for township in townships:
        add("{c}{t}人民政府", "township", 6.0, region=township.villages[0][0], t=township.name)
    return units


def make_cadres(rng: random.Random, clock: Clock, county_code: str, units: list[Unit], count: int, next_id: int) -> list[Cadre]:
    """`count` cadres: about 0.8% 县级 (in the leadership offices), 13% 科级, the rest 一般干部."""
    county_level = max(2, round(count * 0.008))
    section_level = max(4, round(count * 0.13))
    leadership = [u for u in units if u.kind == "leadership"]
    others = [u for u in units if u.kind != "leadership"]
    section_weights = [8.0 if u.kind == "township" else 3.0 for u in others]
    general_weights = [u.weight for u in units]
    cadres = []
    for index in range(count):
        if index < county_level:
            rank, unit = RANK_COUNTY, leadership[index % len(leadership)]
        elif index < county_level + section_level:
            rank, unit = RANK_SECTION, rng.choices(others, weights=section_weights)[0]
        else:
            rank, unit = RANK_GENERAL, rng.choices(units, weights=general_weights)[0]
        male_share = {RANK_COUNTY: 0.85, RANK_SECTION: 0.75, RANK_GENERAL: 0.55}[rank]
        sex = "男" if rng.random() < male_share else "女"
        profile = rng.choice(PROFILE_CHOICES)
        stop = clock.last - rng.randint(95, 330) if profile == "silent" else clock.last + 1000
        cadres.append(
            Cadre(
                id=next_id + index,
                code=f"{county_code}{index + 1:05d}",
                name=names.full_name(rng, sex, rng.randint(1966, 1998)),
                sex=sex,
                unit=unit,
                rank=rank,
                is_leader=rank != RANK_GENERAL or rng.random() < 0.01,
                phone=mobile(rng),
                profile=profile,
                stop=stop,
            )
        )
    return cadres


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class PersonFactory:
    """Makes the members of one household with consistent names, ages, guardians and ID numbers."""

    def __init__(self, rng: random.Random, clock: Clock, county_code: str, neighbours: list[str], used_ids: set[str]):
        self.rng = rng
        self.clock = clock
        self.county_code = county_code
        self.neighbours = neighbours
        self.used_ids = used_ids
        self.adult_day = _years_before(clock.as_of, clock.policy.adult_age)

    def assign_id(self, member: Member) -> None:
        rng = self.rng
        # About 1% were registered elsewhere before moving here (the ID prefix is another county's).
        region = rng.choice(self.neighbours) if self.neighbours and rng.random() < 0.01 else self.county_code
        while True:
            number = id_number(region, member.birth, member.sex, rng.randrange(500))
            if number not in self.used_ids:
                self.used_ids.add(number)
                member.id_number = number
                return

    def _birth_aged(self, low_years: int, high_years: int) -> dt.date:
        days = self.rng.randint(int(low_years * 365.25), int(high_years * 365.25) + 364)
        return self.clock.as_of - dt.timedelta(days=days)

    def children(self, next_id: int, group: str, count: int, turns_adult_on: dt.date | None) -> list[Member]:
        """Siblings sharing a surname and a guardian. With `turns_adult_on`, the eldest reaches the
        adult age on that day; the others are always under age on the as-of day."""
        rng = self.rng
        family = names.surname(rng)
        guardian = names.guardian_for(rng, family)
        phone = mobile(rng)
        members = []
        for index in range(count):
            if index == 0 and turns_adult_on is not None:
                birth = _years_before(turns_adult_on, self.clock.policy.adult_age)
            else:
                earliest = self.adult_day + dt.timedelta(days=1)
                latest = self.clock.as_of - dt.timedelta(days=300)
                birth = earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))
            sex = rng.choice(("男", "女"))
            members.append(
                Member(next_id + index, names.full_name(rng, sex, birth.year, family), family, sex, birth, group, phone, guardian)
            )
        return members

    def adult(self, next_id: int, group: str, like: Member | None = None) -> Member:
        """An adult of `group`; with `like`, the spouse of that person."""
        rng = self.rng
        if like is not None:
            sex = "女" if like.sex == "男" else "男"
            birth = like.birth + dt.timedelta(days=rng.randint(-6 * 365, 6 * 365))
            birth = min(birth, self.adult_day)
        elif group == GROUP_EXTREME_POOR:
            sex = "男" if rng.random() < 0.65 else "女"
            birth = self._birth_aged(60, 94) if rng.random() < 0.8 else self._birth_aged(35, 59)
        else:
            sex = "男" if rng.random() < 0.55 else "女"
            birth = self._birth_aged(18, 85)
        family = names.surname(rng)
        has_phone = rng.random() < (0.4 if group == GROUP_EXTREME_POOR else 0.55)
        return Member(
            next_id, names.full_name(rng, sex, birth.year, family), family, sex, birth, group,
            mobile(rng) if has_phone else None, None,
        )
