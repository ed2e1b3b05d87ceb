"""A tiny world and scenario for simulation tests: 2 depots, 2 engineers, 2 SKUs, 4 sites."""

from __future__ import annotations

from pathlib import Path

from depots.demo_world import (
    DemoWorld,
    DepotRow,
    DeviceRow,
    EngineerRow,
    SiteRow,
    SkuRow,
    StockRow,
    write,
)

SITES = (
    ("S1", "Kraków", 50.06, 19.94, "24x7x4", "SOS"),
    ("S2", "Warszawa", 52.23, 21.01, "8x5xNBD", "AHB"),
    ("S3", "Łódź", 51.76, 19.46, "24x7x8", "SOS"),
    ("S4", "Rzeszów", 50.04, 22.00, "8x5x8", "SOS"),
)


def tiny_world() -> DemoWorld:
    """Every site holds 40 switches and 40 access points."""
    sites = tuple(
        SiteRow(i, f"Customer {i}", "Bank", town, town, lat, lon, f"C-{i}", tier, service)
        for i, town, lat, lon, tier, service in SITES
    )
    devices = tuple(
        DeviceRow(f"{site.id}-{sku}-{n}", site.id, sku)
        for site in sites
        for sku in ("SW1", "AP1")
        for n in range(40)
    )
    return DemoWorld(
        skus=(SkuRow("SW1", "switch", 60, "", 20, 1), SkuRow("AP1", "wireless", 30, "", 20, 1)),
        depots=(
            DepotRow("KRK", "Kraków", 30, "17:00", 1),
            DepotRow("WAW", "Warszawa", 20, "16:00", 1),
        ),
        stock=(
            StockRow("KRK", "SW1", 2),
            StockRow("KRK", "AP1", 2),
            StockRow("WAW", "SW1", 1),
            StockRow("WAW", "AP1", 1),
        ),
        engineers=(
            EngineerRow("E1", "Anna", "Kraków", "switch;wireless", "08:00", "16:00", True, 120, ""),
            EngineerRow(
                "E2", "Jan", "Warszawa", "switch;wireless", "09:00", "17:00", False, 100, "AP1"
            ),
        ),
        sites=sites,
        devices=devices,
    )


def write_scenario(
    directory: Path, extra: str = "", *, rate_scale: float = 100.0, **overrides: object
) -> Path:
    """The tiny world in ``directory/world`` and a scenario TOML next to it; return its path."""
    write(tiny_world(), directory / "world")
    values: dict[str, object] = {
        "name": '"tiny"',
        "world": '"world"',
        "start": "2027-03-01",
        "days": 7,
        "seed": 7,
    }
    values.update(overrides)
    top = "\n".join(f"{k} = {v}" for k, v in values.items())
    demand = (
        f"[demand]\nrate_scale = {rate_scale}\nverify_min_minutes = 10\nverify_max_minutes = 10\n"
    )
    path = directory / "tiny.toml"
    path.write_text(f"{top}\n{demand}{extra}", encoding="utf-8")
    return path
