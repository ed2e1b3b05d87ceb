"""A real server process on loopback, for concurrency tests and the load benchmark.

It runs uvicorn on ``api.main:create_app`` exactly as ``dispatch serve`` does, without the
``dispatch`` CLI in front: building the CLI imports every topic (solver, simulation, plotting),
seconds of start-up that say nothing about the API.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
TEST_PLANNER = "tests.api.planner:NearestDepotPlanner"
STARTUP_S = 120  # generous: on a shared 2-core machine the imports alone can take 20 s


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    """A running server: where to reach it and its process (for CPU accounting)."""

    base: str
    pid: int

    def cpu_s(self) -> float:
        """CPU seconds (user + system) used so far by the server and its worker processes."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended while we looked
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if self.pid in (pid, ppid):
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def live_server(
    url: str,
    schema: str | None,
    *,
    planner: str = TEST_PLANNER,
    workers: int = 1,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """Run the API under uvicorn on a free port until the block ends."""
    port = free_port()
    environment = {
        **os.environ,
        "DISPATCH_PLANNER": planner,
        "DISPATCH_OUTBOX_INTERVAL_S": "0",
        "DISPATCH_ESCALATION_INTERVAL_S": "0",
        "PYTHONPATH": str(ROOT),
        "DISPATCH_DATABASE_URL": url,
        "DISPATCH_MIGRATE_ON_START": "false",  # callers hand over a migrated database
        **(env or {}),
    }
    if schema is not None:
        environment["DISPATCH_DATABASE_SCHEMA"] = schema
    command = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    sink = open(log or os.devnull, "wb")  # noqa: SIM115  (closed below, after the process)
    process = subprocess.Popen(command, env=environment, cwd=ROOT, stdout=sink, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        sink.close()


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer at {base} within {STARTUP_S} s")
