"""The settable clock's routes (only when ``DISPATCH_CLOCK_CONTROL=true``; see api/clock.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from api.clock import SettableClock
from api.deps import Admin
from api.jsonbody import StrictJSONRoute
from api.schemas.common import WarsawTime

router = APIRouter(route_class=StrictJSONRoute, tags=["clock"])


class ClockPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    now: WarsawTime


@router.get("/admin/clock")
def read_clock(_caller: Admin, request: Request) -> ClockPublic:
    """The server's now."""
    clock: SettableClock = request.app.state.clock
    return ClockPublic(now=clock())


@router.put("/admin/clock", responses={409: {"description": "The time asked is in the past"}})
def set_clock(_caller: Admin, body: ClockPublic, request: Request) -> ClockPublic:
    """Move the server's now forward to ``now``."""
    clock: SettableClock = request.app.state.clock
    return ClockPublic(now=clock.set(body.now))
