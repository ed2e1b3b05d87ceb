"""Bodies that are not JSON get 415 naming the Content-Type header, and nothing is stored."""

from __future__ import annotations

import json

import pytest

from dispatch.store.keys import Role
from tests.api.conftest import AHB_TICKET, Harness


def tickets_on_record(api: Harness) -> int:
    return len(api.get("/v1/tickets", Role.DISPATCHER).json())


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_not_json_is_refused_naming_the_header(
    api: Harness, content_type: str
) -> None:
    before = tickets_on_record(api)
    headers = {"Content-Type": content_type} if content_type else {}
    reply = api.client.post(
        "/v1/tickets",
        content=json.dumps(AHB_TICKET),
        headers=api.headers(Role.TICKETING, **headers),
    )
    assert reply.status_code == 415
    (problem,) = reply.json()["detail"]
    assert problem["loc"] == ["header", "Content-Type"]
    assert "application/json" in problem["msg"]
    assert tickets_on_record(api) == before


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "APPLICATION/JSON", "application/merge+json"],
)
def test_json_media_types_with_parameters_or_suffixes_are_accepted(
    api: Harness, content_type: str
) -> None:
    reply = api.client.post(
        "/v1/tickets",
        content=json.dumps(AHB_TICKET),
        headers=api.headers(Role.TICKETING, **{"Content-Type": content_type}),
    )
    assert reply.status_code == 201, reply.text


def test_a_post_without_a_body_needs_no_content_type(api: Harness) -> None:
    plan = api.planned(AHB_TICKET)
    reply = api.client.post(f"/v1/plans/{plan['id']}/confirm", headers=api.headers(Role.DISPATCHER))
    assert reply.status_code == 200, reply.text


def test_routing_and_keys_come_before_the_media_type(api: Harness) -> None:
    """An unknown path is 404 and a missing key 401, whatever the body's type."""
    text = {"Content-Type": "text/plain"}
    assert api.client.post("/v1/nothing", content="x", headers=text).status_code == 404
    assert api.client.post("/v1/tickets", content="x", headers=text).status_code == 401


def test_the_consoles_json_routes_are_checked_too(api: Harness) -> None:
    reply = api.client.post(
        "/console/api/engineers/E-WAW-1/unavailable",
        content=json.dumps({"reason": "Sick leave"}),
        headers=api.headers(Role.DISPATCHER, **{"Content-Type": "text/plain"}),
    )
    assert reply.status_code == 415


def test_an_empty_chunked_body_is_no_body(api: Harness) -> None:
    plan = api.planned(AHB_TICKET)
    reply = api.client.post(
        f"/v1/plans/{plan['id']}/confirm",
        content=iter([b""]),  # streamed: sent chunked
        headers=api.headers(Role.DISPATCHER),
    )
    assert reply.status_code == 200, reply.text
