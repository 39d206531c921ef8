"""Metric base class: a stateful accumulator (`update_state`, `result`,
`reset_state`).

Built-in metrics keep their state as a run of doubles that the native core
updates (see `native_metric.py`); compiled into a model, the engine owns that
state and `result_from_state` reads it. User subclasses keep Keras's
contract: state in variables made with `add_weight`/`add_variable`, updated
with numpy batches in `update_state`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from lamina.ops.tensor import Tensor, Variable, as_tensor, standardize_dtype
from lamina.utils.naming import auto_name


class Metric:
    """Base class of lamina's metrics and of user-defined ones.

    Args:
        name: the metric's name; also its key in `History` when compiled.
        dtype: the dtype of the variables and the result (default float32).
    """

    def __init__(self, name: Optional[str] = None, dtype: Any = None) -> None:
        # Keras's auto_name: "auc", then "auc_1", ... (shared with layer names).
        self.name = name or auto_name(type(self).__name__)
        self._dtype = standardize_dtype(dtype).name if dtype is not None else "float32"
        self._variables: List[Variable] = []

    @property
    def dtype(self) -> str:
        return self._dtype

    # -- state ------------------------------------------------------------------

    def add_variable(
        self,
        shape: Any = (),
        initializer: Any = "zeros",
        dtype: Any = None,
        aggregation: str = "sum",
        name: Optional[str] = None,
    ) -> Variable:
        """A new state variable, reset to zeros by the default `reset_state`."""
        variable = Variable(initializer, shape=tuple(shape or ()), dtype=dtype or self._dtype,
                            name=name)
        self._variables.append(variable)
        return variable

    def add_weight(
        self, name: Optional[str] = None, shape: Any = (), initializer: Any = "zeros",
        dtype: Any = None, aggregation: str = "sum", **kwargs: Any,
    ) -> Variable:
        """Keras's older name for `add_variable`."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype,
                                 aggregation=aggregation, name=name)

    @property
    def variables(self) -> List[Variable]:
        return list(self._variables)

    def reset_state(self) -> None:
        """Sets every variable to zeros (Keras's default)."""
        for variable in self._variables:
            variable.assign(np.zeros(variable.shape))

    def reset_states(self) -> None:  # tf.keras 2.x name
        self.reset_state()

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def result(self) -> Any:
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Updates the state with one batch and returns the result."""
        self.update_state(*args, **kwargs)
        return self.result()

    # -- native accumulation ----------------------------------------------------
    # A metric the engine can accumulate says so with `native` = (engine name,
    # numeric params); its state is then a slice of the plan's accumulators and
    # `result_from_state` turns it into the value. Metrics without a native
    # form (user subclasses) get `update_state` calls with numpy batches.

    @property
    def native(self) -> Optional[Tuple[str, Dict[str, float]]]:
        return None

    def result_from_state(self, state: np.ndarray) -> Any:
        """The result from the engine's state (native metrics override this)."""
        raise NotImplementedError(f"{type(self).__name__} has no native state.")

    # -- config -------------------------------------------------------------------

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self._dtype}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def to_result(value: Any) -> Tensor:
    """A result as Keras returns it: a float32 tensor (0-d for a scalar)."""
    return as_tensor(np.asarray(value, dtype=np.float32))
