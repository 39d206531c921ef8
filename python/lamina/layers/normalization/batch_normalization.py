"""BatchNormalization over the last axis, with Keras 3's semantics."""

from __future__ import annotations

from typing import Any, Dict

from lamina import _core, initializers
from lamina.layers.layer import Layer, Shape


class BatchNormalization(Layer):
    """Normalises each feature (last axis) with the batch's mean and variance
    in training, moving `moving_mean`/`moving_variance` toward them
    (`moving = moving * momentum + batch * (1 - momentum)`), and with the
    moving statistics in inference. As in Keras 3, a non-trainable layer (or
    model) always runs in inference mode, also inside `fit`.

    Args:
        axis: the feature axis; lamina normalises the last one (-1).
        momentum, epsilon: Keras's defaults 0.99 and 0.001.
        center, scale: whether to learn `beta` / `gamma`.
        beta/gamma/moving_mean/moving_variance initializers, beta/gamma
            regularizers and constraints: as Keras.
        synchronized: accepted (one device).
        renorm: not supported (must be False).
    """

    supports_masking = True

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        synchronized: bool = False,
        renorm: bool = False,
        renorm_clipping: Any = None,
        renorm_momentum: float = 0.99,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise ValueError(f"BatchNormalization '{self.name}': `axis` must be an int. "
                             f"Received: axis={axis!r}")
        if renorm:
            raise ValueError(f"BatchNormalization '{self.name}': `renorm=True` is not supported "
                             "by lamina yet.")
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = self._weight_rule("beta_regularizer", beta_regularizer)
        self.gamma_regularizer = self._weight_rule("gamma_regularizer", gamma_regularizer)
        self.beta_constraint = self._weight_rule("beta_constraint", beta_constraint)
        self.gamma_constraint = self._weight_rule("gamma_constraint", gamma_constraint)
        self.synchronized = bool(synchronized)
        self.renorm = False
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.gamma: Any = None
        self.beta: Any = None
        self.moving_mean: Any = None
        self.moving_variance: Any = None

    def build(self, input_shape: Shape) -> None:
        rank = len(input_shape)
        axis = self.axis + rank if self.axis < 0 else self.axis
        if not 1 <= axis < rank:
            raise ValueError(f"BatchNormalization '{self.name}': axis {self.axis} is out of "
                             f"range for inputs of shape {tuple(input_shape)}.")
        if axis != rank - 1:
            raise ValueError(
                f"BatchNormalization '{self.name}': lamina normalises the last axis only "
                f"(channels_last); received axis={self.axis} for inputs of shape "
                f"{tuple(input_shape)}.")
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"BatchNormalization '{self.name}': the feature axis of the input "
                             f"must be defined. Received: {tuple(input_shape)}")
        shape = (int(channels),)
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, "gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, "beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer, "moving_mean",
                                           trainable=False)
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer,
                                               "moving_variance", trainable=False)
        super().build(input_shape)

    def _add_to_plan(self, plan: Any) -> None:
        if getattr(self, "_masked_input", False):
            # Keras computes masked batch statistics; lamina does not yet.
            raise ValueError(
                f"Layer '{self.name}': BatchNormalization on a masked sequence (after "
                "Embedding(mask_zero=True) or Masking) is not supported by lamina yet.")
        # Keras 3: `training and self.trainable` -- a frozen layer, or one in a
        # frozen model, always uses the moving statistics.
        frozen = not self.trainable or not getattr(self, "_model_trainable", True)
        weights = [w.value for w in (self.gamma, self.beta, self.moving_mean,
                                     self.moving_variance) if w is not None]
        plan.add(_core.ops.batch_norm(self.name, self.momentum, self.epsilon, self.center,
                                      self.scale, frozen), weights)

    def get_config(self) -> Dict[str, Any]:
        from lamina.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(self.gamma_initializer),
            "moving_mean_initializer": serialize_keras_object(self.moving_mean_initializer),
            "moving_variance_initializer": serialize_keras_object(
                self.moving_variance_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config
