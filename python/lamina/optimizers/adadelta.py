"""Adadelta."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from lamina.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta: `ag = rho ag + (1 - rho) g^2`,
    `d = -sqrt(ad + eps) g / sqrt(ag + eps)`, `ad = rho ad + (1 - rho) d^2`,
    `w += lr d`.

    Args:
        learning_rate: default 0.001 (tf.keras 1.x used 1.0).
        rho: decay rate (0.95).
        epsilon: default 1e-7.
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    native_kind = "adadelta"

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def _slot_groups(self) -> List[Tuple[str, ...]]:
        return [("accumulated_grad", "accumulated_delta_var")]

    def _native_rule_params(self) -> Dict[str, float]:
        return {"rho": self.rho, "epsilon": self.epsilon}

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), rho=self.rho, epsilon=self.epsilon)
