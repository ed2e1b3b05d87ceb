"""Master data import rows, one model per kind; the same fields in CSV headers and JSON keys."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from api.schemas.common import ID_PATTERN, Instant, Text
from dispatch.tiers import Tier

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
Name = Annotated[Text, Field(min_length=1, max_length=200)]
Lat = Annotated[float, Field(ge=49.0, le=55.0, description="Latitude inside Poland")]
Lon = Annotated[float, Field(ge=14.0, le=24.2, description="Longitude inside Poland")]


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


def _split_skills(value: object) -> object:
    if isinstance(value, str):
        return [s.strip() for s in value.split(";") if s.strip()]
    return value


def _tier(value: object) -> str:
    return str(Tier.parse(value))


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContractRow(_Row):
    customer_id: Id
    customer_name: Name
    contract_number: Id
    tier: Annotated[str, BeforeValidator(_tier)] = Field(description="e.g. 8x5xNBD, 24x7x4")
    product: Literal["AHB", "SOS"]
    valid_from: date
    valid_to: date
    nbd_cutoff: Annotated[time | None, BeforeValidator(_blank_is_none)] = None

    @model_validator(mode="after")
    def _validity(self) -> ContractRow:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to must not precede valid_from")
        return self


class DeviceRow(_Row):
    serial: Id
    contract_number: Id
    sku: Id
    address: Name
    lat: Lat
    lon: Lon


class DepotRow(_Row):
    depot_id: Id
    name: Name
    address: Name
    lat: Lat
    lon: Lon


class StockRow(_Row):
    unit_id: Id
    depot_id: Id
    sku: Id
    kind: Literal["spare", "loaner"] = "spare"


class EngineerRow(_Row):
    engineer_id: Id
    name: Name
    home_lat: Lat
    home_lon: Lon
    hourly_cost_gr: int = Field(ge=0, le=10_000_000)
    skills: Annotated[list[Id], BeforeValidator(_split_skills)] = Field(
        default_factory=list, description="Product families; in CSV separated by ';'"
    )


class ShiftRow(_Row):
    engineer_id: Id
    start_at: Instant
    end_at: Instant
    on_call: bool = False


ROW_MODELS: dict[str, type[_Row]] = {
    "contracts": ContractRow,
    "devices": DeviceRow,
    "depots": DepotRow,
    "stock": StockRow,
    "engineers": EngineerRow,
    "shifts": ShiftRow,
}
"""Import kinds in dependency order: contracts before devices, depots before stock, ..."""
