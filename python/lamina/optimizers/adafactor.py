"""Adafactor: factored second moments for weights of rank >= 2."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np

from lamina.backend.variable import Variable
from lamina.optimizers.optimizer import Optimizer


class Adafactor(Optimizer):
    """Adafactor as Keras 3 computes it: row and column means of `g^2 + epsilon_1`
    (r: shape[:-1], c: shape[:-2] + shape[-1:]) for weights of rank >= 2, a full
    second moment otherwise; `rho_t = min(lr, 1/sqrt(t))`,
    `alpha_t = max(epsilon_2, rms(w)) rho_t`, the update `g / sqrt(v)` clipped
    to RMS `clip_threshold`.

    Args:
        learning_rate: default 0.001.
        beta_2_decay: default -0.8 (`beta_2_t = 1 - t^beta_2_decay`).
        epsilon_1: default 1e-30, added to g^2.
        epsilon_2: default 1e-3, lower bound of the weight RMS.
        clip_threshold: default 1.0.
        relative_step: default True (caps lr at 1/sqrt(t)).
        **kwargs: the common optimizer arguments (see `Optimizer`).
    """

    native_kind = "adafactor"

    def __init__(self, learning_rate: Any = 0.001, beta_2_decay: float = -0.8,
                 epsilon_1: float = 1e-30, epsilon_2: float = 1e-3, clip_threshold: float = 1.0,
                 relative_step: bool = True, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step

    def _slot_groups(self) -> List[Tuple[str, ...]]:
        return [("r", "c", "velocity")]

    def _make_slot(self, var: Variable, slot: str) -> Tuple[Variable, np.ndarray]:
        if slot == "velocity":
            return super()._make_slot(var, slot)
        # The engine wants every slot of the weight's size; r and c live in
        # its first elements and Keras's variables are views of them.
        native = np.zeros(int(np.prod(var.shape)), np.float32)
        path = f"{self.name}/{var.name}"
        if len(var.shape) < 2:
            return Variable(0, var.name, trainable=False, path=path, dtype="int32"), native
        shape = var.shape[:-1] if slot == "r" else var.shape[:-2] + var.shape[-1:]
        shown = Variable(np.zeros(shape, np.float32), var.name, trainable=False, path=path)
        shown._value = native[: int(np.prod(shape))].reshape(shape)
        return shown, native

    def _native_rule_params(self) -> Dict[str, float]:
        return {"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold}

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), beta_2_decay=self.beta_2_decay,
                    epsilon_1=self.epsilon_1, epsilon_2=self.epsilon_2,
                    clip_threshold=self.clip_threshold, relative_step=self.relative_step)
