"""``POST /v1/quote``: the planner's quote of a service contract (``dispatch quote`` over HTTP).

The body lists the sites (the sites CSV's columns as JSON objects) and the tiers; the answer is
the quote's JSON (``depots.quote_job.Quote.to_dict``). The network and its load are a scenario
shipped in ``data/scenarios/`` named by ``scenario`` (only names: the API never reads a path a
caller gives). Replications run one after another in the request's worker thread (no process
pool inside the server). Bad input is a 422 naming the field: ``sites[3].sku``, ``tiers``.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.deps import require
from api.jsonbody import StrictJSONRoute
from depots.quote_job import make_quote, parse_tiers
from depots.quote_sites import MAX_SITES, parse_site_rows, sites_from_rows
from depots.simulation import prepare
from depots.simulation_params import SCENARIO_DIR, SimulationParams
from dispatch.errors import InvalidInput
from dispatch.store.keys import Principal, Role
from dispatch.travel import road_model

router = APIRouter(route_class=StrictJSONRoute, tags=["planning"])
PlannerKey = Annotated[Principal, Depends(require(Role.PLANNER))]
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class QuoteRequest(BaseModel):
    """What to quote and how long to simulate it."""

    model_config = ConfigDict(extra="forbid")

    sites: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_SITES * 50,
        description="rows: site_id, address or lat and lon, sku, devices, service (SOS or AHB)",
    )
    tiers: list[str] = Field(min_length=1, max_length=6, examples=[["24x7x4", "8x5xNBD"]])
    scenario: str = Field(default="baseline", description="a scenario of data/scenarios/")
    replications: int = Field(default=3, ge=1, le=20)
    days: int | None = Field(default=None, ge=1, le=366)
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    planner: Literal["phase1", "routing"] = "phase1"


@router.post(
    "/quote",
    responses={422: {"description": "A site, tier or setting is invalid (the field is named)"}},
)
def quote(_caller: PlannerKey, body: QuoteRequest) -> dict[str, Any]:
    """Per site and tier: reachable or not, why, what would make it; the simulated year, the
    extra stock and the yearly cost to serve (docs/quote.md)."""
    tiers = parse_tiers(body.tiers, "tiers")
    params = _scenario(body)
    net = prepare(params)
    rows = parse_site_rows(body.sites)
    sites = sites_from_rows(rows, net.skus, lambda i, col: f"sites[{i}].{col}", net.base.sites)
    with tempfile.TemporaryDirectory(prefix="quote-") as scratch:
        answer = make_quote(
            params,
            sites,
            tiers,
            road_model(),
            Path(scratch),
            replications=body.replications,
            executor="serial",
        )
        return answer.to_dict()


def _scenario(body: QuoteRequest) -> SimulationParams:
    path = SCENARIO_DIR / f"{body.scenario}.toml"
    if not _NAME.match(body.scenario) or not path.is_file():
        raise InvalidInput("scenario", f"no scenario named {body.scenario!r} in data/scenarios")
    params = SimulationParams.from_toml(path)
    changes: dict[str, Any] = {"planner": body.planner}
    if body.days is not None:
        changes["days"] = body.days
    if body.seed is not None:
        changes["seed"] = body.seed
    return dataclasses.replace(params, **changes)
