"""Bearer tokens: HS256 JWTs with Supabase-compatible claims (``sub``, ``email``, ``exp``)."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import jwt
import platformdirs

from core.errors import ConfigurationError
from core.settings import ApiSettings

ALGORITHM = "HS256"


def secret_file() -> Path:
    """Where this installation keeps its own signing secret when none is configured."""
    return platformdirs.user_data_path("chasen") / "api-jwt-secret"


def signing_secret(settings: ApiSettings) -> str:
    """The configured secret, else this installation's (created once, readable by its owner)."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    path = secret_file()
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        except OSError as exc:
            raise ConfigurationError(
                f"no CHASEN_API_JWT_SECRET and cannot keep one at {path}: {exc}"
            ) from None
    return path.read_text().strip()


def mint(settings: ApiSettings, *, subject: str, email: str, ttl_s: int | None = None) -> str:
    """A signed token for ``email`` (development: ``chasen token``)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "email": email,
        "iat": now,
        "exp": now + (ttl_s or settings.token_ttl_s),
        "role": "authenticated",
    }
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, signing_secret(settings), algorithm=ALGORITHM)


class TokenError(Exception):
    """A token that is missing, malformed, badly signed or expired."""


def verify(settings: ApiSettings, token: str) -> dict[str, Any]:
    """The token's claims; TokenError saying why it is refused."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_secret(settings),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            options={"require": ["exp", "sub"], "verify_aud": settings.jwt_audience is not None},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("the token has expired") from None
    except jwt.InvalidSignatureError:
        raise TokenError("the token's signature is not valid") from None
    except jwt.InvalidTokenError as exc:
        raise TokenError(f"the token is not valid: {exc}") from None
    if not isinstance(claims.get("email"), str):
        raise TokenError("the token has no email claim")
    return claims
