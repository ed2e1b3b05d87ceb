"""API keys: shown once, stored as digests, one role each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dispatch.errors import InvalidInput
from dispatch.store.db import transaction
from dispatch.store.keys import Principal, Role, authenticate, create_key, revoke
from dispatch.store.tables import ApiKey
from tests import support_db
from tests.support_db import Database

sqlite_database = support_db.sqlite_database
NOW = datetime(2026, 12, 22, 9, 0, tzinfo=UTC)


def test_key_authenticates_as_its_client_and_role(sqlite_database: Database) -> None:
    """The printed key maps back to who it was made for."""
    with transaction(sqlite_database.factory) as session:
        key = create_key(session=session, role=Role.DISPATCHER, client="console", now=NOW)
        assert authenticate(session=session, key=key) == Principal("console", Role.DISPATCHER)


def test_only_a_digest_of_the_key_is_stored(sqlite_database: Database) -> None:
    """The database never holds the secret part of the key."""
    with transaction(sqlite_database.factory) as session:
        key = create_key(session=session, role=Role.ADMIN, client="ops", now=NOW)
        row = session.scalars(select(ApiKey)).one()
        secret = key.rsplit("_", 1)[1]
        assert secret not in (row.digest, row.prefix)
        assert len(row.digest) == 64


def test_revoked_key_no_longer_authenticates(sqlite_database: Database) -> None:
    """Revocation by prefix disables the key."""
    with transaction(sqlite_database.factory) as session:
        key = create_key(session=session, role=Role.PLANNER, client="p", now=NOW)
        assert revoke(session=session, prefix=key.split("_")[1], now=NOW)
        assert authenticate(session=session, key=key) is None
        assert not revoke(session=session, prefix="000000000000", now=NOW)


def test_unknown_role_names_the_roles() -> None:
    """A typo in a role is an InvalidInput listing the valid ones."""
    with pytest.raises(InvalidInput, match=r"unknown role 'boss'.*ticketing, dispatcher"):
        Role.parse("boss")
