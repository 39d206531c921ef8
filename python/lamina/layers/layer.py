"""The Layer base class: Keras's surface (names, weights, config, shapes).

A layer's math lives in C++ (see `cpp/src/ops/`); a subclass describes itself
to the native plan in `_add_to_plan`. The Python side holds the arguments,
the weights (numpy arrays the plan reads and writes in place) and the shapes.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from lamina import constraints, regularizers
from lamina.backend.variable import Variable
from lamina.initializers import Initializer
from lamina.utils import naming, unsupported

Shape = Tuple[Optional[int], ...]

# Counts changes to the trainable flags of any layer or model. A trainer's
# plan cache key includes those flags; the trainer recomputes the key only
# after this count moves, so a warm predict_on_batch does not walk the layers.
_trainable_epoch = 0


def trainable_epoch() -> int:
    return _trainable_epoch


def note_trainable_change() -> None:
    global _trainable_epoch
    _trainable_epoch += 1

_DTYPE_POLICY: Dict[str, Any] = {
    "module": "keras",
    "class_name": "DTypePolicy",
    "config": {"name": "float32"},
    "registered_name": None,
}


def standardize_shape(shape: Any, what: str = "shape") -> Tuple[Optional[int], ...]:
    """A tuple of positive ints or None; an int is refused with a hint."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        raise ValueError(
            f"Cannot convert '{shape}' to a shape: {what} must be a tuple, "
            f"e.g. {what}=({int(shape)},) (note the trailing comma)."
        )
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"Cannot convert '{shape!r}' to a shape.") from None
    out: List[Optional[int]] = []
    for d in dims:
        if d is None:
            out.append(None)
        elif isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0:
            out.append(int(d))
        else:
            raise ValueError(f"Cannot convert '{shape!r}' to a shape: dimensions must be "
                             f"non-negative integers or None.")
    return tuple(out)


