"""The OpenAPI document lists every status code a route can answer, not only its own.

Keys (401, 403), limits (413), media type (415), validation (422), a busy database (503) and
the plain 500 come from shared machinery, so no route declares them; they are added here to
each operation (413 and 415 only where there is a request body; none on the key-free health
probe), with the shape of their bodies.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_MESSAGE = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_PROBLEMS = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg"],
            },
        }
    },
    "required": ["detail"],
}


def _reply(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


KEYED = {
    "401": _reply("Missing, unknown or revoked X-API-Key", _MESSAGE),
    "403": _reply("The key's role may not do this (the roles needed are named)", _MESSAGE),
    "422": _reply("A field is invalid: `loc` names it, `msg` says why", _PROBLEMS),
    "500": _reply("Internal server error (never with details)", _MESSAGE),
    "503": _reply("Database busy or no planner configured; retry shortly", _MESSAGE),
}
WITH_BODY = {
    "413": _reply("Request body larger than the limit", _MESSAGE),
    "415": _reply("The body's Content-Type is not one this route reads", _PROBLEMS),
}
PUBLIC = frozenset({"/v1/health"})


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` list the shared error responses on every operation."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for path, operations in schema["paths"].items():
                for operation in operations.values():
                    extra = {} if path in PUBLIC else dict(KEYED)
                    if "requestBody" in operation:
                        extra.update(WITH_BODY)
                    operation["responses"] = {**extra, **operation["responses"]}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
