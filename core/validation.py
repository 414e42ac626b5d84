"""Turning pydantic's validation errors into ChaSen's typed ValidationError."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from core.errors import ValidationError

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any, what: str) -> M:
    """Validate ``data`` as ``model``; on failure raise ValidationError naming each bad path."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        problems = [
            {"path": ".".join(str(p) for p in err["loc"]) or "(root)", "message": err["msg"]}
            for err in exc.errors(include_url=False)
        ]
        summary = "; ".join(f"{p['path']}: {p['message']}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ValidationError(f"{what} is not valid: {summary}{more}", errors=problems) from None
