"""LayerNormalization: normalises each sample over some of its axes."""

from __future__ import annotations

import warnings
from typing import Any, Dict, List

from lamina import _core, initializers
from lamina.layers.layer import Layer, Shape


class LayerNormalization(Layer):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta`, with the mean and
    (biased) variance taken per sample over `axis`.

    Args:
        axis: int or list of ints, the axes to normalise (default -1). lamina
            supports any contiguous block of non-batch axes.
        epsilon: small float added to the variance (default 1e-3).
        center: add the learned offset `beta`.
        scale: multiply by the learned scale `gamma`.
        beta_initializer, gamma_initializer, beta_regularizer,
        gamma_regularizer, beta_constraint, gamma_constraint: as in Keras.
        rms_scaling: Keras's deprecated mode, `x * rsqrt(var + epsilon) * gamma`.

    Raises:
        TypeError: for an `axis` that is not an int or a list of ints.
        ValueError: when built, for an axis out of range, the batch axis, or
            axes that are not contiguous.

    Weights:
        `gamma` then `beta`, each of the normalised axes' shape.
    """

    supports_masking = True

    def __init__(self, axis: Any = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated. This argument incorrectly "
                "scales the input by the variance, not the root mean square. To correctly use "
                "RMS Normalization, please use `keras.layers.RMSNormalization` instead.",
                stacklevel=2)
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis: Any = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError("Expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}")
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = self._weight_rule("beta_regularizer", beta_regularizer)
        self.gamma_regularizer = self._weight_rule("gamma_regularizer", gamma_regularizer)
        self.beta_constraint = self._weight_rule("beta_constraint", beta_constraint)
        self.gamma_constraint = self._weight_rule("gamma_constraint", gamma_constraint)
        self.gamma: Any = None
        self.beta: Any = None
        self._axis_begin = 0

    def _positive_axes(self, input_shape: Shape) -> List[int]:
        rank = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        out = []
        for a in axes:
            if isinstance(a, bool) or not isinstance(a, int) or not -rank <= a < rank:
                raise ValueError(f"Axis {a} is out of bounds for input shape "
                                 f"{tuple(input_shape)}. Received: axis={self.axis}")
            out.append(a % rank)
        out = sorted(out)
        if 0 in out:
            raise ValueError(f"LayerNormalization layer '{self.name}': lamina does not "
                             f"normalise over the batch axis. Received: axis={self.axis}")
        if out != list(range(out[0], out[0] + len(out))) or len(set(out)) != len(out):
            raise ValueError(f"LayerNormalization layer '{self.name}': lamina supports a "
                             f"contiguous block of axes only. Received: axis={self.axis}")
        return out

    def build(self, input_shape: Shape) -> None:
        axes = self._positive_axes(input_shape)
        dims = tuple(input_shape[a] for a in axes)
        if any(d is None for d in dims):
            raise ValueError(f"LayerNormalization layer '{self.name}' needs known sizes on "
                             f"the normalised axes. Received: input_shape={tuple(input_shape)}")
        shape = tuple(int(d or 0) for d in dims)
        # Keras keeps the axes as given, sorted, once built.
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        self._axis_begin = axes[0] - 1
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(shape, self.gamma_initializer, "gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(shape, self.beta_initializer, "beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        self._positive_axes(input_shape)
        return tuple(input_shape)

    def _add_to_plan(self, plan: Any) -> None:
        norm_shape = list(self.gamma.shape if self.gamma is not None else
                          self.beta.shape if self.beta is not None else
                          [self.input_shape[a] for a in self._positive_axes(self.input_shape)])
        op = _core.ops.layer_normalization(self.name, self._axis_begin, norm_shape,
                                           float(self.epsilon), bool(self.center),
                                           bool(self.scale), bool(self.rms_scaling))
        plan.add(op, [w.value for w in self._weights])

    def get_config(self) -> Dict[str, Any]:
        from lamina.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(self.gamma_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
        })
        return config
