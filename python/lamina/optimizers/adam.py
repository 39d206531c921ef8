"""Adam with Keras 3's formula (epsilon added to the uncorrected sqrt(v))."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from lamina.optimizers.optimizer import Optimizer


class Adam(Optimizer):
    """Adam: `alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`,
    `w -= alpha * m / (sqrt(v) + epsilon)` (with `amsgrad`, the running
    maximum of v).

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2: decay rates of the first and second moment estimates.
        epsilon: added to sqrt(v) (Keras's "epsilon hat"; default 1e-7).
        amsgrad: use the maximum of past second moments.
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    native_kind = "adam"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def _slot_groups(self) -> List[Tuple[str, ...]]:
        groups: List[Tuple[str, ...]] = [("momentum", "velocity")]
        return groups + [("velocity_hat",)] if self.amsgrad else groups

    def _native_rule_params(self) -> Dict[str, float]:
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": float(bool(self.amsgrad))}

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon, amsgrad=self.amsgrad)
