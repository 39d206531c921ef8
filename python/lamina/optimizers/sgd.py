"""SGD with optional (Nesterov) momentum, as Keras 3 computes it."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from lamina.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent: `m = momentum * m - lr * g`, then `w += m`
    (Nesterov: `w += momentum * m - lr * g`); plain `w -= lr * g` without momentum.

    Args:
        learning_rate: default 0.01.
        momentum: float in [0, 1].
        nesterov: whether to apply Nesterov momentum.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Raises:
        ValueError: if `momentum` is not a float in [0, 1].
    """

    native_kind = "sgd"

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or isinstance(momentum, bool) \
                or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def _slot_groups(self) -> List[Tuple[str, ...]]:
        return [("momentum",)] if self.momentum != 0 else []

    def _native_rule_params(self) -> Dict[str, float]:
        return {"momentum": self.momentum, "nesterov": float(bool(self.nesterov))}

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), momentum=self.momentum, nesterov=self.nesterov)
