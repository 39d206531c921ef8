"""The common ground of layers that wrap other layers (TimeDistributed,
Bidirectional): their weights are the wrapped layers' weights, and their
native op wraps the ops the wrapped layers would add to a plan."""

from __future__ import annotations

from typing import Any, List, Sequence, Tuple

from lamina.backend.variable import Variable
from lamina.layers.layer import Layer, note_trainable_change


class OpCapture:
    """Stands in for a `lamina._core.Plan` while a wrapped layer describes
    itself, and keeps the one op it adds and the weights it binds."""

    def __init__(self, wrapper: str, layer: Layer) -> None:
        self.op: Any = None
        self.weights: List[Any] = []
        self._wrapper = wrapper
        self._layer = layer

    @property
    def num_ops(self) -> int:
        return 0 if self.op is None else 1

    def add(self, op: Any, weights: Sequence[Any] = ()) -> None:
        if self.op is not None:
            raise ValueError(
                f"Layer '{self._wrapper}' cannot wrap layer '{self._layer.name}' "
                f"({type(self._layer).__name__}): lamina wraps layers of one native op.")
        self.op, self.weights = op, list(weights)

    @classmethod
    def of(cls, wrapper: Layer, layer: Layer) -> OpCapture:
        """The op and weights `layer` adds to a plan, captured."""
        capture = cls(wrapper.name, layer)
        layer._model_trainable = getattr(wrapper, "_model_trainable", True)
        layer._masked_input = getattr(wrapper, "_masked_input", False)
        layer._add_to_plan(capture)
        if capture.op is None:
            raise ValueError(
                f"Layer '{wrapper.name}' cannot wrap layer '{layer.name}' "
                f"({type(layer).__name__}): it adds no native op.")
        return capture


class Wrapper(Layer):
    """A layer whose weights belong to the layers it wraps (`_wrapped()`)."""

    def _wrapped(self) -> List[Layer]:
        raise NotImplementedError

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        # Keras 3 sets the flag on every sublayer.
        self._trainable = bool(value)
        note_trainable_change()
        for layer in self._wrapped():
            layer.trainable = value

    def _trainable_flags(self) -> Tuple[bool, ...]:
        return (self._trainable,) + tuple(
            flag for layer in self._wrapped() for flag in layer._trainable_flags())

    @property
    def trainable_weights(self) -> List[Variable]:
        if not self.trainable:
            return []
        return [w for layer in self._wrapped() for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> List[Variable]:
        if not self.trainable:
            return [w for layer in self._wrapped() for w in layer.weights]
        return [w for layer in self._wrapped() for w in layer.non_trainable_weights]

    def _claim_weights(self) -> None:
        """Prefixes the wrapped layers' weight paths with this layer's name,
        as Keras names them (`time_distributed/dense/kernel`)."""
        for layer in self._wrapped():
            for w in layer.weights:
                if not w.path.startswith(self.name + "/"):
                    w.path = f"{self.name}/{w.path}"

    def count_params(self) -> int:
        if not self.built:
            return super().count_params()
        return sum(layer.count_params() for layer in self._wrapped())

    def _plan_weights(self) -> List[Variable]:
        return [w for layer in self._wrapped() for w in layer._plan_weights()]

    def _saving_children(self) -> List[Tuple[str, Layer]]:
        raise NotImplementedError
