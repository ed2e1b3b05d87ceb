"""Shared road-model fixtures: the embedded network, with its tables cached in a temp dir."""

from __future__ import annotations

import pytest

from solver.travel.road import DEFAULT_NETWORK, RoadTravel


@pytest.fixture(scope="session")
def road(tmp_path_factory: pytest.TempPathFactory) -> RoadTravel:
    """The embedded trunk-road network of Poland; tables built once into a temp cache."""
    return RoadTravel.from_file(DEFAULT_NETWORK, cache_dir=tmp_path_factory.mktemp("travel"))
