"""Issue 18, finding 7: bodies Python's json accepts but JSON does not are a 422 on every route.

``NaN``, ``Infinity``, ``1e400``, an unpaired surrogate or deep nesting used to end as a 500
(and a dropped connection); now each is refused naming the problem, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from api.jsonbody import MAX_DEPTH, StrictJSONRoute, loads
from dispatch.store.keys import Role
from tests.api.conftest import Harness

BODIES = [
    ('{"reason": NaN}', "NaN is not a JSON number"),
    ('{"reason": Infinity}', "Infinity is not a JSON number"),
    ('{"reason": -Infinity}', "-Infinity is not a JSON number"),
    ('{"reason": 1e400}', "number 1e400 is too large"),  # a float that overflows to inf
    ('{"reason": ' + "9" * 5000 + "}", "integer 9999"),  # over Python's int-parsing limit
    ('{"reason": "x\\ud800y"}', "unpaired surrogate"),
    ("[" * 1000 + "]" * 1000, f"nested deeper than {MAX_DEPTH} levels"),
    ("[" * 100_000 + "]" * 100_000, f"nested deeper than {MAX_DEPTH} levels"),  # recursion
]
ROUTES = [
    ("POST", "/v1/tickets"),
    ("POST", "/v1/tickets/1/accept"),
    ("POST", "/v1/tickets/1/refuse"),
    ("POST", "/v1/tickets/1/status"),
    ("POST", "/v1/tickets/1/rma"),
    ("POST", "/v1/plans/1/override"),
    ("PUT", "/v1/clients/ticketing-client/webhook"),
    ("POST", "/v1/import/depots"),
    ("POST", "/console/api/engineers/E-WAW-1/unavailable"),
]


@pytest.mark.parametrize(("body", "problem"), BODIES)
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_non_json_numbers_surrogates_and_deep_nesting_are_422_naming_the_problem(
    api: Harness, method: str, path: str, body: str, problem: str
) -> None:
    """Every JSON route answers 422 with the reason; the server stays up and stores nothing."""
    headers = api.headers(Role.ADMIN, **{"Content-Type": "application/json"})
    reply = api.client.request(method, path, content=body.encode(), headers=headers)
    assert reply.status_code == 422, reply.text
    (error,) = reply.json()["detail"]
    assert error["loc"][0] == "body"
    assert problem in error["msg"], error["msg"]
    assert api.get("/v1/tickets").json() == []


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route, also inside included routers (kept as such by FastAPI)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def test_every_api_route_parses_its_body_strictly(api: Harness) -> None:
    """No route (public or console) falls back to the lenient parser."""
    routes = list(_api_routes(api.client.app.routes))  # type: ignore[attr-defined]
    assert {"/tickets", "/console/api/queue"} <= {r.path for r in routes}  # prefixes apart
    assert [r.path for r in routes if not isinstance(r, StrictJSONRoute)] == []


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2.5, -3, "zażółć"], "b": null, "c": true}',  # ordinary JSON is untouched
        str(2**63 - 1),  # the largest integer accepted
        "1.7976931348623157e308",  # the largest finite double
    ],
)
def test_strict_parser_accepts_ordinary_json(text: str) -> None:
    """What JSON allows still parses to the same value as the standard parser gives."""
    import json

    assert loads(text) == json.loads(text)
