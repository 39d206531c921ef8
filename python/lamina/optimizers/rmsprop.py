"""RMSprop (Keras's default optimizer in `compile()`)."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from lamina.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop: `v = rho v + (1 - rho) g^2`, `w -= lr g / sqrt(v + epsilon)`
    (centered: `sqrt(v - mean_g^2 + epsilon)`; with momentum the increment
    feeds `m = momentum m + increment`, `w -= m`).

    Args:
        learning_rate: default 0.001.
        rho: discounting factor of the squared-gradient average (0.9).
        momentum: default 0.0.
        epsilon: default 1e-7.
        centered: normalise by the estimated variance of the gradient.
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    native_kind = "rmsprop"

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def _slot_groups(self) -> List[Tuple[str, ...]]:
        groups: List[Tuple[str, ...]] = [("velocity",)]
        if self.momentum > 0:
            groups.append(("momentum",))
        if self.centered:
            groups.append(("average_gradient",))
        return groups

    def _native_rule_params(self) -> Dict[str, float]:
        return {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": float(bool(self.centered))}

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), rho=self.rho, momentum=self.momentum,
                    epsilon=self.epsilon, centered=self.centered)
