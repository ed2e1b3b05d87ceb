"""API keys and roles, request size limits, and error bodies without tracebacks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dispatch.store.db import transaction
from dispatch.store.keys import Role, revoke
from tests.api.conftest import SOS_TICKET, Harness, make_harness
from tests.support_db import Database


def test_missing_key_is_401(api: Harness) -> None:
    """No X-API-Key header: 401 saying so."""
    reply = api.client.get("/v1/tickets")
    assert reply.status_code == 401
    assert reply.json() == {"detail": "missing X-API-Key header"}


@pytest.mark.parametrize(
    "key",
    [
        "dpl_000000000000_nope",  # well-formed, unknown prefix
        "not-a-key",  # no scheme
        "dpl__",  # empty prefix
    ],
)
def test_unknown_key_is_401(api: Harness, key: str) -> None:
    """A key that is not ours is refused the same way, whatever its shape."""
    reply = api.client.get("/v1/tickets", headers={"X-API-Key": key})
    assert reply.status_code == 401


def test_key_with_right_prefix_but_wrong_secret_is_401(api: Harness) -> None:
    """Only the digest of the whole key admits; the prefix alone does not."""
    forged = api.keys[Role.ADMIN].rsplit("_", 1)[0] + "_forged"
    assert api.client.get("/v1/tickets", headers={"X-API-Key": forged}).status_code == 401


def test_revoked_key_is_401(api: Harness) -> None:
    """Revocation takes effect on the next request."""
    prefix = api.keys[Role.TICKETING].split("_")[1]
    with transaction(api.db.factory) as session:
        assert revoke(session=session, prefix=prefix, now=api.clock())
    reply = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET)
    assert reply.status_code == 401


@pytest.mark.parametrize(
    ("role", "method", "path", "allowed"),
    [
        (Role.PLANNER, "post", "/v1/tickets", False),  # planners do not submit tickets
        (Role.DISPATCHER, "post", "/v1/tickets", False),  # nor do dispatchers
        (Role.TICKETING, "post", "/v1/tickets", True),
        (Role.ADMIN, "post", "/v1/tickets", True),  # admin may do everything
        (Role.TICKETING, "post", "/v1/plans/1/confirm", False),  # confirming is a dispatcher's
        (Role.PLANNER, "post", "/v1/import/depots", True),
        (Role.TICKETING, "post", "/v1/import/depots", False),
        (Role.DISPATCHER, "put", "/v1/clients/x/webhook", False),  # webhooks are admin only
        (Role.PLANNER, "get", "/v1/tickets", True),  # every role reads
    ],
)
def test_roles_gate_routes_with_403(
    api: Harness, role: Role, method: str, path: str, allowed: bool
) -> None:
    """The wrong role gets 403 naming the roles needed; the right one gets past auth."""
    reply = api.client.request(method, path, json=SOS_TICKET, headers=api.headers(role))
    if allowed:
        assert reply.status_code not in (401, 403), reply.text
    else:
        assert reply.status_code == 403
        assert f"role {role.value} may not do this" in reply.json()["detail"]


@pytest.fixture
def small_limits(sqlite_database: Database) -> Iterator[Harness]:
    """The app with a 2 kB body limit (and 4 kB for imports)."""
    yield from make_harness(sqlite_database, max_body_bytes=2000, max_import_bytes=4000)


def test_oversized_body_is_413(small_limits: Harness) -> None:
    """A declared Content-Length over the limit is refused before parsing."""
    big = {**SOS_TICKET, "description": "x" * 3000}
    reply = small_limits.post("/v1/tickets", Role.TICKETING, big)
    assert reply.status_code == 413
    assert reply.json() == {"detail": "request body larger than 2000 bytes"}


def test_oversized_chunked_body_is_413(small_limits: Harness) -> None:
    """A streamed body without Content-Length is counted and cut off at the limit."""

    def chunks() -> Iterator[bytes]:
        yield b"[" + b" " * 3000
        yield b"]"

    reply = small_limits.client.post(
        "/v1/import/depots",
        content=chunks(),
        headers=small_limits.headers(Role.ADMIN, **{"Content-Type": "application/json"}),
    )
    # imports get the larger 4 kB allowance, so 3 kB passes the limit and fails as empty
    assert reply.status_code == 422
    reply = small_limits.client.post(
        "/v1/tickets",
        content=chunks(),
        headers=small_limits.headers(Role.TICKETING, **{"Content-Type": "application/json"}),
    )
    assert reply.status_code == 413


def test_unexpected_error_is_a_plain_500_without_traceback(api: Harness) -> None:
    """A bug behind a route yields a JSON 500 with no stack trace or exception text."""

    class Broken:
        def plan(self, *_args: object) -> object:
            raise RuntimeError("secret internals")

    api.client.app.state.planner = Broken()  # type: ignore[attr-defined]
    ticket = api.post("/v1/tickets", Role.TICKETING, SOS_TICKET).json()
    api.post(f"/v1/tickets/{ticket['id']}/accept", Role.TICKETING, {})
    reply = api.post(f"/v1/tickets/{ticket['id']}/plan", Role.DISPATCHER)
    assert reply.status_code == 500
    assert reply.json() == {"detail": "internal server error"}
    assert "secret" not in reply.text and "Traceback" not in reply.text


def test_health_needs_no_key(api: Harness) -> None:
    """The liveness probe answers without authentication."""
    assert api.client.get("/v1/health").json() == {"status": "ok"}
