"""Replications of a scenario: independent seeds, run serially, on local processes or on Dask.

Replication ``i`` of a scenario draws from ``numpy.random.default_rng`` of the ``i``-th child
of ``SeedSequence(params.seed)``, so its result depends on the scenario and ``i`` only, not on
where or in which order it ran.

Executors: ``serial`` (this process), ``local`` or ``local:N`` (a process pool of N workers,
default one per core) and ``dask://HOST:PORT`` (a running Dask scheduler; workers need this
package installed). Each worker prepares the scenario's world and travel table once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np

from depots.simulation import RunResult, simulate
from depots.simulation_params import SimulationParams
from dispatch.errors import InvalidInput

Progress = Callable[[int, int], None]


def replication(params: SimulationParams, i: int) -> RunResult:
    """Run replication ``i`` of ``params`` (see the module docstring)."""
    child = np.random.SeedSequence(params.seed).spawn(i + 1)[i]
    return simulate(params, np.random.default_rng(child), replication=i)


def check_executor(text: str) -> str:
    """Validate an executor spec and return it.

    Raises
    ------
    InvalidInput
        When it is not serial, local, local:N or dask://HOST:PORT.
    """
    if text in ("serial", "local"):
        return text
    if text.startswith("local:") and text[6:].isdigit() and int(text[6:]) > 0:
        return text
    if text.startswith("dask://"):
        host, _, port = text[7:].rpartition(":")
        if host and port.isdigit():
            return text
    raise InvalidInput(
        "executor", f"expected serial, local, local:N or dask://HOST:PORT, got {text!r}"
    )


def run_replications(
    runs: Sequence[tuple[SimulationParams, int]],
    executor: str = "local",
    progress: Progress | None = None,
) -> list[RunResult]:
    """Run each ``(params, replication index)``; results in the order given.

    Raises
    ------
    InvalidInput
        When the executor spec is invalid (the scenario errors of a replication propagate).
    """
    spec = check_executor(executor)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(runs))

    if spec == "serial" or (len(runs) == 1 and spec.startswith("local")):  # no pool for one
        results = []
        for params, i in runs:
            results.append(replication(params, i))
            tick()
        return results
    if spec.startswith("dask://"):
        return _on_dask(runs, "tcp://" + spec[7:], tick)
    workers = int(spec[6:]) if spec.startswith("local:") else (os.cpu_count() or 1)
    out: list[RunResult | None] = [None] * len(runs)
    with ProcessPoolExecutor(max_workers=min(workers, len(runs))) as pool:
        futures = {pool.submit(replication, p, i): k for k, (p, i) in enumerate(runs)}
        for future in as_completed(futures):
            out[futures[future]] = future.result()
            tick()
    return [r for r in out if r is not None]


def _on_dask(
    runs: Sequence[tuple[SimulationParams, int]], address: str, tick: Callable[[], None]
) -> list[RunResult]:
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    try:
        client = Client(address, timeout="10s")  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise InvalidInput("executor", f"no Dask scheduler at {address}: {exc}") from None
    with client:
        futures = [client.submit(replication, p, i, pure=False) for p, i in runs]
        for _ in dask_completed(futures):  # type: ignore[no-untyped-call]
            tick()
        results: list[RunResult] = client.gather(futures)  # type: ignore[no-untyped-call]
    return results
