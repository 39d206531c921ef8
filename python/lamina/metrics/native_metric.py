"""Metrics whose math is the native core's: one implementation for both paths.

Compiled into a model, the engine accumulates the metric (`native` names the
engine's class and its numeric params) and the trainer reads the state back
through `result_from_state`. Standalone, `update_state` prepares the numpy
batch as Keras would reshape and weight it, then runs the same native kernel
(`lamina._core.kernels.metric_update`) on a float64 numpy state of the same
layout, and `result()` is `result_from_state` of that state.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from lamina import _core
from lamina.metrics.metric import Metric, to_result
from lamina.ops.tensor import Tensor, Variable

Batch = Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]


def as_float32(x: Any) -> np.ndarray:
    if isinstance(x, Variable):
        x = x.value
    return np.asarray(x, dtype=np.float32)


def squeeze_or_expand_to_same_rank(
    x1: np.ndarray, x2: np.ndarray, expand_rank_1: bool = True
) -> Tuple[np.ndarray, np.ndarray]:
    """Keras's rule: when the ranks differ by one and the longer one ends in a
    1, squeeze it (or expand a rank-1 partner)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def contiguous(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


class NativeStateMetric(Metric):
    """A metric whose state is a run of doubles updated by a native kernel.

    Subclasses set `engine_name`, return their params from `engine_params`,
    shape a batch in `prepare` and read the state in `result_from_state`.
    """

    engine_name = ""

    def __init__(self, name: Optional[str] = None, dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self._state: Optional[np.ndarray] = None

    def engine_params(self) -> Dict[str, float]:
        return {}

    @property
    def native(self) -> Tuple[str, Dict[str, float]]:
        """The engine's name for this metric and its numeric parameters."""
        return self.engine_name, self.engine_params()

    def prepare(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Batch:
        """(pred [rows, cols], y [rows * y_cols], weight per row or None)."""
        raise NotImplementedError

    def state_size(self, cols: int) -> int:
        return int(_core.kernels.metric_state_size(self.engine_name, self.engine_params(), cols))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds one batch of labels and predictions (numpy arrays or lists)."""
        pred, y, sw = self.prepare(y_true, y_pred, sample_weight)
        if self._state is None:
            self._state = np.zeros(self.state_size(pred.shape[1]))
        _core.kernels.metric_update(
            self.engine_name, self.engine_params(), self._state, pred, y, sw
        )

    def reset_state(self) -> None:
        if self._state is not None:
            self._state[:] = 0.0

    def current_state(self) -> np.ndarray:
        """The state so far (zeros, sized for one column, before any update)."""
        return self._state if self._state is not None else np.zeros(self.state_size(1))

    def result(self) -> Tensor:
        return to_result(self.result_from_state(self.current_state()))

    def result_from_state(self, state: np.ndarray) -> Any:
        raise NotImplementedError
