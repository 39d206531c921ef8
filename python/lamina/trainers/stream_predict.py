"""`predict` on a generator or PyDataset: the number of samples is not known
up front, so each batch's outputs are collected and joined at the end."""

from __future__ import annotations

from typing import Any, List, Optional

import numpy as np

from lamina.callbacks.callback_list import CallbackList
from lamina.trainers.data_adapters.batch_preparer import BatchPreparer
from lamina.trainers.data_adapters.data_adapter_factory import first_arrays, get_data_adapter
from lamina.trainers.epoch_iterator import EpochIterator


def predict_stream(
    model: Any,
    data: Any,
    verbose: int,
    steps: Optional[int],
    callbacks: Any,
    workers: Any,
    use_multiprocessing: Any,
    max_queue_size: Any,
) -> np.ndarray:
    """The model's outputs for every batch of `data` (or its first `steps`), concatenated.

    Raises:
        ValueError: if the data yields no batch.
    """
    adapter = get_data_adapter(
        data, shuffle=False, prepare=BatchPreparer(model, needs_targets=False),
        workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size,
    )
    plan = model._get_plan(*first_arrays(adapter))
    iterator = EpochIterator(adapter, steps)
    out_shape = tuple(plan.output_shape)
    quiet = verbose == 0 and not callbacks
    if not quiet and not isinstance(callbacks, CallbackList):
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=model,
                                 verbose=verbose, epochs=1, steps=iterator.num_batches)
    if not quiet:
        callbacks.on_predict_begin()
    outputs: List[np.ndarray] = []
    for step, batch in iterator.enumerate_epoch():
        if not quiet:
            callbacks.on_predict_batch_begin(step)
        chunk = np.empty((batch.size,) + out_shape, dtype=np.float32)
        plan.predict(batch.x, chunk, batch.row_index)
        outputs.append(chunk)
        if not quiet:
            callbacks.on_predict_batch_end(step, {"outputs": chunk})
    if not quiet:
        callbacks.on_predict_end()
    if not outputs:
        raise ValueError(
            f"predict() received no batches from the {type(data).__name__} passed as data."
        )
    return np.concatenate(outputs, axis=0) if len(outputs) > 1 else outputs[0]
