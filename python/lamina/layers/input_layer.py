"""`keras.Input` and `InputLayer`: the shape a Sequential model expects."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from lamina.layers.layer import Layer, Shape, standardize_shape

_INTEGER_DTYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}


def _integer_dtype(dtype: Any) -> Optional[str]:
    """The name of an integer dtype (ids for an Embedding), else None."""
    if dtype is None or isinstance(dtype, dict):
        return None
    try:
        name = np.dtype(dtype).name
    except TypeError:
        return None
    return name if name in _INTEGER_DTYPES else None


class KerasTensor:
    """A symbolic placeholder: what `keras.Input(...)` returns."""

    def __init__(self, shape: Shape, name: str, layer: InputLayer) -> None:
        self.shape = tuple(shape)
        self.dtype = layer.input_dtype
        self.name = name
        self._keras_history = layer

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


class InputLayer(Layer):
    """Declares the input shape of a model.

    Args:
        shape: per-sample shape, without the batch dimension.
        batch_size: optional fixed batch size.
        batch_shape: full shape including the batch dimension (instead of
            `shape` and `batch_size`).
        dtype: float32 (the default) or an integer dtype (`"int32"`, ...)
            for the ids an Embedding reads; lamina feeds either as float32,
            which holds ids exactly up to 2**24.
        name: defaults to `input_layer`, `input_layer_1`, ...
    """

    def __init__(
        self,
        shape: Any = None,
        batch_size: Optional[int] = None,
        dtype: Any = None,
        sparse: Optional[bool] = None,
        batch_shape: Any = None,
        input_tensor: Any = None,
        optional: bool = False,
        name: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        # tf.keras 2.x spellings.
        if shape is None and "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if batch_shape is None and "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        # Integer inputs (ids) are recorded for the config and fed as float32.
        self.input_dtype = _integer_dtype(dtype) or "float32"
        super().__init__(name=name, dtype=None if _integer_dtype(dtype) else dtype, **kwargs)
        if sparse:
            raise ValueError("lamina does not support sparse inputs.")
        if input_tensor is not None:
            raise ValueError("`input_tensor` is not supported by lamina.")
        if shape is not None and batch_shape is not None:
            raise ValueError(
                "You cannot pass both `shape` and `batch_shape` at the same time."
            )
        if batch_shape is not None:
            full = standardize_shape(batch_shape, "batch_shape")
            batch_size, shape = full[0], full[1:]
        if shape is None:
            raise ValueError("You must pass a `shape` argument.")
        self.shape: Tuple[Optional[int], ...] = standardize_shape(shape, "shape")
        self.batch_size = batch_size
        self.built = True
        self._build_input_shape = (batch_size,) + self.shape
        self._output_shape = self._build_input_shape
        self.output = KerasTensor(self._output_shape, self.name, self)

    @property
    def batch_shape(self) -> Shape:
        return (self.batch_size,) + self.shape

    def get_config(self) -> Dict[str, Any]:
        return {
            "batch_shape": self.batch_shape,
            "dtype": self.input_dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": False,
        }

    def get_build_config(self) -> Optional[Dict[str, Any]]:
        return None  # built at construction: Keras writes no build_config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> InputLayer:
        config = dict(config)
        for key in ("ragged", "sparse", "optional"):
            config.pop(key, None)
        return cls(**config)


def Input(  # noqa: N802 -- Keras's public name
    shape: Any = None,
    batch_size: Optional[int] = None,
    dtype: Any = None,
    sparse: Optional[bool] = None,
    batch_shape: Any = None,
    name: Optional[str] = None,
    tensor: Any = None,
    optional: bool = False,
) -> KerasTensor:
    """Returns a symbolic input of the given per-sample `shape`."""
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        batch_shape=batch_shape,
        name=name,
        input_tensor=tensor,
        optional=optional,
    )
    return layer.output
