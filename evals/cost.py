"""What a run's tokens cost, at the model's list price (US dollars per million tokens).

Prices change; these are OpenAI's list prices for the models ChaSen is set up with. A model
not listed has no cost reported (never a guessed one).
"""

from __future__ import annotations

from typing import Final

PRICES_PER_MILLION: Final[dict[str, tuple[float, float]]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-nano": (0.10, 0.40),
}
"""Input and output price per million tokens, by model name."""


def cost_usd(model: str, input_tokens: int, output_tokens: int) -> float | None:
    """The tokens' cost for ``model``; None when its price is not known."""
    price = PRICES_PER_MILLION.get(model)
    if price is None:
        return None
    return (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000
