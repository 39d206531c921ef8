"""Embedding: integer ids -> rows of a trainable `(input_dim, output_dim)` table."""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from lamina import _core, initializers
from lamina.layers.layer import Layer, Shape

# float32 holds every integer up to 2**24 exactly; lamina feeds ids as float32.
MAX_INPUT_DIM = 2**24


def _positive_int(value: Any, arg: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"`{arg}` must be a positive integer. Received: {arg}={value} "
            f"(of type {type(value).__name__})."
        )
    return int(value)


class Embedding(Layer):
    """Turns non-negative integer ids into dense vectors: `output[..., :] =
    embeddings[id]`.

    Ids are read as Keras reads them (cast to int32, so a float id is
    truncated toward zero). Every id is checked: one outside
    `[0, input_dim)`, or NaN, raises `ValueError` naming the layer, the id and
    where it is, never an out-of-bounds read.

    Args:
        input_dim: positive int, the vocabulary size (largest id + 1); at most
            2**24, the largest range float32 ids represent exactly.
        output_dim: positive int, the size of each vector.
        embeddings_initializer: initializer of the table (default
            `"uniform"`: U(-0.05, 0.05)).
        embeddings_regularizer: regularizer of the table.
        embeddings_constraint: constraint applied to the table after updates.
        mask_zero: if True, id 0 is padding: the layer outputs a mask (False at
            zeros) that later layers and the loss read, as in Keras.
        weights: optional initial table, an array (or a one-element list) of
            shape `(input_dim, output_dim)`.
        lora_rank, lora_alpha, quantization_config: not supported (must be
            None).
        input_length: tf.keras 2.x argument; when given, it sets the input
            shape of a Sequential model's first layer to `(input_length,)`.

    Input shape:
        `(batch_size, input_length)` (any rank of ids).

    Output shape:
        `(batch_size, input_length, output_dim)`.

    Raises:
        ValueError: for a non-positive or too large `input_dim`, a
            non-positive `output_dim`, weights of another shape, or an
            unsupported argument.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        weights: Any = None,
        lora_rank: Optional[int] = None,
        lora_alpha: Optional[float] = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        input_dim = _positive_int(input_dim, "input_dim")
        output_dim = _positive_int(output_dim, "output_dim")
        if input_dim > MAX_INPUT_DIM:
            raise ValueError(
                f"`input_dim` must be at most 2**24 = {MAX_INPUT_DIM}: lamina reads ids as "
                "float32, which represents integers exactly only up to 2**24. "
                f"Received: input_dim={input_dim}"
            )
        input_length = kwargs.pop("input_length", None)
        super().__init__(**kwargs)
        for arg, value in (("lora_rank", lora_rank), ("lora_alpha", lora_alpha),
                           ("quantization_config", quantization_config)):
            if value is not None:
                raise ValueError(f"Embedding `{arg}` is not supported by lamina yet.")
        if input_length is not None and self._input_shape_arg is None:
            # tf.keras 2.x: the first layer's input is (input_length,).
            self._input_shape_arg = (_positive_int(input_length, "input_length"),)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = self._weight_rule(
            "embeddings_regularizer", embeddings_regularizer)
        self.embeddings_constraint = self._weight_rule(
            "embeddings_constraint", embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.embeddings: Any = None
        if weights is not None:
            self._make_table()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def _make_table(self) -> None:
        self.embeddings = self.add_weight(
            (self.input_dim, self.output_dim), self.embeddings_initializer, "embeddings",
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint,
        )

    def build(self, input_shape: Shape) -> None:
        if self.embeddings is None:
            self._make_table()
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape) + (self.output_dim,)

    def _mask_rule(self) -> str:
        # Keras: with mask_zero the output carries a new mask; without it the
        # layer does not support masking (an incoming mask is dropped).
        return "new" if self.mask_zero else "drop"

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(
            _core.ops.embedding(self.name, self.input_dim, self.output_dim, self.mask_zero),
            [self.embeddings.value],
        )

    def _check_ids(self, x: np.ndarray, what: str = "the input") -> None:
        """Checks every id of `x` (float32, batch first) the way the native op
        does, but reports positions in the caller's whole array.

        Raises:
            ValueError: naming the layer, the first bad id and its sample and
                timestep (position, for ids of rank > 1).
        """
        bad = ~((x > -1.0) & (x < float(self.input_dim)))  # NaN is bad too
        if not bad.any():
            return
        flat = int(np.argmax(bad.reshape(-1)))
        where = np.unravel_index(flat, x.shape)
        value = float(x.reshape(-1)[flat])
        place = (f"timestep {where[1]}" if len(where) == 2
                 else f"position {tuple(int(i) for i in where[1:])}")
        raise ValueError(
            f"Layer '{self.name}' (Embedding) received id {_id_text(value)} at sample "
            f"{where[0]} of {what}, {place}; ids must be integers in [0, {self.input_dim}) "
            f"(input_dim={self.input_dim})."
        )

    def get_config(self) -> Dict[str, Any]:
        from lamina.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": serialize_keras_object(self.embeddings_initializer),
                "embeddings_regularizer": serialize_keras_object(self.embeddings_regularizer),
                "activity_regularizer": serialize_keras_object(self.activity_regularizer),
                "embeddings_constraint": serialize_keras_object(self.embeddings_constraint),
                "mask_zero": self.mask_zero,
                "quantization_config": None,
            }
        )
        return config


def _id_text(value: float) -> str:
    """An id as Keras would read it (truncated), with the raw value when it
    was not an integer."""
    if not np.isfinite(value):
        return str(value)
    truncated = int(np.trunc(value))
    return str(truncated) if truncated == value else f"{truncated} (from the value {value:.9g})"
