"""Nadam: Adam with Nesterov momentum and Keras's momentum schedule."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np

from lamina.backend.variable import Variable
from lamina.optimizers.optimizer import Optimizer


class Nadam(Optimizer):
    """Nadam with `u_t = beta_1 (1 - 0.5 * 0.96^t)` and the running product of
    the u_t (Keras keeps it in a variable; the native step caches it).

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2: decay rates of the moment estimates.
        epsilon: default 1e-7.
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    native_kind = "nadam"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _slot_groups(self) -> List[Tuple[str, ...]]:
        return [("momentum", "velocity")]

    def _native_rule_params(self) -> Dict[str, float]:
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}

    def _u_product(self) -> np.float32:
        """Keras's `_u_product` after `iterations` update steps, in float32."""
        b1, product = np.float32(self.beta_1), np.float32(1.0)
        for t in range(1, self.iterations + 1):
            product = product * b1 * (np.float32(1) - np.float32(0.5) *
                                       np.power(np.float32(0.96), np.float32(t)))
        return np.float32(product)

    def _extra_variables(self) -> List[Variable]:
        return [Variable(self._u_product(), "variable", trainable=False,
                         path=f"{self.name}/variable")]

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon)
