"""The small error hierarchy every layer raises; the API and CLI map it in one place each."""

from __future__ import annotations

from collections.abc import Sequence


class DispatchError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidInput(DispatchError, ValueError):
    """A value broke a rule; ``field`` names where it came from, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFound(DispatchError, LookupError):
    """An id that names nothing known."""

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} {ident!r} not found")
        self.kind = kind
        self.ident = ident


class Conflict(DispatchError):
    """The request clashes with stored state (stock already reserved, key reused...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Infeasible(DispatchError):
    """No plan satisfies the rules; ``reasons`` lists why, one sentence each."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = tuple(reasons)


class InvalidInputs(InvalidInput):
    """Several invalid values found together, so a user fixes them in one round."""

    def __init__(self, problems: Sequence[InvalidInput]) -> None:
        if not problems:
            raise ValueError("InvalidInputs needs at least one problem")
        joined = "; ".join(str(p) for p in problems)
        super().__init__(problems[0].field, joined)
        self.problems = tuple(problems)
        self.args = (joined,)
