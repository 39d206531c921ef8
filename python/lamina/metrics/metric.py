"""Metric base class: a stateful accumulator (`update_state`, `result`,
`reset_state`). Compiled metrics are accumulated by the native step; these
objects name them and also work on their own with numpy inputs."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np


class Metric:
    """Base class of lamina's metrics."""

    def __init__(self, name: Optional[str] = None, dtype: Any = None) -> None:
        self.name = name or type(self).__name__.lower()
        self._total = 0.0
        self._count = 0.0

    def reset_state(self) -> None:
        self._total = 0.0
        self._count = 0.0

    def reset_states(self) -> None:  # tf.keras 2.x name
        self.reset_state()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        raise NotImplementedError

    def result(self) -> float:
        return self._total / self._count if self._count else 0.0

    # -- native accumulation ----------------------------------------------------
    # A metric the engine can accumulate says so with `native` = (engine name,
    # numeric params); its state is then a slice of the plan's accumulators and
    # `result_from_state` turns it into the value. Metrics without a native
    # form (user subclasses) get `update_state` calls with numpy batches.

    @property
    def native(self) -> Optional[Tuple[str, Dict[str, float]]]:
        return None

    def result_from_state(self, state: np.ndarray) -> Any:
        """The result from the engine's state {total, count}."""
        return float(state[0] / state[1]) if state[1] else 0.0

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": "float32"}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
