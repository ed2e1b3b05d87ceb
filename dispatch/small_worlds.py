"""Small random dispatch scenarios, the kind a live batch is made of, for checking the engine
against the exact optimum (``dispatch.exact``) on many seeds.

Each seed gives 3-7 tickets in one region of Poland, 2-4 depots holding 0-2 units of each
SKU with one dedicated car each, 2-4 engineers with skills, shifts, sometimes on call and
sometimes a unit in the van, at one of the moments that make dispatch hard: a weekday
morning, shortly before the courier cut-off, or a Friday afternoon before a holiday weekend.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dispatch.scenario import Scenario

REGIONS = (
    ("Kraków", "Katowice", "Tarnów", "Kielce", "Rzeszów", "Nowy Sącz", "Bielsko-Biała",
     "Częstochowa", "Oświęcim", "Wadowice", "Bochnia", "Chrzanów"),
    ("Warszawa", "Radom", "Płock", "Siedlce", "Łódź", "Piaseczno", "Pruszków", "Ostrołęka",
     "Ciechanów", "Skierniewice", "Mińsk Mazowiecki", "Garwolin"),
    ("Gdańsk", "Gdynia", "Elbląg", "Słupsk", "Olsztyn", "Toruń", "Bydgoszcz", "Grudziądz",
     "Malbork", "Tczew", "Kościerzyna", "Chojnice"),
    ("Wrocław", "Poznań", "Opole", "Legnica", "Wałbrzych", "Kalisz", "Leszno", "Zielona Góra",
     "Jelenia Góra", "Oleśnica", "Świdnica", "Ostrów Wielkopolski"),
)  # fmt: skip
MOMENTS = (
    "2026-12-02T08:40",  # a Wednesday morning
    "2026-12-02T15:35",  # shortly before the 16:00 courier cut-off
    "2026-04-03T14:30",  # Good Friday afternoon, Easter Monday off
    "2026-12-23T15:10",  # the afternoon before Christmas Eve and the holidays
)
TIERS = ("24x7x4", "24x7x4", "8x5x8", "24x7x8", "8x5xNBD", "24x7xNBD")
SKUS = [
    {"sku": "X465-48T", "family": "switch", "onsite_minutes": 90, "substitutes": ["X465-48P"]},
    {"sku": "X465-48P", "family": "switch", "onsite_minutes": 90},
    {"sku": "AP4000", "family": "wireless", "onsite_minutes": 30},
]


def small_scenario(seed: int, tickets: int | None = None) -> Scenario:
    """The scenario of ``seed`` (the same for the same seed), with 3-7 tickets or ``tickets``."""
    return Scenario.from_dict(small_scenario_data(seed, tickets))


def small_scenario_data(seed: int, tickets: int | None = None) -> dict[str, Any]:
    """The scenario of ``seed`` as ``dispatch plan`` JSON."""
    rng = np.random.default_rng(seed)
    towns = list(REGIONS[int(rng.integers(len(REGIONS)))])
    rng.shuffle(towns)
    now = MOMENTS[int(rng.integers(len(MOMENTS)))]
    n_depots, n_engineers = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    depots = [
        {
            "id": f"D{d}",
            "location": towns[d],
            "stock": {s["sku"]: int(rng.integers(0, 3)) for s in SKUS},
            "pick_minutes": int(rng.choice([15, 20, 30])),
            "courier_cutoff": "16:00",
            "drivers": 1,
        }
        for d in range(n_depots)
    ]
    engineers = []
    for e in range(n_engineers):
        skills = (
            ["switch", "wireless"]
            if rng.random() < 0.5
            else [str(rng.choice(["switch", "wireless"]))]
        )
        van = {"X465-48T": 1} if rng.random() < 0.2 else {}
        engineers.append(
            {
                "id": f"E{e}",
                "home": str(rng.choice(towns)),
                "skills": skills,
                "shift": ["08:00", str(rng.choice(["16:00", "17:00", "18:00"]))],
                "on_call": bool(rng.random() < 0.4),
                "cost_per_hour": int(rng.choice([100, 120, 140])),
                "van_stock": van,
            }
        )
    minutes = int(now[-5:-3]) * 60 + int(now[-2:])
    count = int(rng.integers(3, 8)) if tickets is None else tickets
    drawn = []
    for t in range(count):
        accepted = minutes - int(rng.integers(0, 61))
        sku = SKUS[int(rng.integers(len(SKUS)))]["sku"]
        drawn.append(
            {
                "id": f"T{t}",
                "service": "SOS" if rng.random() < 0.6 else "AHB",
                "tier": str(rng.choice(TIERS)),
                "accepted_at": f"{now[:11]}{accepted // 60:02d}:{accepted % 60:02d}",
                "site": str(rng.choice(towns)),
                "sku": sku,
            }
        )
    return {
        "now": now,
        "skus": SKUS,
        "depots": depots,
        "couriers": [{"id": "NBD", "delivery_by": "17:00", "price": 60}],
        "engineers": engineers,
        "tickets": drawn,
        "costs": {"dedicated_per_km": 2.5, "dedicated_per_hour": 60, "engineer_per_km": 1.2},
    }
