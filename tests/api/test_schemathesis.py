"""Property-based fuzzing of every documented operation: no input makes the server answer 500.

Schemathesis generates requests from the OpenAPI schema (valid and, in negative mode, invalid
ones: wrong types, missing fields, out-of-range values) and sends them
with an admin key, so they reach the handlers rather than stopping at auth.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from api.config import Settings
from api.main import create_app
from dispatch.store.keys import Role
from tests.api.conftest import AHB_TICKET, SOS_TICKET, Harness

_DOCUMENT = create_app(Settings(database_url="sqlite://", migrate_on_start=False)).openapi()
OPERATIONS = sorted(
    f"{method.upper()} {path}" for path, methods in _DOCUMENT["paths"].items() for method in methods
)


@pytest.fixture
def fuzzed(api: Harness) -> Harness:
    """The app with demo data, one dispatched and one accepted ticket to aim at."""
    for body in (SOS_TICKET, AHB_TICKET):
        ticket = api.post("/v1/tickets", Role.TICKETING, body).json()
        api.post(f"/v1/tickets/{ticket['id']}/accept", Role.TICKETING, {})
    plan = api.post("/v1/tickets/1/plan", Role.DISPATCHER).json()
    api.post(f"/v1/plans/{plan['id']}/confirm", Role.DISPATCHER)
    return api


@pytest.mark.parametrize(
    "examples", [8, pytest.param(300, marks=pytest.mark.slow)], ids=["quick", "thorough"]
)
@pytest.mark.parametrize("label", OPERATIONS)
def test_no_generated_request_gets_a_server_error(
    label: str, examples: int, fuzzed: Harness
) -> None:
    """Whatever the body, path or query of ``label``, the answer is never a 500."""
    schema = schemathesis.openapi.from_asgi("/v1/openapi.json", fuzzed.client.app)
    operation = schema.find_operation_by_label(label)
    assert operation is not None
    headers = fuzzed.headers(Role.ADMIN)

    cases = st.one_of(operation.as_strategy(mode) for mode in schemathesis.GenerationMode)

    @given(case=cases)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])

    fuzz()


def test_every_operation_is_fuzzed() -> None:
    """The list above covers the ticket, plan, import and read routes."""
    assert {"POST /v1/tickets", "POST /v1/plans/{plan_id}/override"} <= set(OPERATIONS)