class Layer:
    """Base class of every lamina layer.

    Args:
        trainable: whether the layer's weights are updated by `fit`.
        name: the layer's name; by default the snake-cased class name made
            unique (`dense`, `dense_1`, ...).
        dtype: only float32 (or None) is supported.
        input_shape / input_dim / batch_input_shape / batch_size: tf.keras 2.x
            spellings for the shape of a Sequential model's first layer.
    """

    # Keras builds some layers (Dropout, Activation, ...) in their
    # constructor; their configs then carry no build_config.
    _built_at_init = False
    # Keras's flag: the layer accepts a mask (and, unless `_mask_rule` says
    # otherwise, passes it on). A mask reaching a layer without it is dropped
    # with a warning, as Keras 3 does.
    supports_masking = False
    # Set by the model before `_add_to_plan`: whether the model is trainable
    # (a frozen model freezes BatchNormalization's behaviour too) and whether
    # a mask reaches this layer's input.
    _model_trainable = True
    _masked_input = False

    def __init__(
        self,
        *,
        activity_regularizer: Any = None,
        trainable: bool = True,
        dtype: Any = None,
        autocast: bool = True,
        name: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        unsupported.refuse_python_call(type(self))
        input_dim = kwargs.pop("input_dim", None)
        input_shape = kwargs.pop("input_shape", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        self._batch_size_arg = kwargs.pop("batch_size", None)
        kwargs.pop("input_length", None)  # tf.keras 2.x Embedding argument
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        self._input_shape_arg: Optional[Tuple[Optional[int], ...]] = None
        if input_dim is not None:
            self._input_shape_arg = standardize_shape((input_dim,), "input_dim")
        elif input_shape is not None:
            self._input_shape_arg = standardize_shape(input_shape, "input_shape")
        elif batch_input_shape is not None:
            full = standardize_shape(batch_input_shape, "batch_input_shape")
            self._batch_size_arg = full[0]
            self._input_shape_arg = full[1:]
        if self._input_shape_arg is not None:
            warnings.warn(
                "Do not pass an `input_shape`/`input_dim` argument to a layer. When using "
                "Sequential models, prefer using an `Input(shape)` object as the first layer "
                "in the model instead.",
                UserWarning,
                stacklevel=3,
            )
        if dtype not in (None, "float32", np.float32) and not (
            isinstance(dtype, dict) and dtype.get("config", {}).get("name") == "float32"
        ):
            raise ValueError(f"lamina computes in float32 only. Received: dtype={dtype!r}")
        self.name = name if name is not None else naming.auto_name(type(self).__name__)
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Layer name must be a non-empty string. Received: name={name!r}")
        self.activity_regularizer = regularizers.get(activity_regularizer)
        regularizers.native_l1l2(self.activity_regularizer, self.name, "activity_regularizer")
        self._trainable = bool(trainable)
        self.built = False
        self._weights: List[Variable] = []
        self._build_input_shape: Optional[Shape] = None
        self._output_shape: Optional[Shape] = None

    # -- weights ------------------------------------------------------------

    def _weight_rule(self, arg: str, identifier: Any) -> Any:
        """The regularizer or constraint a `<weight>_regularizer` /
        `<weight>_constraint` argument names, refused now, not at the first
        fit, when the engine cannot train with it (a custom one)."""
        value: Any
        if arg.endswith("_regularizer"):
            value = regularizers.get(identifier)
            regularizers.native_l1l2(value, self.name, arg)
        else:
            value = constraints.get(identifier)
            constraints.native_constraint(value, self.name, arg)
        return value

    def add_weight(
        self,
        shape: Sequence[int],
        initializer: Initializer,
        name: str,
        trainable: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
    ) -> Variable:
        """Creates a weight; its regularizer and constraint (if any) are applied
        by the engine during training, as Keras applies them.

        Raises:
            ValueError: for a regularizer or constraint lamina cannot train with.
        """
        value = initializer(tuple(shape))
        var = Variable(value, name=name, trainable=trainable, path=f"{self.name}/{name}")
        var.regularizer = regularizer
        var.constraint = constraint
        regularizers.native_l1l2(regularizer, self.name, f"{name} regularizer")
        constraints.native_constraint(constraint, self.name, f"{name} constraint")
        self._weights.append(var)
        return var

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        note_trainable_change()

    def _trainable_flags(self) -> Tuple[bool, ...]:
        """The trainable flags that decide which of this layer's weights
        train (a wrapper adds its sublayers'): part of the plan's cache key,
        cheap enough to check on every call."""
        return (self._trainable,)

    @property
    def weights(self) -> List[Variable]:
        return self.trainable_weights + self.non_trainable_weights

    @property
    def variables(self) -> List[Variable]:
        return self.weights

    @property
    def trainable_weights(self) -> List[Variable]:
        if not self._trainable:
            return []
        return [w for w in self._weights if w.trainable]

    @property
    def non_trainable_weights(self) -> List[Variable]:
        if not self._trainable:
            return list(self._weights)
        return [w for w in self._weights if not w.trainable]

    @property
    def trainable_variables(self) -> List[Variable]:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> List[Variable]:
        return self.non_trainable_weights

    def get_weights(self) -> List[np.ndarray]:
        """Copies of the weights, so a snapshot does not change later."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Copies `weights` in, checking their number and shapes.

        Raises:
            ValueError: if the count or a shape differs.
        """
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(own)} weights."
            )
        arrays = [np.asarray(w) for w in weights]
        for var, value in zip(own, arrays):
            if tuple(value.shape) != var.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {var.shape} is not compatible with "
                    f"provided weight shape {tuple(value.shape)}."
                )
        for var, value in zip(own, arrays):
            var.assign(value)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer "
                "isn't built. You can build it manually via: "
                f"`layer.build(input_shape)`."
            )
        return int(sum(int(np.prod(w.shape)) for w in self._weights))

    # -- shapes -------------------------------------------------------------

    def build(self, input_shape: Shape) -> None:
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def _build_and_infer(self, input_shape: Shape) -> Shape:
        """Builds against `input_shape` (batch dim included) and records shapes."""
        input_shape = tuple(input_shape)
        if not self.built:
            self.build(input_shape)
            self._build_input_shape = input_shape
            self.built = True
        self._output_shape = tuple(self.compute_output_shape(input_shape))
        return self._output_shape

    @property
    def input_shape(self) -> Shape:
        if self._build_input_shape is None:
            raise AttributeError(f"The layer '{self.name}' has never been called and thus "
                                 "has no defined input shape.")
        return self._build_input_shape

    @property
    def output_shape(self) -> Shape:
        if self._output_shape is None:
            raise AttributeError(f"The layer '{self.name}' has never been called and thus "
                                 "has no defined output shape.")
        return self._output_shape

    # -- native -------------------------------------------------------------

    def _plan_weights(self) -> List[Variable]:
        """The weights this layer's op binds, in its params() order (the
        engine pairs them with the plan's params). All of them by default;
        a layer with a weight the op never reads (Normalization's int64
        `count`) leaves it out."""
        return list(self._weights)

    def _add_to_plan(self, plan: Any) -> None:
        """Appends this layer's op to a `lamina._core.Plan`."""
        raise NotImplementedError(f"{type(self).__name__} has no native op.")

    def _mask_rule(self) -> str:
        """What the layer's (last) op does with a mask at its input, as
        `Plan.set_mask_rule` takes it: "keep" passes it on, "drop" ends it
        (a layer that reads the mask and outputs none, such as
        GlobalAveragePooling1D, also drops it), "new" replaces it with the
        mask the op computes (Embedding with mask_zero, Masking)."""
        return "keep" if self.supports_masking else "drop"

    # -- config -------------------------------------------------------------

    def get_config(self) -> Dict[str, Any]:
        config: Dict[str, Any] = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": dict(_DTYPE_POLICY, config=dict(_DTYPE_POLICY["config"])),
        }
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        # As in Keras 3, an `input_shape` argument is not part of the layer's
        # config: a Sequential model records it as its InputLayer.
        return config

    def get_build_config(self) -> Optional[Dict[str, Any]]:
        """`{"input_shape": ...}` for a layer built on an input shape, None
        otherwise, or for layers Keras builds in their constructor (they set
        `_built_at_init`), which have no build_config in Keras's configs."""
        if self._built_at_init or not self.built or self._build_input_shape is None:
            return None
        return {"input_shape": tuple(self._build_input_shape)}

    def build_from_config(self, config: Dict[str, Any]) -> None:
        """Builds the layer from `get_build_config()`'s output."""
        if config and config.get("input_shape") is not None:
            self._build_and_infer(tuple(config["input_shape"]))

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Layer:
        config = dict(config)
        batch_shape = config.pop("batch_shape", None)
        if batch_shape is not None:
            config["batch_input_shape"] = batch_shape
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
