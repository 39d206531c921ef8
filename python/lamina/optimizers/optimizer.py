"""Optimizer base: Keras 3's arguments, learning-rate handling and variable
layout, with the update itself in C++ (`cpp/src/engine/optimizers.cpp`).

The optimizer owns its state as numpy arrays that the compiled plan reads and
updates in place, so the state survives a recompile with the same optimizer
object. Before each training step the trainer calls `_before_step()`, which
writes the step's learning rate into `_hyper[0]` (the only per-step
hyper-parameter; everything else is fixed when the plan is built):
a constant, a schedule's value at `iterations` (Keras calls the schedule with
the counter before the step), or a callable's value; tf.keras 2.x's
`decay=` then divides it by `1 + decay * iterations`.

Per weight, the native state is the rule's slots (`_slot_groups()` flattened),
then the gradient accumulator, then the EMA average; `variables` lists them in
Keras 3's order and names.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from lamina.backend.bound_scalar import BoundScalar
from lamina.backend.variable import Variable
from lamina.optimizers.schedules import learning_rate_schedule as lrs
from lamina.utils import naming

_PLACEHOLDER = "_unused"
_LR_ERROR = (
    "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or "
    "a callable (that takes in the current iteration value and returns the corresponding "
    "learning rate value). Received instead: learning_rate={}"
)


class Optimizer:
    """Base class. Subclasses set `native_kind`, `_slot_groups()` and
    `_native_rule_params()`.

    Args:
        learning_rate: float, `LearningRateSchedule`, or a callable (called
            with no arguments, as in Keras, or with the step count if it takes
            one).
        weight_decay: decoupled decay `w -= w * weight_decay * lr` before each
            update.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (one at most).
        use_ema, ema_momentum, ema_overwrite_frequency: moving average of the
            weights.
        loss_scale_factor: the loss is scaled by it and the gradients unscaled
            (numerically a no-op in float32 training here).
        gradient_accumulation_steps: update every N steps with the mean gradient.
        name: defaults to the snake-case class name, made unique.
        lr: tf.keras 2.x alias of `learning_rate` (DeprecationWarning).
        decay: tf.keras 2.x time decay, `lr / (1 + decay * iterations)`.

    Raises:
        ValueError: for invalid or unknown arguments, as Keras.
    """

    native_kind = ""

    def __init__(
        self,
        learning_rate: Any,
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
        decay = kwargs.pop("decay", None)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if decay is not None and (not isinstance(decay, (int, float)) or decay < 0):
            raise ValueError(f"`decay` cannot be less than 0. Received: decay={decay}")
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                f"gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(
                    "`ema_momentum` must be in the range [0, 1]. "
                    f"Received: ema_momentum={ema_momentum}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                    f"ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self.name = name or naming.auto_name(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.decay = float(decay) if decay else 0.0
        self._hyper = np.zeros(1, dtype=np.float32)
        self._iterations = Variable(0, "iteration", trainable=False, path=f"{self.name}/iteration",
                                    dtype="int64")
        self._lr_value = 0.0
        self._lr_source: Any = None  # a schedule or callable; None for a constant
        self._state: Dict[int, Dict[str, Variable]] = {}
        self._built_vars: List[Variable] = []
        self._native: Dict[Tuple[int, str], np.ndarray] = {}
        self._set_learning_rate(learning_rate, initial=True)

    # -- learning rate -------------------------------------------------------------

    def _set_learning_rate(self, value: Any, initial: bool = False) -> None:
        if isinstance(value, lrs.LearningRateSchedule) or callable(value):
            self._lr_source = value
            # Inspected once here, not at every step.
            self._lr_takes_step = _takes_argument(value)
        else:
            if isinstance(self._lr_source, lrs.LearningRateSchedule):
                raise TypeError(
                    "This optimizer was created with a `LearningRateSchedule` object as its "
                    "`learning_rate` constructor argument, hence its learning rate is not "
                    "settable. If you need the learning rate to be settable, you should "
                    "instantiate the optimizer with a float `learning_rate` argument."
                )
            # Keras 3 wants a float; ints (tf.keras 2.x accepted them) are taken too.
            if isinstance(value, (bool, str)) or not isinstance(value, (int, float, np.number)):
                if not (isinstance(value, np.ndarray) and value.ndim == 0):
                    raise ValueError(_LR_ERROR.format(value))
            self._lr_source = None
            self._lr_value = float(np.float32(value))
        self._hyper[0] = self._current_learning_rate()

    def _current_learning_rate(self) -> float:
        """The rate of the next step, as Keras computes it at `iterations`."""
        step = int(self._iterations.value)
        source = self._lr_source
        if source is None:
            lr = self._lr_value
        elif isinstance(source, lrs.LearningRateSchedule):
            lr = float(source(step))
        else:
            lr = float(source(step) if self._lr_takes_step else source())
        if self.decay:
            lr = lr / (1.0 + self.decay * step)
        return lr

    @property
    def learning_rate(self) -> float:
        """The current rate (a schedule's value at `iterations`).

        A float that also has `assign`/`numpy` (see `BoundScalar`), so
        `keras.backend.set_value(opt.learning_rate, v)` works as in Keras.
        """
        if self._lr_source is None:
            value = self._lr_value
        else:
            value = self._current_learning_rate() if not self.decay else _undecayed(self)
        return BoundScalar(value, self, "learning_rate")

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        self._set_learning_rate(value)

    # tf.keras 2.x alias used by old scripts.
    lr = learning_rate

    @property
    def iterations(self) -> int:
        """Steps taken (update steps when accumulating gradients)."""
        raw = int(self._iterations.value)
        if self.gradient_accumulation_steps:
            return raw // int(self.gradient_accumulation_steps)
        return raw

    def scale_loss(self, loss: Any) -> Any:
        """`loss * loss_scale_factor` when set (Keras's hook for mixed precision)."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    # -- state -----------------------------------------------------------------------

    def _slot_groups(self) -> List[Tuple[str, ...]]:
        """The rule's slots: groups in Keras's creation order; the names in a
        group are interleaved per weight (Keras's add_optimizer_variables)."""
        return []

    def _slot_initial_value(self, slot: str) -> float:
        return 0.0

    def _make_slot(self, var: Variable, slot: str) -> Tuple[Variable, np.ndarray]:
        """(the Keras-visible variable, the native array of the weight's size)."""
        value = np.full(var.shape, self._slot_initial_value(slot), np.float32)
        v = Variable(value, f"{var.path.replace('/', '_')}_{slot}", trainable=False,
                     path=f"{self.name}/{var.path.replace('/', '_')}_{slot}")
        return v, v.value

    def _all_groups(self) -> List[Tuple[str, ...]]:
        groups: List[Tuple[str, ...]] = []
        if self.use_ema:
            groups.append(("average",))
        if self.gradient_accumulation_steps:
            groups.append(("gradient_accumulator",))
        return groups + self._slot_groups()

    def _native_slot_names(self) -> List[str]:
        names = [s for group in self._slot_groups() for s in group]
        if self.gradient_accumulation_steps:
            names.append("gradient_accumulator")
        if self.use_ema:
            names.append("average")
        # An empty slot list marks a frozen weight for the engine, so a rule
        # without state (SGD without momentum) gets one unused array.
        return names or [_PLACEHOLDER]

    def build(self, var_list: Sequence[Variable]) -> None:
        """Creates the state of each weight that has none yet."""
        for var in var_list:
            if id(var) in self._state:
                continue
            state: Dict[str, Variable] = {}
            for group in self._all_groups():
                for slot in group:
                    shown, native = self._make_slot(var, slot)
                    state[slot] = shown
                    self._native[(id(var), slot)] = native
            if self._native_slot_names() == [_PLACEHOLDER]:
                self._native[(id(var), _PLACEHOLDER)] = np.zeros(var.shape, np.float32)
            self._state[id(var)] = state
            self._built_vars.append(var)

    @property
    def built(self) -> bool:
        return bool(self._state)

    def _extra_variables(self) -> List[Variable]:
        return []

    @property
    def variables(self) -> List[Variable]:
        """iteration, learning_rate (constant rates only), then the state in
        Keras 3's order and names."""
        out = [self._iterations]
        if self._lr_source is None:
            out.append(Variable(self._lr_value, "learning_rate", trainable=False,
                                path=f"{self.name}/learning_rate"))
        if not self.built:
            return out
        for group in self._all_groups():
            for var in self._built_vars:
                out.extend(self._state[id(var)][slot] for slot in group)
        return out + self._extra_variables()

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        """With `use_ema`, overwrites the weights with their moving averages."""
        if not self.use_ema:
            return
        for var in var_list:
            if id(var) in self._state:
                var.assign(self._state[id(var)]["average"].value)

    def _lr_is_constant(self) -> bool:
        """True when the rate does not depend on the step (no schedule, callable
        or decay), so several steps may run on one written rate."""
        return self._lr_source is None and not self.decay

    def _before_step(self) -> None:
        """Writes the step's learning rate (called by the trainer before each step)."""
        self._hyper[0] = self._current_learning_rate()

    def _native_rule_params(self) -> Dict[str, float]:
        return {}

    def _native_params(self) -> Dict[str, float]:
        params = dict(self._native_rule_params())
        for key in ("clipnorm", "clipvalue", "global_clipnorm", "weight_decay",
                    "ema_overwrite_frequency", "gradient_accumulation_steps"):
            value = getattr(self, key)
            if value is not None:
                params[key] = float(value)
        if self.use_ema:
            params["use_ema"] = 1.0
            params["ema_momentum"] = float(self.ema_momentum)
        return params

    def _attach(self, plan: Any, trainable_flags: Sequence[bool],
                weights: Sequence[Variable]) -> None:
        """Hands the plan this optimizer's state for `weights` (in plan order);
        weights whose flag is False are frozen and get no state."""
        self.build([w for w, t in zip(weights, trainable_flags) if t])
        names = self._native_slot_names()
        slots = [
            [self._native[(id(w), s)] for s in names] if t else []
            for w, t in zip(weights, trainable_flags)
        ]
        self._hyper[0] = self._current_learning_rate()
        plan.set_optimizer(self.native_kind, self._native_params(), self._hyper,
                           self._iterations.value, slots)

    # -- config ------------------------------------------------------------------------

    def get_config(self) -> Dict[str, Any]:
        source = self._lr_source
        if source is None:
            learning_rate: Any = self._lr_value
        elif isinstance(source, lrs.LearningRateSchedule):
            learning_rate = lrs.serialize(source)
        else:
            learning_rate = source
        config = {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self.decay:
            config["decay"] = self.decay  # tf.keras 2.x only
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any],
                    custom_objects: Optional[Dict[str, Any]] = None) -> Optimizer:
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = lrs.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)


def _takes_argument(fn: Callable[..., Any]) -> bool:
    """Whether a learning-rate callable wants the step (Keras calls it with none)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in params
    )


def _undecayed(opt: Optimizer) -> float:
    """A schedule's value without tf.keras 2.x's decay factor."""
    decay, opt.decay = opt.decay, 0.0
    try:
        return opt._current_learning_rate()
    finally:
        opt.decay = decay
