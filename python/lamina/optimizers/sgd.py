"""SGD with optional (Nesterov) momentum, as Keras 3 computes it."""

from __future__ import annotations

from typing import Any, Dict

from lamina.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent: `m = momentum * m - lr * g`, then `w += m`
    (Nesterov: `w += momentum * m - lr * g`); plain `w -= lr * g` without momentum.

    Args:
        learning_rate: default 0.01.
        momentum: float >= 0.
        nesterov: whether to apply Nesterov momentum.
    """

    native_kind = "sgd"
    slot_names = ("momentum",)

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        name: str = "SGD",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not isinstance(momentum, (int, float)) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self._hyper[1:3] = (self.momentum, 1.0 if self.nesterov else 0.0)

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), momentum=self.momentum, nesterov=self.nesterov)
