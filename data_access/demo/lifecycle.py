"""What happens to households over the timeline, and who pairs with whom: late entrants and
households not yet paired, deaths and leaving difficulty, first pairings (children with leading
cadres, a few exceptions, a few overloaded cadres), cadre transfers with successors the same day,
after a gap of weeks, or never."""

from __future__ import annotations

import random

from data_access.demo.people import REASON_DEATH, REASON_OUT_OF_DIFFICULTY, REASON_TRANSFER, Cadre, Household
from data_access.demo.plan import CountyPlan
from data_access.demo.timeline import Clock
from data_access.vocabulary import GROUP_ORPHAN


class Lifecycle:
    def __init__(self, rng: random.Random, clock: Clock, plan: CountyPlan):
        self.rng = rng
        self.clock = clock
        self.plan = plan

    def stories(self, houses: list[Household]) -> None:
        """Late entrants, households not yet paired, exits, and exited households left paired."""
        rng, clock = self.rng, self.clock
        ordinary = [
            house
            for house in houses
            if house.members[0].flag is None and all(member.exit_day is None for member in house.members)
        ]
        rng.shuffle(ordinary)
        recent = self.plan.rare(0.001)
        for house in ordinary[:recent]:  # registered in the last weeks, not paired yet
            house.entered, house.unpaired = clock.last - rng.randint(3, 25), True
        for house in ordinary[recent : recent + round(len(houses) * 0.03)]:
            house.entered = rng.randint(clock.first + 60, clock.last - 40)
        for house in houses:
            # A household enters the register once its youngest member is born (a child born during
            # the timeline is registered one to four months later), never before.
            born = max(member.birth for member in house.members).toordinal()
            if (house.entered if house.entered is not None else clock.first) < born + 30:
                house.entered = born + rng.randint(30, 120)
            house.start = (
                house.entered + rng.randint(3, 28) if house.entered is not None else clock.first + rng.randint(0, 75)
            )
            self._exits(house)
        exited = [house for house in houses if house.exit_day is not None and not house.unpaired]
        for house in rng.sample(exited, min(len(exited), self.plan.rare(0.001))):
            house.keep_open = True  # exited, but nobody ended the pairing

    def _exits(self, house: Household) -> None:
        """Deaths (per person) and leaving difficulty (the whole household); a household whose
        members have all left ends its pairing on the last exit day."""
        rng, clock = self.rng, self.clock
        earliest, latest = house.start + 30, clock.last - 1
        if house.kind != "child" and earliest < latest:
            death, leave = (0.05, 0.01) if house.kind == "poor" else (0.025, 0.03)
            if rng.random() < leave:
                day = rng.randint(earliest, latest)
                for member in house.members:
                    member.exit_day, member.exit_reason = day, REASON_OUT_OF_DIFFICULTY
            for member in house.members:
                if member.exit_day is None and rng.random() < death:
                    member.exit_day, member.exit_reason = rng.randint(earliest, latest), REASON_DEATH
        if all(member.exit_day is not None for member in house.members):
            last_out = max(house.members, key=lambda member: member.exit_day)
            house.exit_day, house.exit_reason = last_out.exit_day, last_out.exit_reason

    def assign(self, houses: list[Household], cadres: list[Cadre]) -> list[Cadre]:
        """First pairings: children with leading cadres (a few with ordinary cadres), a few cadres
        with more households than the policy allows, one household each for the rest. Returns the
        cadres left without a household (the pool successors come from)."""
        rng = self.rng
        paired = [house for house in houses if not house.unpaired]
        children = [house for house in paired if house.kind == "child"]
        children.sort(key=lambda house: house.members[0].group != GROUP_ORPHAN)  # orphans first, stable
        adults = [house for house in paired if house.kind != "child"]
        rng.shuffle(adults)
        leaders = [c for c in cadres if c.is_leader]
        generals = [c for c in cadres if not c.is_leader]
        rng.shuffle(leaders)
        rng.shuffle(generals)
        odd_pairs = max(2, round(len(children) * 0.02))
        for index, house in enumerate(children):
            pool = generals if index < odd_pairs or not leaders else leaders
            self._give(house, pool.pop())
        rest = leaders + generals
        rng.shuffle(rest)
        for _ in range(self.plan.rare(0.0008)):
            cadre = rest.pop()
            for _ in range(rng.randint(4, 5)):
                if adults:
                    self._give(adults.pop(), cadre)
        for house in adults:
            self._give(house, rest.pop() if rest else rng.choice([c for c in cadres if c.load == 1]))
        return rest

    @staticmethod
    def _give(house: Household, cadre: Cadre) -> None:
        house.cadre = cadre
        cadre.load += 1

    def transfers(self, houses: list[Household]) -> None:
        """Cadres who move away (干部调动): most households get a successor the same day, some
        after a gap of weeks, a few none at all."""
        rng, clock = self.rng, self.clock
        candidates = [h for h in houses if h.cadre is not None and h.cadre.load == 1 and not h.keep_open]
        rng.shuffle(candidates)
        moving = []
        for house in candidates[: round(len(houses) * 0.06)]:
            latest = min(house.exit_day or clock.last, clock.last) - 5
            if latest > house.start + 60:
                house.transfer = rng.randint(house.start + 60, latest)
                house.cadre.transferred = True
                moving.append(house)
        without, with_gap = self.plan.rare(0.0008), self.plan.rare(0.004, 3)
        for index, house in enumerate(moving):
            if index >= without:
                house.successor_gap = rng.randint(7, 75) if index < without + with_gap else 0

    def successors(self, houses: list[Household], cadres: list[Cadre], spares: list[Cadre]) -> dict[int, Cadre]:
        """Who takes over after each transfer: a free cadre first (a spare, or one whose household
        left), a leading cadre for children; otherwise a cadre with one household takes a second."""
        rng, clock = self.rng, self.clock
        pool = [(clock.first, cadre) for cadre in spares]
        pool += [
            (h.exit_day, h.cadre)
            for h in houses
            if h.exit_day is not None and h.cadre and h.cadre.load == 1 and not h.keep_open and not h.transfer
        ]
        pool.sort(key=lambda item: (item[0], item[1].id))
        successors: dict[int, Cadre] = {}
        moving = sorted(
            (h for h in houses if h.transfer is not None and h.successor_gap is not None),
            key=lambda h: (h.transfer + h.successor_gap, h.id),
        )
        for house in moving:
            start = house.transfer + house.successor_gap
            if start > clock.last or (house.exit_day is not None and house.exit_day <= start):
                continue
            needs_leader = house.kind == "child"
            found = next(
                (i for i, (free, c) in enumerate(pool) if free <= start and (c.is_leader or not needs_leader)), None
            )
            if found is not None:
                cadre = pool.pop(found)[1]
            else:
                cadre = rng.choice(
                    [c for c in cadres if c.load == 1 and not c.transferred and (c.is_leader or not needs_leader)]
                )
            cadre.load += 1
            successors[house.id] = cadre
        return successors

    @staticmethod
    def periods(house: Household, successors: dict[int, Cadre]) -> list[tuple[Cadre, int, int | None, str | None]]:
        """The pairings of one household: (cadre, start, end or None, end reason)."""
        exit_day = house.exit_day if not house.keep_open else None
        if house.transfer is None:
            return [(house.cadre, house.start, exit_day, house.exit_reason)]
        periods = [(house.cadre, house.start, house.transfer, REASON_TRANSFER)]
        if house.id in successors:
            periods.append((successors[house.id], house.transfer + house.successor_gap, exit_day, house.exit_reason))
        return periods
