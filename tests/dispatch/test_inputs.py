"""Input models: pydantic errors become InvalidInput naming the dotted field path."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from pydantic import Field, field_validator

from dispatch.errors import InvalidInput, InvalidInputs
from dispatch.inputs import Clock, CsvRow, Reader, Text, field_path, parse, read_csv, require_file


class _Part(Reader):
    name: Text
    at: Clock = time(16, 0)


class _Doc(Reader):
    count: int
    parts: list[_Part] = Field(default_factory=list)


class _Row(CsvRow):
    units: int

    @field_validator("units")
    @classmethod
    def _stocked(cls, value: int) -> int:
        if value < 0:
            raise InvalidInput("stock.units", "must be >= 0")
        return value


def test_field_paths_read_as_written() -> None:
    assert field_path(("layout", "open", 0, "id")) == "layout.open[0].id"
    assert field_path(("units",), "stock.csv:3") == "stock.csv:3.units"


def test_valid_documents_parse_with_strict_types() -> None:
    doc = parse(_Doc, {"count": 2, "parts": [{"name": " a ", "at": "15:30"}]})
    assert doc.parts[0].name == "a" and doc.parts[0].at == time(15, 30)
    assert parse(_Row, {"units": " 7 ", "extra": "x"}).units == 7


def test_one_problem_names_its_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(_Doc, {"count": "2"})
    assert caught.value.field == "count" and "got '2'" in caught.value.reason
    assert not isinstance(caught.value, InvalidInputs)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidInputs) as caught:
        parse(_Doc, {"colour": 1, "parts": [{"at": 5}]})
    assert {(p.field, p.reason.split(",")[0]) for p in caught.value.problems} == {
        ("count", "required"),
        ("colour", "unknown key"),
        ("parts[0].name", "required"),
        ("parts[0].at", "expected a time of day such as 16:00"),
    }


def test_a_validators_own_field_is_kept() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(_Row, {"units": "-1"}, prefix="stock.csv:2")
    assert (caught.value.field, caught.value.reason) == ("stock.units", "must be >= 0")


class _Stocked(CsvRow):
    sku: str
    units: int = 1
    price: float = 0.0


def test_csv_rows_name_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("sku,units,price\nA,,2.5\nB,x,inf\n", encoding="utf-8")
    with pytest.raises(InvalidInputs) as caught:
        read_csv(_Stocked, path, required=("sku",), field="stock")
    assert [p.field for p in caught.value.problems] == ["stock.csv:3.units", "stock.csv:3.price"]
    path.write_text("sku,units\nA,\n", encoding="utf-8")
    assert read_csv(_Stocked, path, required=("sku",), field="stock") == [_Stocked(sku="A")]


def test_a_missing_column_or_file_names_the_reader_field(tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("units\n1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="needs a header with sku") as caught:
        read_csv(_Stocked, path, required=("sku",), field="stock")
    assert caught.value.field == "stock"
    with pytest.raises(InvalidInput, match="cannot read"):
        read_csv(_Stocked, tmp_path / "none.csv", required=(), field="stock")


def test_a_folder_or_a_missing_path_given_for_a_file_is_refused_in_one_sentence(tmp_path):
    """A folder is named as such (not an OS error number); a missing path as missing."""
    with pytest.raises(InvalidInput, match=r"^scenario: .* is a folder, not a file$"):
        require_file(tmp_path, "scenario")
    with pytest.raises(InvalidInput, match=r"^sites: no such file: .*nope\.csv$"):
        require_file(tmp_path / "nope.csv", "sites")
    (tmp_path / "ok.csv").write_text("a\n")
    require_file(tmp_path / "ok.csv", "sites")
