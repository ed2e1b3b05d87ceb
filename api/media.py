"""Request bodies must be JSON: a raw body that fails validation for not being JSON gets 415.

Without this, a body sent as ``text/plain`` or without a ``Content-Type`` reaches validation as a
string and comes back as a 422 about "a valid dictionary", which sends an integration engineer
looking at the payload instead of the header. The check runs where FastAPI reports the body
invalid, so routing (404) and keys (401/403) come first, every JSON route (the console's too) is
covered, and master data imports, which read CSV themselves, are untouched.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response


def is_json(content_type: str) -> bool:
    """``application/json`` or an ``application/...+json`` type; parameters are ignored."""
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def invalid_request(request: Request, exc: Exception) -> Response:
    """415 naming the header when the body was not read as JSON; FastAPI's 422 otherwise."""
    assert isinstance(exc, RequestValidationError)
    content_type = request.headers.get("content-type", "")  # the first, as Starlette reads it
    if not is_json(content_type) and any(_raw_body(e) for e in exc.errors()):
        got = f"got {content_type!r}" if content_type else "none was given"
        problem = {
            "loc": ["header", "Content-Type"],
            "msg": f"the body must be JSON: send Content-Type: application/json ({got})",
            "type": "unsupported_media_type",
        }
        return JSONResponse(status_code=415, content={"detail": [problem]})
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return JSONResponse(status_code=422, content={"detail": [_json_problem(exc.errors()[0])]})
    return await request_validation_exception_handler(request, exc)


def _json_problem(error: Any) -> dict[str, Any]:
    """A body that is not (strict) JSON, with the parser's reason as the message."""
    reason = error.get("ctx", {}).get("error") or error.get("msg", "")
    return {
        "loc": list(error.get("loc", ("body",))),
        "msg": f"invalid JSON: {reason}",
        "type": "json_invalid",
    }


def _raw_body(error: Any) -> bool:
    """An error on the body whose input is the unparsed text (not a missing or a JSON body)."""
    loc = error.get("loc", ())
    return bool(loc) and loc[0] == "body" and isinstance(error.get("input"), str | bytes)
