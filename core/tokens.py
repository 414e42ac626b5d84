"""Token counting with tiktoken, loading encodings from ``TIKTOKEN_CACHE_DIR`` (no network)."""

from __future__ import annotations

import os
from functools import lru_cache

import tiktoken

from core.errors import ConfigurationError


@lru_cache(maxsize=4)
def encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken encoding ``name``; a missing file is a ConfigurationError naming where."""
    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:  # tiktoken raises requests/OS/value errors when it cannot load
        where = os.environ.get("TIKTOKEN_CACHE_DIR")
        hint = (
            f"TIKTOKEN_CACHE_DIR={where} does not hold it"
            if where
            else "set TIKTOKEN_CACHE_DIR to a folder holding tiktoken's encoding files"
        )
        raise ConfigurationError(
            f"cannot load the tiktoken encoding {name!r}: {hint} ({type(exc).__name__})"
        ) from None
