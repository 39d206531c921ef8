"""Adamax: Adam with the infinity norm."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from lamina.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax: `m += (g - m)(1 - beta_1)`, `u = max(beta_2 u, |g|)`,
    `w -= lr m / ((1 - beta_1^t)(u + epsilon))`.

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2: decay rates of the moment and the norm.
        epsilon: default 1e-7.
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    native_kind = "adamax"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _slot_groups(self) -> List[Tuple[str, ...]]:
        return [("momentum", "norm")]

    def _native_rule_params(self) -> Dict[str, float]:
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon)
