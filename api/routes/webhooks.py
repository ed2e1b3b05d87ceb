"""Client webhooks (admin only): where events go, and the dead letters that did not get there."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session

from api.deps import Admin, DbDep, ReadDbDep
from api.jsonbody import StrictJSONRoute
from api.schemas.common import Text
from api.schemas.resources import (
    OutboxMessagePublic,
    Replay,
    ReplayResult,
    WebhookPublic,
    WebhookSet,
)
from api.webhooks import check_target
from dispatch.errors import NotFound
from dispatch.store import outbox
from dispatch.store.db import transaction
from dispatch.store.tables import Client

router = APIRouter(route_class=StrictJSONRoute, prefix="/clients", tags=["webhooks"])
ClientName = Annotated[Text, Path(min_length=1, max_length=64)]
_NO_CLIENT: dict[int | str, dict[str, Any]] = {404: {"description": "No such client"}}


def _client(session: Session, name: str) -> Client:
    client = session.get(Client, name)
    if client is None:
        raise NotFound("client", name)
    return client


@router.put("/{name}/webhook", responses={**_NO_CLIENT, 422: {"description": "Invalid URL"}})
def set_webhook(
    name: ClientName, body: WebhookSet, request: Request, _caller: Admin, db: DbDep
) -> WebhookPublic:
    """Set (or clear) where a client's ticket events are delivered, with a new signing secret.

    Clearing it parks the client's undelivered events as dead letters (kept, replayable).
    """
    url = None if body.url is None else str(body.url)
    if url is not None:
        check_target(url, allow_private=request.app.state.settings.webhook_allow_private)
    secret = None if url is None else secrets.token_urlsafe(32)
    with transaction(db) as session:
        client = _client(session, name)
        client.webhook_url, client.webhook_secret = url, secret
        if url is None:
            outbox.park(session=session, client=name, reason="the webhook URL was cleared")
        else:
            outbox.open_queue(session=session, client=name)
    return WebhookPublic(url=body.url, secret=secret)


@router.get("/{name}/outbox", responses=_NO_CLIENT)
def client_outbox(
    name: ClientName,
    _caller: Admin,
    db: ReadDbDep,
    state: Annotated[Literal["pending", "delivered", "dead"], Query()] = "dead",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[OutboxMessagePublic]:
    """A client's webhook messages in ``state`` (default: the dead letters), oldest first."""
    with transaction(db) as session:
        _client(session, name)
        found = outbox.messages(session, name, state, limit)
        return [OutboxMessagePublic.model_validate(m) for m in found]


@router.post("/{name}/outbox/replay", responses=_NO_CLIENT)
def replay_dead_letters(name: ClientName, body: Replay, _caller: Admin, db: DbDep) -> ReplayResult:
    """Queue a client's dead letters (all, or the listed ones) for delivery again."""
    with transaction(db) as session:
        _client(session, name)
        count = outbox.replay(session=session, client=name, message_ids=body.message_ids)
    return ReplayResult(replayed=count)
