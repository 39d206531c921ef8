"""Optimizer base: hyper-parameters and per-weight state as numpy arrays that
the native step reads and updates in place.

The update math is a fused C++ kernel per optimizer (`cpp/src/kernels/
elementwise.inc`); this class owns the state, so it survives a recompile
with the same optimizer object, and the learning rate can be changed between
steps (`optimizer.learning_rate = ...`) at no cost per step.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from lamina.backend.variable import Variable
from lamina.utils import naming


class Optimizer:
    """Base class. Subclasses set `native_kind`, `slot_names` and `_hyper` layout."""

    native_kind = ""
    slot_names: Sequence[str] = ()

    def __init__(
        self,
        learning_rate: float = 0.001,
        weight_decay: Optional[float] = None,
        clipnorm: Optional[float] = None,
        clipvalue: Optional[float] = None,
        global_clipnorm: Optional[float] = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: Optional[int] = None,
        loss_scale_factor: Optional[float] = None,
        gradient_accumulation_steps: Optional[int] = None,
        name: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        if "lr" in kwargs:
            # tf.keras 2.x spelling; Keras 3 refuses it.
            warnings.warn(
                "The `lr` argument is deprecated, use `learning_rate` instead.",
                DeprecationWarning,
                stacklevel=3,
            )
            learning_rate = kwargs.pop("lr")
        decay = kwargs.pop("decay", 0.0)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        unsupported = {
            "weight_decay": weight_decay,
            "clipnorm": clipnorm,
            "clipvalue": clipvalue,
            "global_clipnorm": global_clipnorm,
            "ema_overwrite_frequency": ema_overwrite_frequency,
            "loss_scale_factor": loss_scale_factor,
            "gradient_accumulation_steps": gradient_accumulation_steps,
        }
        given = [k for k, v in unsupported.items() if v is not None]
        if use_ema:
            given.append("use_ema")
        if decay:
            given.append("decay")
        if given:
            raise ValueError(f"lamina's optimizers do not support {given} yet.")
        self.name = name or naming.to_snake_case(type(self).__name__)
        self._hyper = np.zeros(4, dtype=np.float32)
        self._iterations = Variable(0, "iteration", trainable=False, dtype="int64")
        self._slots: Dict[int, List[Variable]] = {}
        self._slot_order: List[Variable] = []
        self.learning_rate = learning_rate

    @property
    def learning_rate(self) -> float:
        return float(self._hyper[0])

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if callable(value):
            raise ValueError("Learning-rate schedules are not supported by lamina yet.")
        value = float(value)
        if not value >= 0.0:
            raise ValueError(f"`learning_rate` must be >= 0. Received: learning_rate={value}")
        self._hyper[0] = value

    # tf.keras 2.x alias used by old scripts.
    lr = learning_rate

    @property
    def iterations(self) -> int:
        return int(self._iterations.value)

    def build(self, var_list: Sequence[Variable]) -> None:
        """Creates zeroed state for each weight that has none yet."""
        for var in var_list:
            if id(var) in self._slots:
                continue
            slots = [
                Variable(np.zeros(var.shape, np.float32), f"{var.name}_{slot}", trainable=False,
                         path=f"{self.name}/{var.path.replace('/', '_')}_{slot}")
                for slot in self.slot_names
            ]
            self._slots[id(var)] = slots
            self._slot_order.extend(slots)

    @property
    def built(self) -> bool:
        return bool(self._slots)

    @property
    def variables(self) -> List[Variable]:
        lr = Variable(self.learning_rate, "learning_rate", trainable=False)
        return [self._iterations, lr] + list(self._slot_order)

    def _before_step(self) -> None:
        """Called before each training step (learning-rate schedules update
        the hyper-parameters here). Nothing to do for a constant rate."""

    def _attach(self, plan: Any, trainable_flags: Sequence[bool], weights: Sequence[Variable]):
        """Hands the plan this optimizer's state for `weights` (in plan order);
        weights whose flag is False are frozen and get no state."""
        self.build([w for w, t in zip(weights, trainable_flags) if t])
        slots = [
            [s.value for s in self._slots[id(w)]] if t else []
            for w, t in zip(weights, trainable_flags)
        ]
        plan.set_optimizer(self.native_kind, {}, self._hyper, self._iterations.value, slots)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "learning_rate": self.learning_rate}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Optimizer:
        return cls(**config)
