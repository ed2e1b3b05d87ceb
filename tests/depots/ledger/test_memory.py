"""The in-memory stock ledger: all-or-nothing holds, release, consume, and the free units a
re-plan may take (the SQL ledger is checked against it step by step in test_sql)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from depots.ledger import OutOfStock, StockLedger, StockLevel, StockLine, free_units
from depots.ledger.memory import MemoryLedger

NOW = datetime(2026, 12, 22, 9, 0, tzinfo=UTC)


def ledger() -> StockLedger:
    return MemoryLedger.of_counts({"KRK": {"X": 1}, "WAW": {"X": 2, "Y": 1}})


def test_a_hold_takes_whole_lines_or_nothing() -> None:
    stock = ledger()
    lines = [StockLine("WAW", "Y"), StockLine("WAW", "X", 3)]
    with pytest.raises(OutOfStock, match=r"depot WAW has 2 free unit\(s\) of X, 3 needed"):
        stock.reserve(plan_id=1, ticket_id=1, lines=lines, now=NOW)
    assert stock.held(1) == []
    held = stock.reserve(plan_id=1, ticket_id=1, lines=[StockLine("WAW", "X", 2)], now=NOW)
    assert held.unit_ids == ("WAW/X/0", "WAW/X/1")
    assert stock.levels("WAW") == [StockLevel("WAW", "X", 2, 2), StockLevel("WAW", "Y", 1, 0)]


def test_release_gives_back_and_consume_takes_out_of_stock() -> None:
    stock = ledger()
    stock.reserve(plan_id=1, ticket_id=1, lines=[StockLine("KRK", "X")], now=NOW)
    assert stock.release(ticket_id=1, now=NOW) == ["KRK/X/0"]
    stock.reserve(plan_id=2, ticket_id=2, lines=[StockLine("KRK", "X")], now=NOW)
    assert stock.consume(ticket_id=2, now=NOW) == ["KRK/X/0"]
    assert stock.levels("KRK") == []
    with pytest.raises(OutOfStock):
        stock.reserve(plan_id=3, ticket_id=3, lines=[StockLine("KRK", "X")], now=NOW)


def test_a_replan_may_take_its_own_held_units_again() -> None:
    stock = ledger()
    stock.reserve(plan_id=1, ticket_id=1, lines=[StockLine("WAW", "Y")], now=NOW)
    assert free_units(stock) == {"KRK": {"X": 1}, "WAW": {"X": 2}}
    assert free_units(stock, replanned=[1]) == {"KRK": {"X": 1}, "WAW": {"X": 2, "Y": 1}}
    assert stock.held_lines(1) == [StockLine("WAW", "Y")]
