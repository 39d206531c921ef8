"""compile / fit / evaluate / predict and the *_on_batch methods.

Each batch is one native call (`lamina._core.Plan.train_step` and friends)
with the GIL released; this module owns epochs, validation and callbacks.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional

import numpy as np

from lamina import _core
from lamina import optimizers as optimizers_module
from lamina.callbacks.callback_list import CallbackList
from lamina.trainers import compile_utils
from lamina.trainers.data_adapters.array_data_adapter import (
    ArrayDataAdapter,
    Batch,
    check_batch_size,
    check_cardinality,
    to_float32,
    train_validation_split,
)
from lamina.trainers.data_adapters.batch_preparer import BatchPreparer
from lamina.trainers.data_adapters.data_adapter_factory import (
    check_stream_arguments,
    first_arrays,
    get_data_adapter,
    is_array_data,
)
from lamina.trainers.data_adapters.data_adapter_utils import check_class_weight
from lamina.trainers.data_adapters.loader_scope import closes_loaders
from lamina.trainers.epoch_iterator import EpochIterator
from lamina.trainers.stream_predict import predict_stream


def _verbose_level(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 0, 1, 2 or 'auto'. Received: verbose={verbose!r}")
    return int(verbose)


class Tensor(np.ndarray):
    """What calling a model returns: a numpy array that also has `.numpy()`,
    for scripts written against TensorFlow's eager tensors."""

    def numpy(self) -> np.ndarray:
        return np.asarray(self).copy()


