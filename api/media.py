"""Request bodies must be JSON: anything else is answered 415 before FastAPI parses it.

Without this, a body sent as ``text/plain`` or without a ``Content-Type`` reaches validation as a
string and comes back as a 422 about "a valid dictionary", which sends an integration engineer
looking at the payload instead of the header. Master data imports also take CSV and check their
own media types.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from api.limits import IMPORT_PREFIX

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def _is_json(content_type: str) -> bool:
    """``application/json`` or an ``application/...+json`` type; parameters are ignored."""
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class JsonBodies:
    """ASGI middleware answering 415, naming the header, for a /v1 body that is not JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _needs_json(scope):
            headers = dict(scope.get("headers", []))
            content_type = headers.get(b"content-type", b"").decode("latin-1")
            if _has_body(headers) and not _is_json(content_type):
                await _refuse(send, content_type)
                return
        await self.app(scope, receive, send)


def _needs_json(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return (
        scope.get("method") in _WITH_BODY
        and path.startswith("/v1/")
        and not path.startswith(IMPORT_PREFIX)
    )


def _has_body(headers: dict[bytes, bytes]) -> bool:
    length = headers.get(b"content-length")
    return b"transfer-encoding" in headers or (length is not None and length.strip() != b"0")


async def _refuse(send: Send, content_type: str) -> None:
    got = f"got {content_type!r}" if content_type else "none was given"
    problem = {
        "loc": ["header", "Content-Type"],
        "msg": f"the body must be JSON: send Content-Type: application/json ({got})",
        "type": "unsupported_media_type",
    }
    await send(
        {
            "type": "http.response.start",
            "status": 415,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps({"detail": [problem]}).encode()})
