"""Domain errors to HTTP, in one place: 422 names the field, 404 the id, 409 the clash.

Bodies are JSON and never carry a traceback; unexpected errors are logged and answered with a
plain 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError

from api.media import invalid_request
from dispatch.errors import Conflict, Infeasible, InvalidInput, InvalidInputs, NotFound
from dispatch.options_left import Unservable

log = logging.getLogger(__name__)


class PlanConflict(Conflict):
    """A confirm lost the stock race; carries the fresh plan the caller should choose from."""

    def __init__(self, reason: str, plan: dict[str, Any] | None) -> None:
        super().__init__(reason)
        self.plan = plan


def _field_error(problem: InvalidInput) -> dict[str, Any]:
    return {"loc": problem.field.split("."), "msg": problem.reason, "type": "invalid_input"}


def invalid_input(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInput)
    problems = exc.problems if isinstance(exc, InvalidInputs) else (exc,)
    return JSONResponse(status_code=422, content={"detail": [_field_error(p) for p in problems]})


def not_found(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotFound)
    return JSONResponse(status_code=404, content={"detail": str(exc), "kind": exc.kind})


def conflict(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Conflict)
    body: dict[str, Any] = {"detail": exc.reason}
    if isinstance(exc, PlanConflict):
        body["plan"] = exc.plan  # None when no option is left at all
    return JSONResponse(status_code=409, content=body)


def infeasible(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Infeasible)
    body: dict[str, Any] = {"detail": "no feasible plan", "reasons": list(exc.reasons)}
    if isinstance(exc, Unservable):
        body["options_left"] = [option.as_json() for option in exc.left]
    return JSONResponse(status_code=422, content=body)


def integrity(_request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error answered with 409: %s", exc)
    return JSONResponse(
        status_code=409, content={"detail": "the request conflicts with stored data"}
    )


def busy(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", exc)
    return JSONResponse(status_code=503, content={"detail": "database busy, retry shortly"})


def unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(status_code=500, content={"detail": "internal server error"})


def register(app: FastAPI) -> None:
    """Install the handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(InvalidInput, invalid_input)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(Conflict, conflict)
    app.add_exception_handler(Infeasible, infeasible)
    app.add_exception_handler(IntegrityError, integrity)
    app.add_exception_handler(OperationalError, busy)
    app.add_exception_handler(Exception, unexpected)
