"""Strict JSON request bodies on every route: what Python's ``json`` lets through is refused.

The standard parser accepts ``NaN`` and ``Infinity`` (not JSON), turns ``1e400`` into infinity,
keeps an unpaired ``\\ud800`` as a string no UTF-8 encoder can write back, and raises
``RecursionError`` on deep nesting: each of these used to end as a 500. :func:`loads` refuses
them with a :class:`json.JSONDecodeError` whose message names the problem, which FastAPI turns
into a 422 (see ``api.media.invalid_request`` for the wording). :class:`StrictJSONRoute` makes
FastAPI parse every route's body with it; the master data import calls :func:`loads` itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects accepted; the API's bodies need three levels."""
MAX_INT = 2**63 - 1
"""Largest integer magnitude accepted (what a 64-bit database column holds)."""
_MAX_INT_DIGITS = len(str(MAX_INT))


class _Refused(ValueError):
    """A value the strict parser refuses, raised from inside the decoder's hooks."""


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"number {text[:40]} is too large")
    return value


def _int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > _MAX_INT_DIGITS or abs(int(text)) > MAX_INT:
        raise _Refused(f"integer {text[:40]}{'...' if len(text) > 40 else ''} is too large")
    return int(text)


def loads(text: str | bytes) -> Any:
    """Parse JSON strictly (RFC 8259 plus the limits above).

    Raises
    ------
    json.JSONDecodeError
        With a message naming the problem: not JSON, NaN/Infinity, a number too large, an
        unpaired surrogate, or nesting deeper than :data:`MAX_DEPTH`.
    """
    doc = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except _Refused as refused:
        raise json.JSONDecodeError(str(refused), doc, 0) from None
    except RecursionError:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", doc, 0) from None
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError(f"not UTF-8 (byte {exc.start})", doc, exc.start) from None
    problem = _walk(value)
    if problem is not None:
        raise json.JSONDecodeError(problem, doc, 0)
    return value


def _walk(value: Any) -> str | None:
    """The first problem in a parsed value (too deep, unpaired surrogate), or None."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _has_surrogate(item):
                return f"string {item[:20]!r} has an unpaired surrogate (not valid Unicode)"
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels"
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _StrictRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """An API route whose JSON body is parsed by :func:`loads` (FastAPI calls ``json()``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictRequest(request.scope, request.receive))

        return strict
