"""Adagrad: per-element rates from the sum of squared gradients."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from lamina.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad: `acc += g^2`, `w -= lr g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: default 0.001.
        initial_accumulator_value: starting value of `acc` (0.1).
        epsilon: default 1e-7.
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    native_kind = "adagrad"

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _slot_groups(self) -> List[Tuple[str, ...]]:
        return [("accumulator",)]

    def _slot_initial_value(self, slot: str) -> float:
        return float(self.initial_accumulator_value) if slot == "accumulator" else 0.0

    def _native_rule_params(self) -> Dict[str, float]:
        return {"epsilon": self.epsilon}

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(),
                    initial_accumulator_value=self.initial_accumulator_value,
                    epsilon=self.epsilon)
