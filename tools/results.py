"""How tools answer the model: compact records within a token budget, errors as text."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import ParamSpec

from core.budget import Record, count_tokens, fit_records
from core.errors import ChaSenError

P = ParamSpec("P")


def render(title: str, records: Sequence[Record], budget: int, empty: str = "none") -> str:
    """``title`` then the records that fit ``budget`` (whole records, most important first)."""
    if not records:
        return f"{title}\n{empty}"
    fitted = fit_records(records, budget - count_tokens(title))
    return f"{title}\n{fitted.joined()}"


def error_text(error: ChaSenError) -> str:
    """A domain error as a result the model can read and act on."""
    return f"ERROR ({error.code}): {error.message}"


def readable_errors(fn: Callable[P, str]) -> Callable[P, str]:
    """Turn the domain errors a tool raises into its result instead of failing the run."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> str:
        try:
            return fn(*args, **kwargs)
        except ChaSenError as error:
            return error_text(error)

    return wrapper


def invalid_arguments(tool_name: str, error: Exception) -> str:
    """Arguments the schema refused, in the shape of a domain error result."""
    problems = getattr(error, "errors", None)
    if callable(problems):
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())) or 'arguments'}: {e.get('msg')}"
            for e in problems()
        )
    else:
        detail = str(error)
    return f"ERROR (validation_error): invalid arguments for {tool_name}: {detail}"
