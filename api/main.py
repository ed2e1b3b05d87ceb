"""The FastAPI application factory: settings, database, routers, limits and error handlers."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import partial

from anyio.to_thread import current_default_thread_limiter
from fastapi import APIRouter, FastAPI

from api import console, errors, openapi, overruns, webhooks
from api.clock import SettableClock
from api.config import Settings
from api.jsonbody import StrictJSONRoute
from api.limits import BodySizeLimit
from api.planning import Planner, load_planner
from api.routes import clock as clock_routes
from api.routes import field, masterdata, plans, proposals, quote, reaction, resources, tickets
from api.routes import webhooks as webhook_routes
from dispatch.errors import InvalidInput
from dispatch.store import delivery, escalation
from dispatch.store.db import make_engine, reader, session_factory, transaction
from dispatch.store.migrate import upgrade

log = logging.getLogger(__name__)

DESCRIPTION = """
REST API of dispatch-pl for the ticketing system and dispatchers: submit tickets
(idempotently), accept them (the SLA clock starts), get a plan with alternatives, confirm it
(the spare unit is reserved atomically) or override it, report delivery and the RMA return,
and follow each ticket to closed. Every call needs an `X-API-Key` (see `dispatch keys create`).
"""


def _utc_now() -> datetime:
    """Now, to the second: SLA clocks count whole seconds, so stored instants do too."""
    return datetime.now(UTC).replace(microsecond=0)


def create_app(
    settings: Settings | None = None,
    *,
    planner: Planner | None = None,
    clock: Callable[[], datetime] = _utc_now,
) -> FastAPI:
    """Build the application; migrations run first unless ``settings.migrate_on_start`` is off.

    ``planner`` overrides ``settings.planner``; ``clock`` lets tests freeze "now".
    """
    settings = settings or Settings()
    if settings.clock_control:
        if settings.production:
            raise InvalidInput("clock_control", "is refused in production (DISPATCH_PRODUCTION)")
        clock = SettableClock(settings.clock_start or clock())
    engine = make_engine(settings.database_url, schema=settings.database_schema)
    if settings.migrate_on_start:
        upgrade(engine)
    factory = session_factory(engine)
    stop = threading.Event()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        current_default_thread_limiter().total_tokens = settings.threads
        workers = []
        if settings.outbox_interval_s > 0:
            send = partial(
                webhooks.post,
                timeout_s=settings.webhook_timeout_s,
                allow_private=settings.webhook_allow_private,
            )

            def deliver() -> float | None:
                done = delivery.deliver_due(
                    factory=factory,
                    send=send,
                    clock=clock,
                    max_attempts=settings.webhook_max_attempts,
                )
                if done.sent + done.failed > 0:
                    return 0  # more may be due at once
                soonest = delivery.next_retry(factory, clock())
                return None if soonest is None else (soonest - clock()).total_seconds()

            workers.append(_repeat(deliver, settings.outbox_interval_s, stop, "outbox"))
        if settings.escalation_interval_s > 0:
            overrun = timedelta(minutes=settings.overrun_min)

            def escalate() -> None:
                with transaction(factory) as session:
                    escalation.escalate_at_risk(session, clock())
                overruns.sweep(factory, app.state.reads, app.state.planner, now=clock(),
                               threshold=overrun)  # fmt: skip

            workers.append(_repeat(escalate, settings.escalation_interval_s, stop, "escalation"))
        yield
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
        engine.dispose()

    app = FastAPI(
        title="dispatch-pl",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = factory
    app.state.reads = session_factory(reader(engine))
    app.state.clock = clock
    app.state.planner = planner or (load_planner(settings.planner) if settings.planner else None)
    errors.register(app)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        max_import_bytes=settings.max_import_bytes,
    )
    v1 = APIRouter(prefix="/v1", route_class=StrictJSONRoute)
    for module in (
        tickets,
        plans,
        resources,
        masterdata,
        field,
        reaction,
        proposals,
        webhook_routes,
        quote,
    ):
        v1.include_router(module.router)
    if settings.clock_control:
        v1.include_router(clock_routes.router)
    v1.add_api_route("/health", _health, methods=["GET"], tags=["health"])
    app.include_router(v1)
    app.include_router(console.router)
    openapi.install(app)
    return app


def _health() -> dict[str, str]:
    """Liveness probe (no key needed)."""
    return {"status": "ok"}


def _repeat(
    work: Callable[[], float | None], interval_s: float, stop: threading.Event, name: str
) -> threading.Thread:
    """Run ``work`` on a daemon thread until ``stop`` is set, every ``interval_s`` seconds, or
    sooner when a round returns how many seconds until more work is due."""

    def loop() -> None:
        wait = interval_s
        while not stop.wait(wait):
            try:
                soon = work()
            except Exception:  # a background round must outlive a database hiccup
                log.exception("%s round failed", name)
                soon = None
            wait = interval_s if soon is None else min(interval_s, max(soon, 0.0))

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    return thread
