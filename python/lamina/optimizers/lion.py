"""Lion: sign-based updates with two momentum rates."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from lamina.optimizers.optimizer import Optimizer


class Lion(Optimizer):
    """Lion: `w -= lr sign(beta_1 m + (1 - beta_1) g)`, then
    `m = beta_2 m + (1 - beta_2) g`.

    Args:
        learning_rate: default 0.001.
        beta_1: default 0.9, in (0, 1].
        beta_2: default 0.99.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Raises:
        ValueError: if `beta_1` is outside (0, 1].
    """

    native_kind = "lion"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.99,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2 = beta_1, beta_2
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}."
            )

    def _slot_groups(self) -> List[Tuple[str, ...]]:
        return [("momentum",)]

    def _native_rule_params(self) -> Dict[str, float]:
        return {"beta_1": self.beta_1, "beta_2": self.beta_2}

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2)
