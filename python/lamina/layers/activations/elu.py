"""ELU layer."""

from __future__ import annotations

from typing import Any, Dict

from lamina import _core
from lamina.layers.layer import Layer


class ELU(Layer):
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)`
    otherwise. Runs the native elu activation kernel.

    Args:
        alpha: float, the scale of the negative part (default 1.0).
    """

    supports_masking = True

    _built_at_init = True

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = alpha

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.activation(self.name, "elu", {"alpha": float(self.alpha)}))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
