"""Per-batch conversion and checks for generator and dataset batches: the
same as the trainer applies once to whole arrays (float32, the model's input
shape, targets against the loss), plus `class_weight`."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from lamina.trainers import compile_utils
from lamina.trainers.data_adapters.array_data_adapter import (
    Batch,
    check_cardinality,
    to_float32,
)


class BatchPreparer:
    """Turns one loaded `(x, y, sample_weight)` into the `Batch` the plan reads.

    Args:
        model: the Sequential being trained, evaluated or run.
        needs_targets: False for `predict` (targets in the batch are ignored).
        class_weight: checked class weights (training only), multiplied into
            any sample weights the batch carries.
    """

    def __init__(self, model: Any, needs_targets: bool = True,
                 class_weight: Optional[Dict[int, float]] = None) -> None:
        self.model = model
        self.needs_targets = needs_targets
        self.class_weight = class_weight
        self._warned = False

    def __call__(self, raw: Tuple[Any, ...]) -> Batch:
        x, y, sw = raw
        if x is None:
            raise ValueError("A batch from the data has no `x` (received None).")
        x_arr = to_float32(x, "x")
        model = self.model
        model._check_input(x_arr)
        model._ensure_built(x_arr.shape)
        n = int(x_arr.shape[0])
        if not self.needs_targets:
            return Batch(x_arr, None, None, None, n)
        if y is None:
            raise ValueError(
                "A batch from the data has no targets: a generator or PyDataset used for "
                "training or evaluation must yield `(x, y)` or `(x, y, sample_weight)`."
            )
        y_raw = to_float32(y, "y")
        sw_arr = None
        if sw is not None:
            sw_arr = to_float32(sw, "sample_weight")
            if sw_arr.ndim == 2 and sw_arr.shape[1] == 1:
                sw_arr = sw_arr.reshape(-1)
        check_cardinality(x_arr, y_raw, sw_arr)
        y_arr = compile_utils.prepare_targets(y_raw, model._loss_obj, model.output_shape,
                                              model.name)
        if self.class_weight is not None:
            # The same rule as for arrays (sparse labels, sequences, times
            # sample_weight); a missing class is reported once, not per batch.
            sw_arr = model._class_weights(y_arr, self.class_weight, sw_arr,
                                          warn_missing=not self._warned)
            self._warned = True
        return Batch(x_arr, y_arr, sw_arr, None, n)
