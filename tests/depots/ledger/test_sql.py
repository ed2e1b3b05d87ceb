"""The SQL stock ledger: all-or-nothing holds, a database-level one-active-hold-per-unit rule,
racing transactions, and a process killed between reserve and commit."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from depots.ledger import OutOfStock, StockLevel, StockLine
from depots.ledger.memory import MemoryLedger
from depots.ledger.sql import SqlLedger
from depots.tables import Depot, Reservation, StockUnit
from dispatch.store.db import transaction
from dispatch.store.tables import Base, Client, Contract, Customer, Device, Plan, Ticket
from tests import support_db
from tests.support_db import Database

database = support_db.database  # the SQLite + PostgreSQL fixture shared with the API tests

NOW = datetime(2026, 12, 22, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


def seed(session: Session, *, units: int, tickets: int) -> None:
    """One depot with ``units`` units of SKU X, and ``tickets`` tickets each with plan id = id."""
    session.add_all([Client(name="c", webhook_url=None), Customer(id="cu", name="Cu")])
    session.add(Depot(id="WAW", name="W", address="a", lat=52.2, lon=21.0))
    session.flush()
    session.add(
        Contract(
            number="K",
            customer_id="cu",
            tier="24x7x4",
            product="AHB",
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
            nbd_cutoff=None,
        )
    )
    session.add_all(
        StockUnit(id=f"U{i}", depot_id="WAW", sku="X", kind="spare", status="available")
        for i in range(units)
    )
    session.flush()
    session.add(Device(serial="S", contract_number="K", sku="X", address="a", lat=52, lon=21))
    session.flush()
    for i in range(1, tickets + 1):
        session.add(
            Ticket(
                id=i,
                client="c",
                contract_number="K",
                serial="S",
                sku="X",
                product="AHB",
                tier="24x7x4",
                description="",
                status="planned",
                submitted_at=NOW,
                updated_at=NOW,
            )
        )
        session.flush()
        session.add(Plan(id=i, ticket_id=i, created_at=NOW, status="proposed"))
    session.flush()


def hold(session: Session, ticket: int, quantity: int = 1) -> tuple[str, ...]:
    line = StockLine("WAW", "X", quantity)
    return (
        SqlLedger(session).reserve(plan_id=ticket, ticket_id=ticket, lines=[line], now=NOW).unit_ids
    )


def active(session: Session) -> list[str]:
    query = select(Reservation.unit_id).where(Reservation.state == "active")
    return sorted(session.scalars(query))


def test_reserve_takes_free_units_and_refuses_when_none_are_left(database: Database) -> None:
    """Two units: tickets 1 and 2 get one each, ticket 3 is refused naming depot and SKU."""
    with transaction(database.factory) as session:
        seed(session, units=2, tickets=3)
    with transaction(database.factory) as session:
        assert hold(session, 1) == ("U0",)
        assert hold(session, 2) == ("U1",)
    message = r"depot WAW has 0 free unit\(s\) of X, 1 needed"
    with pytest.raises(OutOfStock, match=message), transaction(database.factory) as session:
        hold(session, 3)


def test_a_line_that_cannot_be_filled_holds_nothing(database: Database) -> None:
    """Asking for 3 of 2 units fails without keeping a partial hold."""
    with transaction(database.factory) as session:
        seed(session, units=2, tickets=1)
    with pytest.raises(OutOfStock), transaction(database.factory) as session:
        hold(session, 1, quantity=3)
    with transaction(database.factory) as session:
        assert active(session) == []


def test_database_rejects_a_second_active_hold_on_a_unit(database: Database) -> None:
    """The partial unique index stops a double hold even when the code is bypassed."""
    with transaction(database.factory) as session:
        seed(session, units=1, tickets=2)
        hold(session, 1)
    with pytest.raises(IntegrityError), transaction(database.factory) as session:
        session.add(
            Reservation(unit_id="U0", plan_id=2, ticket_id=2, state="active", created_at=NOW)
        )
        session.flush()


def test_release_frees_and_consume_issues_the_unit(database: Database) -> None:
    """Released units can be held again; consumed ones leave stock for good."""
    with transaction(database.factory) as session:
        seed(session, units=1, tickets=3)
        hold(session, 1)
        assert SqlLedger(session).release(ticket_id=1, now=NOW) == ["U0"]
        assert hold(session, 2) == ("U0",)
        assert SqlLedger(session).consume(ticket_id=2, now=NOW) == ["U0"]
        assert SqlLedger(session).levels() == []
    with pytest.raises(OutOfStock), transaction(database.factory) as session:
        hold(session, 3)


def test_a_racing_transaction_cannot_take_a_held_unit(database: Database) -> None:
    """While one transaction holds the last unit uncommitted, a second one is refused.

    On PostgreSQL the second skips the locked row; on SQLite it waits for the write lock and
    then sees the committed hold. Either way it must end in OutOfStock.
    """
    with transaction(database.factory) as session:
        seed(session, units=1, tickets=2)
    outcome: list[str] = []
    first_holds = threading.Event()
    second_started = threading.Event()

    def second() -> None:
        first_holds.wait()
        second_started.set()
        try:
            with transaction(database.factory) as session:
                hold(session, 2)
            outcome.append("held")
        except OutOfStock:
            outcome.append("refused")

    racer = threading.Thread(target=second)
    racer.start()
    with transaction(database.factory) as session:
        hold(session, 1)
        first_holds.set()
        second_started.wait()
        racer.join(timeout=0.5)  # SQLite: the racer is blocked on the write lock meanwhile
    racer.join()
    assert outcome == ["refused"]
    with transaction(database.factory) as session:
        assert active(session) == ["U0"]


CRASH_SCRIPT = """
import os, signal, sys
from datetime import UTC, datetime
from depots.ledger import StockLine
from depots.ledger.sql import SqlLedger
from dispatch.store.db import make_engine, session_factory
engine = make_engine(sys.argv[1], schema=sys.argv[2] or None)
session = session_factory(engine)()
session.begin()
SqlLedger(session).reserve(plan_id=1, ticket_id=1, lines=[StockLine("WAW", "X")],
                           now=datetime.now(UTC))
