"""The option phase 1 keeps for a ticket: mode, part source, engineer, ETA and cost."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dispatch.encode import World
from solver.candidates import Mode, Options, dedicated_leg


@dataclass(slots=True)
class Choice:
    """The option kept for one ticket in phase 1."""

    ticket: int
    mode: Mode
    depot: int
    engineer: int
    eta_s: int
    cost_gr: int
    sku: str
    options: Options
    part_ready_s: int = 0  # when a dedicated car brings the part to the site (MEET)
    window: int = -1  # engineer's working window (index into World.shifts)

    def transport_gr(self, world: World) -> int:
        """What moving the part costs apart from engineers' time and km (courier, car)."""
        if self.mode in (Mode.COURIER, Mode.DEDICATED):
            return self.cost_gr
        if self.mode is Mode.MEET:
            no_wait = np.zeros(len(world.net.depot_loc), dtype=np.int64)
            site = int(world.site_loc[self.ticket])
            return int(dedicated_leg(world.net, site, no_wait)[1][self.depot])
        return 0
