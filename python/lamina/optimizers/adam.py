"""Adam with Keras 3's formula (epsilon added to the uncorrected sqrt(v))."""

from __future__ import annotations

from typing import Any, Dict

from lamina.optimizers.optimizer import Optimizer


class Adam(Optimizer):
    """Adam.

    Args:
        learning_rate: step size (default 0.001).
        beta_1, beta_2: decay rates of the first and second moment estimates.
        epsilon: added to sqrt(v) (Keras's "epsilon hat"; default 1e-7).
        amsgrad: not supported yet.
    """

    native_kind = "adam"
    slot_names = ("momentum", "velocity")

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str = "adam",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if amsgrad:
            raise ValueError("Adam(amsgrad=True) is not supported by lamina yet.")
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad
        self._hyper[1:4] = (beta_1, beta_2, epsilon)

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon, amsgrad=self.amsgrad)
