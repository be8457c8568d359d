"""The configuration every contract type shares: strict, immutable, unknown fields rejected.

Unknown fields are an error because a typo such as ``conditons`` must not make a victim look
healthy; strict types because ``"3"`` is not a number of children.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    """Base of every exchange type: frozen, strict, no extra fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
