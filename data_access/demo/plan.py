"""What to generate: the scale, seed and as-of date of a demo, and the counties it covers with
their sizes (Xihe calibrated to its published figures: 4225 households, 4583 persons; the province
to about 415 thousand households spread over all 87 county-level areas)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from data_access.demo import regions

XIHE_HOUSEHOLDS = 4225
XIHE_PERSONS = 4583
PROVINCE_HOUSEHOLDS = 415_000
SCALES = ("county", "province")


@dataclass(frozen=True)
class DemoConfig:
    scale: str
    seed: int
    as_of: dt.date
    households: int | None = None  # county scale only: fewer (or more) households than Xihe's 4225


@dataclass(frozen=True)
class CountyPlan:
    code: str
    name: str
    households: int
    persons: int

    def rare(self, share: float, at_least: int = 2) -> int:
        """How many households get a rare situation: a share of the county, never fewer than `at_least`."""
        return max(at_least, round(self.households * share))


def _persons_for(households: int) -> int:
    return round(households * XIHE_PERSONS / XIHE_HOUSEHOLDS)


def plan_counties(config: DemoConfig) -> list[CountyPlan]:
    """The counties to generate and their sizes (Xihe calibrated to the published figures)."""
    if config.scale == "county":
        households = config.households or XIHE_HOUSEHOLDS
        persons = XIHE_PERSONS if households == XIHE_HOUSEHOLDS else _persons_for(households)
        return [CountyPlan(regions.XIHE_CODE, "西和县", households, persons)]
    rng = random.Random(f"{config.seed}:plan")
    others = [(code, name) for code, name in regions.COUNTIES if code != regions.XIHE_CODE]
    weights = [rng.uniform(0.55, 1.45) for _ in others]
    scale = (PROVINCE_HOUSEHOLDS - XIHE_HOUSEHOLDS) / sum(weights)
    plans = []
    for code, name in regions.COUNTIES:
        if code == regions.XIHE_CODE:
            plans.append(CountyPlan(code, name, XIHE_HOUSEHOLDS, XIHE_PERSONS))
        else:
            households = round(weights[others.index((code, name))] * scale)
            plans.append(CountyPlan(code, name, households, _persons_for(households)))
    return plans
