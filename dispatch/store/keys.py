"""API keys: random secrets shown once, stored as SHA-256 digests, each with one role.

A key looks like ``dpl_<prefix>_<secret>``. The prefix finds the row; the digest of the whole
key is compared in constant time. SHA-256 (not a slow password hash) is enough because keys
carry 256 bits of randomness, so there is nothing to brute-force, and it keeps auth cheap.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dispatch.errors import InvalidInput
from dispatch.store.tables import ApiKey, Client

KEY_SCHEME = "dpl"


class Role(enum.StrEnum):
    """What a key may do: see ``docs/api.md`` for the route table."""

    TICKETING = "ticketing"
    DISPATCHER = "dispatcher"
    PLANNER = "planner"
    ADMIN = "admin"
    FIELD = "field"
    """An engineer's or driver's device: reports only for the vehicle its client names."""

    @classmethod
    def parse(cls, text: str, *, field: str = "role") -> Role:
        """The role named ``text``.

        Raises
        ------
        InvalidInput
            When ``text`` names no role.
        """
        try:
            return cls(text)
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise InvalidInput(field, f"unknown role {text!r} (expected one of {names})") from None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the client system and the role of the key it used."""

    client: str
    role: Role


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(*, session: Session, role: Role, client: str, now: datetime) -> str:
    """Store a new key for ``client`` (created if new) and return the key text, once."""
    if not client or len(client) > 64:
        raise InvalidInput("client", "must be 1 to 64 characters")
    if session.get(Client, client) is None:
        session.add(Client(name=client, webhook_url=None))
        session.flush()
    prefix = secrets.token_hex(6)
    key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    session.add(
        ApiKey(
            prefix=prefix,
            digest=_digest(key),
            role=role.value,
            client=client,
            created_at=now,
            revoked_at=None,
        )
    )
    session.flush()
    return key


_BY_PREFIX = select(ApiKey.digest, ApiKey.role, ApiKey.client, ApiKey.revoked_at).where(
    ApiKey.prefix == bindparam("prefix")
)
"""Built once and run on the connection: every request checks its key, and an ORM query (built,
cache-keyed, turned into an object each time) cost more than the rest of a small request."""


def authenticate(*, session: Session, key: str) -> Principal | None:
    """The principal behind ``key``, or None for an unknown, malformed or revoked key."""
    scheme, _, rest = key.partition("_")
    prefix, _, _secret = rest.partition("_")
    if scheme != KEY_SCHEME or not prefix:
        return None
    row = session.connection().execute(_BY_PREFIX, {"prefix": prefix}).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.digest, _digest(key)):
        return None
    return Principal(client=row.client, role=Role(row.role))


def listing(session: Session) -> list[ApiKey]:
    """Every key ever created (digests only, never a secret), oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke(*, session: Session, prefix: str, now: datetime) -> bool:
    """Revoke the key with ``prefix``; False when there is none."""
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()
    if row is None:
        return False
    row.revoked_at = now
    session.flush()  # written now: a check of the key in this transaction sees it revoked
    return True
