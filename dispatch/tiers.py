"""Contract tiers: an intake window times a target (hours, or next business day).

``8x5xNBD``, ``24x7x4`` and the other named tiers of the spec are built in; any intake window
with any target is accepted (``8x5x4``, ``24x7x24``, ``7-19x6x8``).
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from datetime import time

from dispatch.calendar import ServiceWindow
from dispatch.errors import InvalidInput

NBD_DUE = time(17, 0)


class TargetKind(enum.Enum):
    """How a tier's target is counted."""

    ELAPSED_HOURS = "elapsed"  # real time (24x7 intake)
    SERVICE_HOURS = "service"  # only inside the intake window's service hours
    NEXT_BUSINESS_DAY = "nbd"  # 17:00 on the first business day after the clock start's day


class Priority(enum.IntEnum):
    """Urgency class used to weight missed deadlines: 4 h > 8 h > NBD."""

    NBD = 1
    HOURS_8 = 2
    HOURS_4 = 4


@dataclass(frozen=True, slots=True)
class Tier:
    """An intake window and a target; build with :meth:`parse`."""

    window: ServiceWindow
    kind: TargetKind
    target_hours: float | None = None  # None for NBD

    def __post_init__(self) -> None:
        if self.kind is TargetKind.NEXT_BUSINESS_DAY:
            if self.target_hours is not None:
                raise InvalidInput("tier.target_hours", "must be empty for an NBD target")
        elif self.target_hours is None or not 0 < self.target_hours <= 24 * 30:
            raise InvalidInput(
                "tier.target_hours", f"must be > 0 and at most 720, got {self.target_hours}"
            )

    @classmethod
    def parse(cls, text: object, *, field: str = "tier") -> Tier:
        """Parse a tier name such as ``8x5xNBD`` or ``7-19x6x8``.

        Raises
        ------
        InvalidInput
            When ``text`` is not a tier.
        """
        if not isinstance(text, str):
            raise InvalidInput(field, f"expected a tier name such as 8x5xNBD, got {text!r}")
        return _parse_cached(text.strip(), field)

    @property
    def is_nbd(self) -> bool:
        """Whether the target is the next business day."""
        return self.kind is TargetKind.NEXT_BUSINESS_DAY

    @property
    def target_s(self) -> int:
        """The hour target in seconds (0 for NBD)."""
        return 0 if self.target_hours is None else round(self.target_hours * 3600)

    @property
    def priority(self) -> Priority:
        """4 h-or-faster tiers outrank 8 h-ish ones, which outrank NBD."""
        if self.target_hours is None:
            return Priority.NBD
        return Priority.HOURS_4 if self.target_hours <= 4 else Priority.HOURS_8

    def __str__(self) -> str:
        if self.target_hours is None:
            return f"{self.window}xNBD"
        hours = self.target_hours
        shown = f"{int(hours)}" if float(hours).is_integer() else f"{hours:g}"
        return f"{self.window}x{shown}"


_TIER = re.compile(r"^(?P<window>.+)x(?P<target>NBD|\d+(?:\.\d+)?)$", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _parse_cached(text: str, field: str) -> Tier:
    match = _TIER.match(text)
    if match is None:
        raise InvalidInput(
            field,
            f"unknown tier {text!r} (expected intake x target, e.g. 8x5xNBD, 24x7x4, 7-19x6x8)",
        )
    window = ServiceWindow.parse(match["window"], field=field)
    target = match["target"]
    if target.upper() == "NBD":
        return Tier(window, TargetKind.NEXT_BUSINESS_DAY)
    kind = TargetKind.ELAPSED_HOURS if window.always_open else TargetKind.SERVICE_HOURS
    hours = float(target)
    if hours <= 0:
        raise InvalidInput(field, f"tier {text!r} needs a target above 0 hours")
    return Tier(window, kind, hours)


NAMED_TIERS: tuple[str, ...] = ("8x5xNBD", "24x7xNBD", "8x5x8", "24x7x8", "24x7x4")
