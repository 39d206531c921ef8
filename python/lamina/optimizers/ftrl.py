"""FTRL-proximal."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from lamina.optimizers.optimizer import Optimizer

_NON_NEGATIVE = ("initial_accumulator_value", "l1_regularization_strength",
                 "l2_regularization_strength", "l2_shrinkage_regularization_strength")


class Ftrl(Optimizer):
    """Follow The Regularized Leader, as Keras 3 computes it.

    Args:
        learning_rate: default 0.001.
        learning_rate_power: <= 0 (default -0.5).
        initial_accumulator_value: >= 0 (default 0.1).
        l1_regularization_strength, l2_regularization_strength,
        l2_shrinkage_regularization_strength: >= 0 (default 0.0).
        beta: adds `beta / (2 lr)` to the L2 strength (default 0.0).
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Raises:
        ValueError: for a negative strength or accumulator, or a positive power.
    """

    native_kind = "ftrl"

    def __init__(self, learning_rate: Any = 0.001, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0,
                 l2_shrinkage_regularization_strength: float = 0.0, beta: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        values = locals()
        for key in _NON_NEGATIVE:
            if values[key] < 0.0:
                what = "positive or zero"
                raise ValueError(f"`{key}` needs to be {what}. Received: {key}={values[key]}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _slot_groups(self) -> List[Tuple[str, ...]]:
        return [("accumulator", "linear")]

    def _slot_initial_value(self, slot: str) -> float:
        return float(self.initial_accumulator_value) if slot == "accumulator" else 0.0

    def _native_rule_params(self) -> Dict[str, float]:
        return {
            "learning_rate_power": self.learning_rate_power,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        }

    def get_config(self) -> Dict[str, Any]:
        return dict(
            super().get_config(),
            learning_rate_power=self.learning_rate_power,
            initial_accumulator_value=self.initial_accumulator_value,
            l1_regularization_strength=self.l1_regularization_strength,
            l2_regularization_strength=self.l2_regularization_strength,
            l2_shrinkage_regularization_strength=self.l2_shrinkage_regularization_strength,
            beta=self.beta,
        )
