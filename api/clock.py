"""A clock the caller sets, for replaying a day through the real server (benchmarks, demos).

Off unless ``DISPATCH_CLOCK_CONTROL=true``, and refused together with
``DISPATCH_PRODUCTION=true``: a production server always runs on the real time. The clock only
moves forward, so the SLA clocks, the outbox and the escalation sweep never see time run back.
It lives in the server process: run one worker when it is on.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from dispatch.errors import Conflict


class SettableClock:
    """Now, as last set (in UTC, to the second)."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC).replace(microsecond=0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> datetime:
        """Move the clock to ``moment``.

        Raises
        ------
        Conflict
            When ``moment`` is before the clock's now (time never runs back).
        """
        moment = moment.astimezone(UTC).replace(microsecond=0)
        with self._lock:
            if moment < self._now:
                raise Conflict(f"the clock is at {self._now.isoformat()}; it only moves forward")
            self._now = moment
            return moment
