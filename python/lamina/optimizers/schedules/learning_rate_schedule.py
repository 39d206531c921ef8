"""Learning-rate schedules (`keras.optimizers.schedules`), called with the
optimizer's step count (`optimizer.iterations` before the step).

Each `__call__` follows Keras 3.15.1's float32 arithmetic operation by
operation (numpy float32 here, TensorFlow float32 there), so the two agree to
an ulp, including which side of a restart boundary a step falls on.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

import numpy as np

_F = np.float32


def _check_positive(name: str, value: Any) -> None:
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class LearningRateSchedule:
    """Base class: a serializable function of the step that returns a rate."""

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override "
            "`__call__(self, step)`."
        )

    def get_config(self) -> Dict[str, Any]:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override "
            "`get_config()` in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> LearningRateSchedule:
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (floored
    exponent with `staircase=True`).

    Raises:
        ValueError: if `decay_steps <= 0`.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay") -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_positive("decay_steps", decay_steps)

    def __call__(self, step: Any) -> np.float32:
        p = _F(step) / _F(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return _F(self.initial_learning_rate) * np.power(_F(self.decay_rate), p)

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, `values[-1]` after.

    Raises:
        ValueError: unless `len(boundaries) == len(values) - 1`.
    """

    def __init__(self, boundaries: List[Any], values: List[Any],
                 name: str = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: Any) -> np.float32:
        step = float(step)
        if step <= self.boundaries[0]:
            return _F(self.values[0])
        for high, value in zip(self.boundaries[1:], self.values[1:-1]):
            if step <= high:
                return _F(value)
        return _F(self.values[-1])

    def get_config(self) -> Dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - step / decay_steps) ** power + end`; with
    `cycle=True` decay_steps grows to the next multiple past `step`.

    Raises:
        ValueError: if `decay_steps <= 0`.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay") -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_positive("decay_steps", decay_steps)

    def __call__(self, step: Any) -> np.float32:
        initial, end = _F(self.initial_learning_rate), _F(self.end_learning_rate)
        s, decay_steps = _F(step), _F(self.decay_steps)
        if self.cycle:
            multiplier = _F(1.0) if s == 0 else np.ceil(s / decay_steps)
            decay_steps = decay_steps * multiplier
        else:
            s = min(s, decay_steps)
        p = s / decay_steps
        return (initial - end) * np.power(_F(1) - p, _F(self.power)) + end

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`
    (floored ratio with `staircase=True`).

    Raises:
        ValueError: if `decay_steps <= 0`.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay") -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_positive("decay_steps", decay_steps)

    def __call__(self, step: Any) -> np.float32:
        p = _F(step) / _F(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return _F(self.initial_learning_rate) / (_F(1) + _F(self.decay_rate) * p)

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


def _cosine(completed_fraction: np.float32) -> np.float32:
    return _F(0.5) * (_F(1.0) + np.cos(_F(math.pi) * completed_fraction))


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the initial rate (or, with `warmup_target`, a linear
    warm-up over `warmup_steps` to `warmup_target`, then cosine decay from it)
    down to `alpha` times that rate over `decay_steps`.

    Raises:
        ValueError: if `decay_steps <= 0`.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: Optional[float] = None,
                 warmup_steps: int = 0) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_positive("decay_steps", decay_steps)

    def _decay(self, step: np.float32, decay_steps: np.float32, start: np.float32) -> np.float32:
        decayed = _F(1 - self.alpha) * _cosine(step / decay_steps) + _F(self.alpha)
        return start * decayed

    def __call__(self, step: Any) -> np.float32:
        initial, decay_steps, s = _F(self.initial_learning_rate), _F(self.decay_steps), _F(step)
        if self.warmup_target is None:
            return self._decay(min(s, decay_steps), decay_steps, initial)
        target, warmup_steps = _F(self.warmup_target), _F(self.warmup_steps)
        s = min(s, decay_steps + warmup_steps)
        if s < warmup_steps:
            return (target - initial) * (s / warmup_steps) + initial
        return self._decay(s - warmup_steps, decay_steps, target)

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods of `first_decay_steps`
    times `t_mul ** i`, each restart's peak scaled by `m_mul ** i`.

    Raises:
        ValueError: if `first_decay_steps <= 0`.
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int, t_mul: float = 2.0,
                 m_mul: float = 1.0, alpha: float = 0.0, name: str = "SGDRDecay") -> None:
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_positive("first_decay_steps", first_decay_steps)

    def __call__(self, step: Any) -> np.float32:
        t_mul, m_mul, alpha = _F(self._t_mul), _F(self._m_mul), _F(self.alpha)
        fraction = _F(step) / _F(self.first_decay_steps)
        if t_mul == 1.0:
            i_restart = np.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = np.floor(np.log(_F(1.0) - fraction * (_F(1.0) - t_mul)) / np.log(t_mul))
            sum_r = (_F(1.0) - np.power(t_mul, i_restart)) / (_F(1.0) - t_mul)
            fraction = (fraction - sum_r) / np.power(t_mul, i_restart)
        m_fac = np.power(m_mul, i_restart)
        cosine_decayed = _F(0.5) * m_fac * (_F(1.0) + np.cos(_F(math.pi) * fraction))
        decayed = (_F(1) - alpha) * cosine_decayed + alpha
        return _F(self.initial_learning_rate) * decayed

    def get_config(self) -> Dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_ALL = {cls.__name__: cls for cls in (
    ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay,
    CosineDecayRestarts,
)}


def serialize(learning_rate_schedule: LearningRateSchedule) -> Dict[str, Any]:
    """Keras's serialized form: module, class_name, config, registered_name."""
    return {"module": "keras.optimizers.schedules",
            "class_name": type(learning_rate_schedule).__name__,
            "config": learning_rate_schedule.get_config(), "registered_name": None}


def deserialize(config: Dict[str, Any],
                custom_objects: Optional[Dict[str, Any]] = None) -> LearningRateSchedule:
    """Rebuilds a schedule from `serialize`'s output.

    Raises:
        ValueError: for an unknown class name.
    """
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _ALL.get(name)  # type: ignore[arg-type]
    if cls is None:
        raise ValueError(f"Unknown decay: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope`.")
    return cls.from_config(dict(config.get("config", {})))
