"""Master data import rows, one model per kind; the same fields in CSV headers and JSON keys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from api.schemas.common import ID_PATTERN, Instant, Text
from dispatch.tiers import Tier

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
Name = Annotated[Text, Field(min_length=1, max_length=200)]
Lat = Annotated[float, Field(ge=49.0, le=55.0, description="Latitude inside Poland")]
Lon = Annotated[float, Field(ge=14.0, le=24.2, description="Longitude inside Poland")]


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


def _blank_is_default(default: object) -> Callable[[object], object]:
    """A blank CSV cell means the field's default (files written before the column existed)."""

    def read(value: object) -> object:
        return default if value in ("", None) else value

    return read


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
    pick_minutes: Annotated[int, BeforeValidator(_blank_is_default(20))] = Field(
        default=20, ge=0, le=10_080, description="Pick-and-pack before a part can leave"
    )
    courier_cutoff: Annotated[time, BeforeValidator(_blank_is_default("16:00"))] = Field(
        default=time(16, 0), description="Parcels packed by then leave today"
    )
    drivers: Annotated[int, BeforeValidator(_blank_is_default(1))] = Field(
        default=1, ge=0, le=1_000, description="Dedicated drivers (and cars)"
    )


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


class SkuRow(_Row):
    sku: Id
    family: Id = Field(description="Product family: what an engineer's skill names")
    onsite_minutes: int = Field(ge=0, le=10_080)
    substitutes: Annotated[list[Id], BeforeValidator(_split_skills)] = Field(
        default_factory=list, description="SKUs that may replace it; in CSV separated by ';'"
    )


class CourierRow(_Row):
    courier_id: Id
    delivery_by: time = Field(description="Parcels arrive by this time the next business day")
    price_gr: int = Field(ge=0, le=10_000_000)


class VanStockRow(_Row):
    engineer_id: Id
    sku: Id
    units: int = Field(ge=0, le=100_000)


class ShiftRow(_Row):
    engineer_id: Id
    start_at: Instant
    end_at: Instant
    on_call: bool = False

    @field_validator("end_at")
    @classmethod
    def _after_start(cls, end_at: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start_at")
        if start is not None and not start < end_at:
            raise PydanticCustomError("shift_order", "must be after start_at")
        return end_at


ROW_MODELS: dict[str, type[_Row]] = {
    "skus": SkuRow,
    "couriers": CourierRow,
    "contracts": ContractRow,
    "devices": DeviceRow,
    "depots": DepotRow,
    "stock": StockRow,
    "engineers": EngineerRow,
    "van_stock": VanStockRow,
    "shifts": ShiftRow,
}
"""Import kinds in dependency order: contracts before devices, depots before stock, ..."""