class Trainer:
    """Mixed into Sequential, which provides the members declared here."""

    name: str

    @property
    def layers(self) -> List[Any]:
        raise NotImplementedError

    @property
    def output_shape(self) -> Any:
        raise NotImplementedError

    @property
    def trainable_weights(self) -> List[Any]:
        raise NotImplementedError

    def _ensure_built(self, x_shape: Any) -> None:
        raise NotImplementedError

    def _check_input(self, x: np.ndarray) -> None:
        raise NotImplementedError

    def _input_per_sample(self) -> Any:
        raise NotImplementedError

    def _native_weights(self) -> Any:
        raise NotImplementedError

    def _init_trainer(self) -> None:
        self.compiled = False
        self.optimizer: Any = None
        self.loss: Any = None
        self._loss_obj: Any = None
        self._compiled_metrics: Optional[compile_utils.CompiledMetrics] = None
        self._compile_version = 0
        self._plan: Any = None
        self._plan_key: Any = None
        self._metric_states: List[Any] = []
        self._python_metrics: List[Any] = []
        self._plan_lock = threading.Lock()
        self.stop_training = False
        self.history: Any = None

    # -- compile ------------------------------------------------------------

    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        metrics: Any = None,
        loss_weights: Any = None,
        sample_weight_mode: Any = None,
        weighted_metrics: Any = None,
        target_tensors: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: Any = "auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Configures the model for training.

        Args:
            optimizer: name (`"adam"`, `"sgd"`) or optimizer instance.
            loss: name, class, instance or `keras.losses` function.
            metrics: list of metric names or instances; `"accuracy"`/`"acc"`
                are resolved by shapes, and logged under the name as spelled.
            loss_weights, weighted_metrics: not supported yet (must be None).
            sample_weight_mode, run_eagerly, steps_per_execution, jit_compile,
                auto_scale_loss: accepted; they change nothing in lamina.
            target_tensors: tf.keras 2.x; must be None.

        Raises:
            ValueError: for an unknown optimizer, loss or metric.
        """
        if target_tensors is not None:
            raise ValueError(
                "`target_tensors` is not supported: pass the targets to `fit()` as `y` instead."
            )
        if loss_weights is not None or weighted_metrics is not None:
            raise ValueError("`loss_weights` and `weighted_metrics` are not supported by lamina "
                             "yet.")
        self.optimizer = optimizers_module.get(optimizer)
        self._loss_obj = compile_utils.resolve_loss(loss) if loss is not None else None
        self.loss = loss
        self._compiled_metrics = compile_utils.CompiledMetrics(metrics)
        self._compile_version += 1
        self.compiled = True
        self._plan = None
        # What get_compile_config() writes, as Keras records it: the resolved
        # optimizer, the other arguments as given ("auto" jit resolves to
        # False, as Keras's TensorFlow backend does on a CPU).
        self._compile_config: Dict[str, Any] = {
            "optimizer": self.optimizer, "loss": loss, "loss_weights": loss_weights,
            "metrics": metrics, "weighted_metrics": weighted_metrics,
            "run_eagerly": run_eagerly, "steps_per_execution": steps_per_execution,
            "jit_compile": False if jit_compile == "auto" or run_eagerly else jit_compile,
        }

    def get_compile_config(self) -> Dict[str, Any]:
        """The compile() arguments in Keras 3's serialized form ({} if not compiled).

        Raises:
            ValueError: if a compile argument cannot be serialized (a lambda).
        """
        if not self.compiled or not hasattr(self, "_compile_config"):
            return {}
        from lamina.saving import serialization_lib

        return serialization_lib.serialize_keras_object(self._compile_config)  # type: ignore

    def compile_from_config(self, config: Dict[str, Any]) -> None:
        """Compiles the model from `get_compile_config()`'s output (lamina's or
        Keras's) and creates the optimizer's state if the model is built.

        Raises:
            ValueError / TypeError: for an optimizer, loss or metric that
                cannot be resolved.
        """
        from lamina.saving import serialization_lib

        kwargs = serialization_lib.deserialize_compile_config(config)
        known = ("optimizer", "loss", "metrics", "loss_weights", "weighted_metrics",
                 "run_eagerly", "steps_per_execution", "jit_compile")
        self.compile(**{k: v for k, v in kwargs.items() if k in known})
        if self.optimizer is not None and getattr(self, "built", False):
            self.optimizer.build(self.trainable_weights)

    @property
    def metrics_names(self) -> List[str]:
        """`['loss', <metric names>...]`, flat (Keras 3 nests compiled metrics)."""
        if not self.compiled:
            return []
        return ["loss"] + (self._compiled_metrics.names if self._compiled_metrics else [])

    def _assert_compiled(self, method: str) -> None:
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before calling `{method}()`.")
        if self._loss_obj is None:
            raise ValueError(f"You must pass a `loss` to `compile()` before calling `{method}()`.")

    # -- native plan ----------------------------------------------------------

    def _get_plan(self, x: np.ndarray, y: Optional[np.ndarray] = None) -> Any:
        """The compiled native plan for this model, rebuilt only when the model,
        its trainable flags or the compile configuration changed."""
        self._ensure_built(x.shape)
        metrics = self._compiled_metrics
        if y is not None and metrics is not None and not metrics.resolved:
            metrics.resolve(tuple(y.shape), self.output_shape)
            self._plan = None
        key = (
            self._compile_version,
            tuple(id(layer) for layer in self.layers),
            tuple(layer.trainable for layer in self.layers),
            getattr(self, "trainable", True),
        )
        if self._plan is not None and self._plan_key == key:
            return self._plan
        with self._plan_lock:
            if self._plan is not None and self._plan_key == key:
                return self._plan
            plan = _core.Plan(list(self._input_per_sample()))
            for layer in self.layers:
                layer._add_to_plan(plan)
            if self.compiled and self._loss_obj is not None:
                plan.set_loss(*self._loss_obj.native)
                for m in metrics.native if metrics is not None else []:
                    plan.add_metric(*m.native)
                weights, flags = self._native_weights()
                self.optimizer._attach(plan, flags, weights)
            self._metric_states = self._state_slices(plan)
            self._python_metrics = [m for m, start, _ in self._metric_states if start is None]
            self._plan, self._plan_key = plan, key
            return plan

    def _state_slices(self, plan: Any) -> List[Any]:
        """(metric, start, stop) per compiled metric, in compile order: where a
        native metric's state lies in the plan's accumulators (after the loss
        tracker's two values); (metric, None, None) for Python-side metrics."""
        metrics = self._compiled_metrics.metrics if self._compiled_metrics else []
        sizes = iter(plan.metric_state_sizes())
        slices: List[Any] = []
        start = 2
        for metric in metrics:
            if metric.native is None:
                slices.append((metric, None, None))
                continue
            stop = start + next(sizes)
            slices.append((metric, start, stop))
            start = stop
        return slices

    def _logs(self, plan: Any) -> Dict[str, Any]:
        """Running values of the loss and every metric, in compile order."""
        acc = plan.accumulators()
        logs: Dict[str, Any] = {"loss": acc[0] / acc[1] if acc[1] else 0.0}
        for metric, start, stop in self._metric_states:
            if start is None:
                logs[metric.name] = metric.result()
            else:
                logs[metric.name] = metric.result_from_state(np.asarray(acc[start:stop]))
        return logs

    def _update_python_metrics(self, plan: Any, batch: Batch) -> None:
        """Feeds this batch's labels and predictions to metrics that are not
        accumulated natively (user-defined `keras.metrics.Metric` subclasses)."""
        metrics = self._python_metrics
        if not metrics or batch.y is None:
            return
        y_pred = plan.last_output()
        y_true = batch.y if batch.row_index is None else batch.y[batch.row_index]
        for metric in metrics:
            metric.update_state(y_true, y_pred)

    def _reset_metric_states(self, plan: Any) -> None:
        plan.reset_metrics()
        for metric in self._python_metrics:
            metric.reset_state()

    def reset_metrics(self) -> None:
        if self._plan is not None:
            self._reset_metric_states(self._plan)

    def _prepare(self, x: Any, y: Any) -> Any:
        """Converts and checks x and y; returns (x, y) as the plan reads them."""
        x_arr = to_float32(x, "x")
        self._check_input(x_arr)
        self._ensure_built(x_arr.shape)
        if y is None:
            raise ValueError("Missing target data: pass `y` (the labels) as well as `x`.")
        y_raw = to_float32(y, "y")
        check_cardinality(x_arr, y_raw, None)
        y_arr = compile_utils.prepare_targets(y_raw, self._loss_obj, self.output_shape, self.name)
        return x_arr, y_arr

    # -- fit ----------------------------------------------------------------

    @closes_loaders
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: Optional[int] = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: Any = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: Any = True,
        class_weight: Any = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: Optional[int] = None,
        validation_steps: Optional[int] = None,
        validation_batch_size: Optional[int] = None,
        validation_freq: Any = 1,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
    ) -> Any:
        """Trains the model for `epochs - initial_epoch` epochs.

        Returns:
            The `History` callback (also `model.history`): `history.history`
            maps `loss`, each metric and their `val_` forms to per-epoch values.

        Raises:
            ValueError: for uncompiled models, bad arguments or data that does
                not fit the model (the message names the shapes).
        """
        self._assert_compiled("fit")
        verbose = _verbose_level(verbose)
        if class_weight is not None and is_array_data(x):
            raise ValueError("`class_weight` is not supported by lamina yet.")
        if not isinstance(validation_split, (int, float)) or not 0 <= validation_split < 1:
            raise ValueError(
                "`validation_split` must be a float in [0, 1). "
                f"Received: validation_split={validation_split}"
            )
        if isinstance(validation_freq, bool) or not isinstance(validation_freq, (int, list)):
            raise ValueError(
                "Expected `validation_freq` to be a list or int. "
                f"Received: validation_freq={validation_freq} of the type "
                f"{type(validation_freq)}."
            )
        batch_size = check_batch_size(batch_size)
        if not is_array_data(x):  # a generator or PyDataset: batches prepared one by one
            check_stream_arguments(x, y, sample_weight,
                                   validation_split if validation_data is None else 0.0)
        x_arr, y_arr = self._prepare(x, y) if is_array_data(x) else (x, y)
        sw = sample_weight
        if validation_split and validation_data is None:
            sw_arr = None if sw is None else to_float32(sw, "sample_weight")
            (x_arr, y_arr, sw), (vx, vy, vsw) = train_validation_split(
                (x_arr, y_arr, sw_arr), validation_split
            )
            validation_data = (vx, vy, vsw)
        queue_args = dict(workers=workers, use_multiprocessing=use_multiprocessing,
                          max_queue_size=max_queue_size)
        adapter = get_data_adapter(
            x_arr, y_arr, sw, batch_size=batch_size, shuffle=shuffle,
            prepare=BatchPreparer(self, class_weight=check_class_weight(class_weight)),
            **queue_args,
        )
        iterator = EpochIterator(adapter, steps_per_epoch)
        val_adapter = None
        if validation_data is not None:
            val_adapter = self._validation_adapter(
                validation_data, validation_batch_size or batch_size, queue_args
            )
        plan = self._get_plan(*first_arrays(adapter))

        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(
                callbacks,
                add_history=True,
                add_progbar=verbose != 0,
                model=self,
                verbose=verbose,
                epochs=epochs,
                steps=iterator.num_batches,
            )
        self.stop_training = False
        callbacks.on_train_begin()
        # BackupAndRestore sets `_initial_epoch` in on_train_begin to resume a
        # run (Keras 3 reads it the same way). Unlike Keras, it is cleared so a
        # later fit() without the callback starts where the user asks.
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
        self._initial_epoch: Optional[int] = None
        training_logs: Optional[Dict[str, float]] = None
        for epoch in range(initial_epoch, epochs):
            epoch_steps = iterator.start_epoch()
            if epoch_steps is None:  # a generator ran dry: no empty epoch is recorded
                break
            self._reset_metric_states(plan)
            callbacks.on_epoch_begin(epoch)
            for step, batch in epoch_steps:
                callbacks.on_train_batch_begin(step)
                self.optimizer._before_step()
                plan.train_step(batch.x, batch.y, batch.sample_weight, batch.row_index)
                self._update_python_metrics(plan, batch)
                callbacks.on_train_batch_end(step, self._logs(plan))
                if self.stop_training:
                    break
            epoch_logs = self._logs(plan)
            if val_adapter is not None and self._should_eval(epoch, validation_freq):
                val_logs = self._run_test(
                    plan, val_adapter, callbacks, validation_steps, verbose=0
                )
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        if epochs > 0:
            # With use_ema, Keras ends fit by swapping in the moving averages.
            self.optimizer.finalize_variable_values(self.trainable_weights)
        callbacks.on_train_end(logs=training_logs)
        return self.history

    @staticmethod
    def _should_eval(epoch: int, validation_freq: Any) -> bool:
        if isinstance(validation_freq, int):
            return (epoch + 1) % validation_freq == 0
        return (epoch + 1) in validation_freq

    def _validation_adapter(
        self, validation_data: Any, batch_size: int, queue_args: Any = None
    ) -> Any:
        if not isinstance(validation_data, (tuple, list)) and not is_array_data(validation_data):
            return get_data_adapter(validation_data, shuffle=False, prepare=BatchPreparer(self),
                                    **(queue_args or {}))
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(
                "`validation_data` must be a tuple `(x_val, y_val)` or "
                f"`(x_val, y_val, val_sample_weight)`. Received: {type(validation_data)}"
            )
        vx, vy = validation_data[0], validation_data[1]
        vsw = validation_data[2] if len(validation_data) == 3 else None
        vx_arr, vy_arr = self._prepare(vx, vy)
        return ArrayDataAdapter(vx_arr, vy_arr, vsw, batch_size=batch_size, shuffle=False)

    # -- evaluate -------------------------------------------------------------

    def _run_test(
        self,
        plan: Any,
        adapter: Any,
        callbacks: CallbackList,
        steps: Optional[int],
        verbose: int,
    ) -> Dict[str, float]:
        iterator = EpochIterator(adapter, steps)
        self._reset_metric_states(plan)
        callbacks.on_test_begin()
        logs: Dict[str, float] = {}
        ran = False
        for step, batch in iterator.enumerate_epoch():
            ran = True
            callbacks.on_test_batch_begin(step)
            plan.test_step(batch.x, batch.y, batch.sample_weight, batch.row_index)
            self._update_python_metrics(plan, batch)
            logs = self._logs(plan)
            callbacks.on_test_batch_end(step, logs)
        if not ran and getattr(adapter, "can_run_dry", False):
            callbacks.on_test_end({})  # a generator with nothing left: no made-up zeros
            return {}
        logs = self._logs(plan)
        callbacks.on_test_end(logs)
        return logs

    @closes_loaders
    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: Optional[int] = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        steps: Optional[int] = None,
        callbacks: Any = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        return_dict: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Returns the loss and metrics on the data: a scalar if there are no
        metrics, else a list in `metrics_names` order (a dict with `return_dict`)."""
        self._assert_compiled("evaluate")
        verbose = _verbose_level(verbose)
        x_arr, y_arr = self._prepare(x, y) if is_array_data(x) else (x, y)
        adapter = get_data_adapter(
            x_arr, y_arr, sample_weight, batch_size, shuffle=False, prepare=BatchPreparer(self),
            workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size,
        )
        plan = self._get_plan(*first_arrays(adapter))
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(
                callbacks,
                add_progbar=verbose != 0,
                model=self,
                verbose=verbose,
                epochs=1,
                steps=EpochIterator(adapter, steps).num_batches,
            )
        logs = self._run_test(plan, adapter, callbacks, steps, verbose)
        if return_dict:
            return dict(sorted(logs.items()))  # Keras 3 sorts log keys
        return compile_utils.flatten_in_order(logs, self.metrics_names)

    # -- predict --------------------------------------------------------------

    @closes_loaders
    def predict(
        self,
        x: Any,
        batch_size: Optional[int] = None,
        verbose: Any = "auto",
        steps: Optional[int] = None,
        callbacks: Any = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
    ) -> np.ndarray:
        """Returns the model's outputs for `x` as one numpy array."""
        verbose = _verbose_level(verbose)
        if not is_array_data(x):  # a generator or PyDataset
            return predict_stream(self, x, verbose, steps, callbacks,
                                  workers, use_multiprocessing, max_queue_size)
        x_arr = to_float32(x, "x")
        self._check_input(x_arr)
        adapter = ArrayDataAdapter(x_arr, batch_size=batch_size, shuffle=False)
        plan = self._get_plan(x_arr)
        iterator = EpochIterator(adapter, steps)
        n = adapter.num_samples
        if steps is not None:
            n = min(n, steps * adapter.batch_size)
        out = np.empty((n,) + tuple(plan.output_shape), dtype=np.float32)
        if verbose == 0 and not callbacks:
            # The quiet path: no callback machinery per call (Keras's predict
            # overhead is a known pain for small inputs).
            start = 0
            for _, batch in iterator.enumerate_epoch():
                plan.predict(batch.x, out[start : start + batch.size], batch.row_index)
                start += batch.size
            return out
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(
                callbacks,
                add_progbar=verbose != 0,
                model=self,
                verbose=verbose,
                epochs=1,
                steps=iterator.num_batches,
            )
        callbacks.on_predict_begin()
        start = 0
        for step, batch in iterator.enumerate_epoch():
            callbacks.on_predict_batch_begin(step)
            chunk = out[start : start + batch.size]
            plan.predict(batch.x, chunk, batch.row_index)
            start += batch.size
            callbacks.on_predict_batch_end(step, {"outputs": chunk})
        callbacks.on_predict_end()
        return out

    def __call__(self, x: Any, training: bool = False, mask: Any = None) -> Tensor:
        """Runs the model on a numpy batch in inference mode."""
        if training:
            raise ValueError(
                "lamina models run in inference mode when called; train with `fit()` or "
                "`train_on_batch()`."
            )
        return self.predict_on_batch(x).view(Tensor)

    # -- on_batch ----------------------------------------------------------------

    def _single_batch(self, x: Any, y: Any, sample_weight: Any) -> Batch:
        x_arr, y_arr = self._prepare(x, y)
        sw = None
        if sample_weight is not None:
            sw = np.ascontiguousarray(np.asarray(sample_weight, np.float32).reshape(-1))
        check_cardinality(x_arr, y_arr, sw)
        return Batch(x_arr, y_arr, sw, None, int(x_arr.shape[0]))

    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Any = None,
        return_dict: bool = False,
    ) -> Any:
        """One gradient update on one batch. Returns the loss (and metrics) of
        the forward pass before the update: a scalar without metrics, else a
        list in `metrics_names` order, or a dict with `return_dict=True`."""
        self._assert_compiled("train_on_batch")
        if class_weight is not None:
            raise ValueError("`class_weight` is not supported by lamina yet.")
        batch = self._single_batch(x, y, sample_weight)
        plan = self._get_plan(batch.x, batch.y)
        self._reset_metric_states(plan)
        self.optimizer._before_step()
        plan.train_step(batch.x, batch.y, batch.sample_weight, None)
        self._update_python_metrics(plan, batch)
        logs = self._logs(plan)
        if return_dict:
            return dict(sorted(logs.items()))  # Keras 3 sorts log keys
        return compile_utils.flatten_in_order(logs, self.metrics_names)

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """Loss (and metrics) of one batch, without updating the weights."""
        self._assert_compiled("test_on_batch")
        batch = self._single_batch(x, y, sample_weight)
        plan = self._get_plan(batch.x, batch.y)
        self._reset_metric_states(plan)
        plan.test_step(batch.x, batch.y, batch.sample_weight, None)
        self._update_python_metrics(plan, batch)
        logs = self._logs(plan)
        if return_dict:
            return dict(sorted(logs.items()))  # Keras 3 sorts log keys
        return compile_utils.flatten_in_order(logs, self.metrics_names)

    def predict_on_batch(self, x: Any) -> np.ndarray:
        """The model's outputs for one batch, as a numpy array."""
        x_arr = to_float32(x, "x")
        self._check_input(x_arr)
        plan = self._get_plan(x_arr)
        out = np.empty((x_arr.shape[0],) + tuple(plan.output_shape), dtype=np.float32)
        plan.predict(x_arr, out, None)
        return out
