"""Weight initializers with Keras 3's names, defaults and formulas."""

from __future__ import annotations

import math
from typing import Any, Dict, Optional, Tuple

import numpy as np

from lamina.utils import rng_utils


def _fans(shape: Tuple[int, ...]) -> Tuple[float, float]:
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = float(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: `initializer(shape, dtype=None)` returns a numpy array."""

    def __call__(self, shape: Tuple[int, ...], dtype: Any = None) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> Dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Initializer:
        return cls(**config)

    def _rng(self) -> np.random.Generator:
        seed = getattr(self, "seed", None)
        return np.random.default_rng(seed) if seed is not None else rng_utils.generator()


class Zeros(Initializer):
    def __call__(self, shape: Tuple[int, ...], dtype: Any = None) -> np.ndarray:
        return np.zeros(shape, dtype=np.float32)


class Ones(Initializer):
    def __call__(self, shape: Tuple[int, ...], dtype: Any = None) -> np.ndarray:
        return np.ones(shape, dtype=np.float32)


class Constant(Initializer):
    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Tuple[int, ...], dtype: Any = None) -> np.ndarray:
        return np.full(shape, self.value, dtype=np.float32)

    def get_config(self) -> Dict[str, Any]:
        return {"value": self.value}


class RandomUniform(Initializer):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Optional[int] = None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape: Tuple[int, ...], dtype: Any = None) -> np.ndarray:
        return self._rng().uniform(self.minval, self.maxval, size=shape).astype(np.float32)

    def get_config(self) -> Dict[str, Any]:
        return {"seed": self.seed, "minval": self.minval, "maxval": self.maxval}


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Optional[int] = None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Tuple[int, ...], dtype: Any = None) -> np.ndarray:
        return self._rng().normal(self.mean, self.stddev, size=shape).astype(np.float32)

    def get_config(self) -> Dict[str, Any]:
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}


def _truncated_normal(rng: np.random.Generator, stddev: float, shape: Tuple[int, ...]):
    # Redraw values beyond two standard deviations, as TensorFlow does.
    out = rng.normal(0.0, stddev, size=shape)
    bad = np.abs(out) > 2 * stddev
    while bad.any():
        out[bad] = rng.normal(0.0, stddev, size=int(bad.sum()))
        bad = np.abs(out) > 2 * stddev
    return out


class TruncatedNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Optional[int] = None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Tuple[int, ...], dtype: Any = None) -> np.ndarray:
        values = self.mean + _truncated_normal(self._rng(), self.stddev, shape)
        return values.astype(np.float32)

    def get_config(self) -> Dict[str, Any]:
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}


class VarianceScaling(Initializer):
    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: Optional[int] = None,
        input_axes: Any = None,
        output_axes: Any = None,
    ) -> None:
        if input_axes is not None or output_axes is not None:
            raise ValueError(
                f"{type(self).__name__}: `input_axes`/`output_axes` are not supported by lamina "
                f"yet. Received: input_axes={input_axes}, output_axes={output_axes}"
            )
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError(f"Invalid `mode` argument: {mode}")
        distribution = distribution.lower()
        if distribution not in {"uniform", "truncated_normal", "untruncated_normal"}:
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape: Tuple[int, ...], dtype: Any = None) -> np.ndarray:
        fan_in, fan_out = _fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, size=shape)
        elif self.distribution == "truncated_normal":
            # 0.879... is the stddev of a unit normal truncated at two sigmas.
            values = _truncated_normal(rng, math.sqrt(variance) / 0.87962566103423978, shape)
        else:
            values = rng.normal(0.0, math.sqrt(variance), size=shape)
        return values.astype(np.float32)

    def get_config(self) -> Dict[str, Any]:
        return {
            "seed": self.seed,
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": None,
            "output_axes": None,
        }


def _scaling(name: str, scale: float, mode: str, distribution: str) -> type:
    def __init__(self: VarianceScaling, seed: Optional[int] = None, input_axes: Any = None,
                 output_axes: Any = None) -> None:
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self: VarianceScaling) -> Dict[str, Any]:
        # Keras 3.15's keys (the axes arrived in 3.15).
        return {"seed": self.seed, "input_axes": None, "output_axes": None}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config})


GlorotUniform = _scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")

class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix, as Keras 3 draws it: the Q of a QR
    factorisation of a standard normal matrix, signs fixed by R's diagonal,
    times `gain`. Shapes of rank > 2 are flattened to (prod(shape[:-1]),
    shape[-1]). The normal draws come from numpy (Keras uses its backend's
    generator), so a seed gives a reproducible, not Keras's, matrix.

    Args:
        gain: multiplicative factor.
        seed: optional integer seed.

    Raises:
        ValueError: for a shape of rank < 2.
    """

    def __init__(self, gain: float = 1.0, seed: Optional[int] = None) -> None:
        self.gain = gain
        self.seed = seed

    def __call__(self, shape: Tuple[int, ...], dtype: Any = None) -> np.ndarray:
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. Received: "
                f"shape={tuple(shape)} of rank {len(shape)}."
            )
        rows = int(np.prod(shape[:-1]))
        cols = int(shape[-1])
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(np.float32)

    def get_config(self) -> Dict[str, Any]:
        return {"seed": self.seed, "gain": self.gain}


_BY_NAME = {
    "zeros": Zeros,
    "zero": Zeros,
    "ones": Ones,
    "one": Ones,
    "constant": Constant,
    "random_uniform": RandomUniform,
    "uniform": RandomUniform,
    "random_normal": RandomNormal,
    "normal": RandomNormal,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal,
}
for _cls in list(_BY_NAME.values()):
    _BY_NAME.setdefault(_cls.__name__, _cls)


def get(identifier: Any) -> Initializer:
    """Resolves a name, a class, an instance or a callable to an initializer.

    Raises:
        ValueError: for an unknown name or object.
    """
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(
                f"Could not interpret initializer identifier: {identifier!r}. "
                f"Known names: {sorted(k for k in _BY_NAME if k.islower())}"
            )
        return cls()
    if isinstance(identifier, dict) and "class_name" in identifier:
        cls = _BY_NAME.get(identifier["class_name"])
        if cls is not None:
            return cls(**identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(initializer: Initializer) -> Dict[str, Any]:
    return {
        "module": "keras.initializers",
        "class_name": type(initializer).__name__,
        "config": initializer.get_config(),
        "registered_name": None,
    }


__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "get",
    "serialize",
]