print("held", flush=True)
sys.stdin.readline()  # wait to be killed before the commit
session.commit()
"""


def test_killed_process_between_reserve_and_commit_leaves_no_hold(database: Database) -> None:
    """SIGKILL after the hold is flushed but before commit: the unit is free afterwards."""
    with transaction(database.factory) as session:
        seed(session, units=1, tickets=2)
    child = subprocess.Popen(
        [sys.executable, "-c", CRASH_SCRIPT, database.url, database.schema or ""],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"held"
    child.kill()
    child.wait()
    with transaction(database.factory) as session:
        assert active(session) == []
        assert hold(session, 2) == ("U0",)


@settings(max_examples=15, deadline=None)
@given(
    units=st.integers(min_value=0, max_value=4),
    steps=st.lists(st.tuples(st.sampled_from(["hold", "release"]), st.integers(1, 5)), max_size=25),
)
def test_holds_never_double_allocate_and_match_the_memory_ledger(
    units: int, steps: list[tuple[str, int]]
) -> None:
    """Any hold/release sequence keeps each unit in at most one hold and 0 <= available, and
    the in-memory ledger, run beside it, takes the same units and reports the same levels."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine)
    with transaction(factory) as session:
        seed(session, units=units, tickets=5)
    memory = MemoryLedger({f"U{i}": ("WAW", "X") for i in range(units)})
    for op, ticket in steps:
        with transaction(factory) as session:
            if op == "release":
                released = SqlLedger(session).release(ticket_id=ticket, now=NOW)
                assert sorted(released) == memory.release(ticket_id=ticket, now=NOW)
            elif memory.levels() and memory.levels()[0].available > 0:
                line = [StockLine("WAW", "X")]
                held = memory.reserve(plan_id=ticket, ticket_id=ticket, lines=line, now=NOW)
                assert hold(session, ticket) == held.unit_ids
            else:
                with pytest.raises(OutOfStock):
                    hold(session, ticket)
        with transaction(factory) as session:
            held_now = active(session)
            assert len(held_now) == len(set(held_now))
            assert SqlLedger(session).levels() == memory.levels()
            (level,) = memory.levels() or [StockLevel("WAW", "X", 0, 0)]
            assert level.on_hand == units
            assert 0 <= level.available == units - len(held_now)
            for t in range(1, 6):
                assert SqlLedger(session).held_lines(t) == memory.held_lines(t)
            count = session.scalar(select(func.count()).select_from(Reservation))
            assert count is not None and count >= len(held_now)
    engine.dispose()
