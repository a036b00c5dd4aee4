"""The households of one county and their members: group mix and household sizes calibrated to
the published figures, children (some reaching the adult age during the timeline), adults and
couples, real duplicate identities entered in two villages, and the office's verification flags."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from data_access.demo import people, regions
from data_access.demo.people import REASON_ADULT, Household, PersonFactory
from data_access.demo.plan import CountyPlan
from data_access.demo.rows import Ids
from data_access.demo.timeline import Clock
from data_access.vocabulary import (
    FLAG_DUPLICATE,
    FLAG_NOT_ELIGIBLE,
    FLAG_NOT_SUITABLE,
    GROUP_DISABLED,
    GROUP_EXTREME_POOR,
    GROUP_ORPHAN,
    GROUP_UNSUPPORTED_CHILD,
)


class HouseholdMaker:
    def __init__(self, rng: random.Random, clock: Clock, ids: Ids, plan: CountyPlan, factory: PersonFactory):
        self.rng = rng
        self.clock = clock
        self.ids = ids
        self.plan = plan
        self.factory = factory
        self._village_seq: dict[str, int] = {}

    def _household_specs(self) -> list[tuple[str, int, bool]]:
        """(group, size, eldest turns adult during the timeline) for the regular households."""
        rng, plan = self.rng, self.plan
        regular = plan.households - self.plan.rare(0.0015, 3)
        n_child = max(6, round(plan.persons * 0.08 / 1.38))
        n_adult = regular - n_child
        n_disabled = round(n_adult * 45 / 92)
        extra = max(0, plan.persons - plan.households)
        n_three = round(n_child * 0.05)
        n_two = min(round(n_child * 0.28), max(0, extra - 2 * n_three))
        child_sizes = [3] * n_three + [2] * n_two + [1] * (n_child - n_two - n_three)
        n_turning = max(3, round(n_child * 0.08))  # single children who reach the adult age in the timeline
        adult_extra = min(n_adult, max(0, extra - n_two - 2 * n_three))
        adult_sizes = [2] * adult_extra + [1] * (n_adult - adult_extra)
        rng.shuffle(adult_sizes)
        specs = []
        singles_seen = 0
        for size in child_sizes:
            group = GROUP_ORPHAN if rng.random() < 3 / 8 else GROUP_UNSUPPORTED_CHILD
            turning = size == 1 and singles_seen < n_turning
            singles_seen += size == 1
            specs.append((group, size, turning))
        for index, size in enumerate(adult_sizes):
            specs.append((GROUP_DISABLED if index < n_disabled else GROUP_EXTREME_POOR, size, False))
        rng.shuffle(specs)
        return specs

    def _new_household(self, kind: str, village: tuple[str, str]) -> Household:
        village_code, place = village
        self._village_seq[village_code] = self._village_seq.get(village_code, 0) + 1
        code = f"{village_code}{self._village_seq[village_code]:04d}"
        return Household(self.ids.take("households"), code, village_code, place, kind)

    def make(self, townships: list[regions.Township]) -> list[Household]:
        """All households of the county with their members, ID numbers and verification flags."""
        rng, clock, factory = self.rng, self.clock, self.factory
        villages = [(code, township.name + name) for township in townships for code, name in township.villages]
        weights = [rng.uniform(0.5, 1.5) for _ in villages]
        houses = []
        turning_recent = 2  # the first two who turn adult do so lately and stay registered and paired
        for group, size, turning in self._household_specs():
            kind = people.KIND_OF_GROUP[group]
            house = self._new_household(kind, rng.choices(villages, weights=weights)[0])
            first_id = self.ids.take("persons", size)
            if kind == "child":
                turns_on, stays = None, False
                if turning:
                    # After the first pairings started (day 75 at the latest) and a month of contact.
                    turns_on = rng.randint(clock.first + 110, clock.last - 1)
                    if turning_recent:
                        turns_on, stays = clock.last - rng.randint(20, 150), True
                        turning_recent -= 1
                house.members = factory.children(
                    first_id, group, size, dt.date.fromordinal(turns_on) if turns_on else None
                )
                if turns_on is not None and not stays:
                    house.members[0].exit_day, house.members[0].exit_reason = turns_on, REASON_ADULT
            else:
                head = factory.adult(first_id, group)
                house.members = [head]
                if size == 2:
                    other = group if rng.random() < 0.75 else (
                        GROUP_EXTREME_POOR if group == GROUP_DISABLED else GROUP_DISABLED
                    )
                    house.members.append(factory.adult(first_id + 1, other, like=head))
            for member in house.members:
                factory.assign_id(member)
            houses.append(house)
        houses.extend(self._duplicates(houses, villages))
        self._flags(houses)
        return houses

    def _duplicates(self, houses: list[Household], villages: list[tuple[str, str]]) -> list[Household]:
        """Real duplicate identities: the same person entered again in another village, sometimes
        in another group. All but the first copy carry the office's 身份重复 flag."""
        rng = self.rng
        adults = [house for house in houses if house.kind != "child"]
        copies = []
        for index in range(self.plan.rare(0.0015, 3)):
            source_house = rng.choice(adults)
            source = source_house.members[0]
            village = rng.choice([v for v in villages if v[0] != source_house.village_code])
            group = source.group
            if index % 2:
                group = GROUP_EXTREME_POOR if group == GROUP_DISABLED else GROUP_DISABLED
            house = self._new_household(people.KIND_OF_GROUP[group], village)
            house.members = [
                dataclasses.replace(
                    source, id=self.ids.take("persons"), group=group, flag=FLAG_DUPLICATE if index else None
                )
            ]
            copies.append(house)
        return copies

    def _flags(self, houses: list[Household]) -> None:
        """The office's verification flags; half of the 不适宜结对关爱 households were never paired."""
        rng = self.rng
        candidates = [house for house in houses if house.kind != "child" and house.members[0].flag is None]
        chosen = rng.sample(candidates, self.plan.rare(0.004) + self.plan.rare(0.002))
        n_not_eligible = self.plan.rare(0.004)
        for index, house in enumerate(chosen):
            if index < n_not_eligible:
                house.members[0].flag = FLAG_NOT_ELIGIBLE
            else:
                house.members[0].flag = FLAG_NOT_SUITABLE
                house.unpaired = index % 2 == 0
