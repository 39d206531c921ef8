"""compile / fit / evaluate / predict and the *_on_batch methods.

Each batch is one native call (`lamina._core.Plan.train_step` and friends)
with the GIL released; this module owns epochs, validation and callbacks.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from lamina import _core, constraints, regularizers
from lamina import optimizers as optimizers_module
from lamina.callbacks.callback_list import CallbackList
from lamina.layers.layer import trainable_epoch
from lamina.metrics.reduction_metrics import MeanMetricWrapper
from lamina.trainers import compile_utils, nonfinite, step_groups
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
from lamina.trainers.data_adapters.data_adapter_utils import (
    check_class_weight,
    class_weight_to_sample_weights,
)
from lamina.trainers.data_adapters.loader_scope import closes_loaders
from lamina.trainers.epoch_iterator import EpochIterator
from lamina.trainers.stream_predict import predict_stream


def _verbose_level(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 0, 1, 2 or 'auto'. Received: verbose={verbose!r}")
    return int(verbose)


def _check_validation_freq(validation_freq: Any) -> Any:
    """An int, or a container of epoch numbers (list as in Keras; tuple, set
    and range too, which Keras refuses despite its docs)."""
    if isinstance(validation_freq, (int, np.integer)) and not isinstance(validation_freq, bool):
        if validation_freq < 1:
            raise ValueError(
                "`validation_freq` must be a positive integer or a list of epochs. "
                f"Received: validation_freq={validation_freq}"
            )
        return int(validation_freq)
    if isinstance(validation_freq, (list, tuple, set, frozenset, range)):
        return frozenset(int(e) for e in validation_freq)
    raise ValueError(
        "Expected `validation_freq` to be a list or int. "
        f"Received: validation_freq={validation_freq} of the type {type(validation_freq)}."
    )


def _plan_mask(plan: Any, layer: Any, first_op: int, masked: bool) -> bool:
    """Sets the mask rule of the ops `layer` added (its last op decides;
    the ones before it pass a mask on) and returns whether a mask leaves it.
    A mask dropped by a layer that does not support masking is reported
    once per plan, as Keras 3 warns."""
    if plan.num_ops == first_op:
        return masked
    rule = layer._mask_rule()
    for op in range(first_op, plan.num_ops - 1):
        plan.set_mask_rule(op, "keep")
    plan.set_mask_rule(plan.num_ops - 1, rule)
    if masked and rule == "drop" and not layer.supports_masking:
        warnings.warn(
            f"Layer '{layer.name}' (of type {type(layer).__name__}) was passed an input with a "
            "mask attached to it. However, this layer does not support masking and will "
            "therefore destroy the mask information. Downstream layers will not see the mask.",
            UserWarning,
            stacklevel=2,
        )
    return rule == "new" or (masked and rule == "keep")


def _masked_metric_weights(sample_weight: Any, mask: np.ndarray) -> np.ndarray:
    """Per-timestep weights of a Python-side metric: the mask times any
    sample weights (one per sample, or per timestep)."""
    if sample_weight is None:
        return mask
    sw = np.asarray(sample_weight, dtype=np.float32)
    sw = sw.reshape(sw.shape + (1,) * (mask.ndim - sw.ndim)) if sw.ndim < mask.ndim else sw
    return sw * mask


def _attach_weight_rules(plan: Any, weights: List[Any]) -> None:
    """Hands the plan each weight's regularizer and constraint (plan order)."""
    for index, var in enumerate(weights):
        reg = regularizers.native_l1l2(var.regularizer, var.path, "regularizer")
        if reg is not None:
            plan.set_weight_regularizer(index, *reg)
        rule = constraints.native_constraint(var.constraint, var.path, "constraint")
        if rule is not None:
            plan.set_weight_constraint(index, *rule)


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
        # (trainable epoch, compile version) when _plan_key was last checked,
        # and the plan's per-sample output shape.
        self._plan_stamp: Any = None
        self._plan_output_shape: Tuple[int, ...] = ()
        self._metric_states: List[Any] = []
        self._python_metrics: List[Any] = []
        self._loss_weight = 1.0
        self._steps_per_execution = 1
        self._check_finite = True
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
            metrics: list (or nested list, or a dict keyed by the output
                layer's name) of metric names, functions or instances;
                `"accuracy"`/`"acc"` are resolved by shapes and logged under
                the name as spelled. They ignore sample and class weights.
            loss_weights: the loss multiplier: a number, a list of one, or a
                dict keyed by the output layer's name.
            sample_weight_mode: None or `"temporal"` (tf.keras 2.x); 2-D
                sample weights are recognised either way.
            weighted_metrics: metrics that apply sample and class weights
                (logged as `weighted_<name>` when the name is taken).
            target_tensors: tf.keras 2.x; must be None.
            run_eagerly, jit_compile, auto_scale_loss: accepted; they change
                nothing in lamina.
            steps_per_execution: batches per native call in `fit`/`evaluate`
                on in-memory data; batch callbacks fire once per group.

        Raises:
            ValueError: for an unknown optimizer, loss or metric, or an
                argument lamina cannot honour (named in the message).
        """
        if target_tensors is not None:
            raise ValueError(
                "`target_tensors` is not supported: pass the targets to `fit()` as `y` instead."
            )
        if sample_weight_mode not in (None, "temporal"):
            raise ValueError(
                "`sample_weight_mode` must be None or 'temporal' (2-D sample weights are "
                f"recognised either way). Received: sample_weight_mode={sample_weight_mode!r}"
            )
        if isinstance(steps_per_execution, bool) or not isinstance(
            steps_per_execution, (int, np.integer)
        ) or steps_per_execution < 1:
            raise ValueError(
                "`steps_per_execution` must be a positive integer. "
                f"Received: steps_per_execution={steps_per_execution!r}"
            )
        output_name = self.layers[-1].name if self.layers else None
        loss_weight = compile_utils.resolve_loss_weight(loss_weights, output_name)
        compiled_metrics = compile_utils.CompiledMetrics(metrics, weighted_metrics, output_name)
        self.optimizer = optimizers_module.get(optimizer)
        self._loss_obj = compile_utils.resolve_loss(loss) if loss is not None else None
        self.loss = loss
        self._loss_weight = loss_weight
        self._steps_per_execution = int(steps_per_execution)
        self._compiled_metrics = compiled_metrics
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
        # Nothing in the key below can change without moving the stamp (the
        # layer list changes only through add/pop, which drop the plan).
        stamp = (trainable_epoch(), self._compile_version)
        if self._plan is not None and self._plan_stamp == stamp:
            return self._plan
        key = (
            self._compile_version,
            tuple(id(layer) for layer in self.layers),
            # Which weights train (a wrapper's sublayers can be frozen alone).
            tuple(layer._trainable_flags() for layer in self.layers),
            getattr(self, "trainable", True),
        )
        if self._plan is not None and self._plan_key == key:
            self._plan_stamp = stamp
            return self._plan
        with self._plan_lock:
            if self._plan is not None and self._plan_key == key:
                self._plan_stamp = stamp
                return self._plan
            plan = _core.Plan(list(self._input_per_sample()))
            model_trainable = getattr(self, "trainable", True)
            masked = False
            for layer in self.layers:
                first_op = plan.num_ops
                # A frozen model freezes its layers' behaviour too (Keras 3
                # sets `trainable` on every sublayer): BatchNormalization reads it.
                layer._model_trainable = model_trainable
                layer._masked_input = masked
                layer._add_to_plan(plan)
                masked = _plan_mask(plan, layer, first_op, masked)
                activity = regularizers.native_l1l2(
                    layer.activity_regularizer, layer.name, "activity_regularizer")
                if activity is not None and plan.num_ops > first_op:
                    plan.set_activity_regularizer(plan.num_ops - 1, *activity)
            if self.compiled and self._loss_obj is not None:
                plan.set_loss(*self._loss_obj.native)
                plan.set_loss_weight(self._loss_weight)
                for name, params in metrics.native_specs() if metrics is not None else []:
                    plan.add_metric(name, params)
                weights, flags = self._native_weights()
                self.optimizer._attach(plan, flags, weights)
                _attach_weight_rules(plan, weights)
            self._metric_states = self._state_slices(plan)
            flags = metrics.weighted_flags if metrics is not None else []
            self._python_metrics = [
                (m, weighted)
                for (m, start, _), weighted in zip(self._metric_states, flags)
                if start is None
            ]
            self._plan_output_shape = tuple(plan.output_shape)
            self._plan, self._plan_key, self._plan_stamp = plan, key, stamp
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
        accumulated natively (user-defined `keras.metrics.Metric` subclasses);
        weighted ones also get the batch's sample weights."""
        metrics = self._python_metrics
        if not metrics or batch.y is None:
            return
        y_pred = plan.last_output()
        index = batch.row_index
        y_true = batch.y if index is None else batch.y[index]
        sw = batch.sample_weight
        if sw is not None and index is not None:
            sw = sw[index]
        mask = plan.last_output_mask()
        for metric, weighted in metrics:
            weights = sw if weighted else None
            inner = getattr(metric, "metric", metric)  # compile_utils wraps user metrics
            if mask is not None and isinstance(inner, MeanMetricWrapper):
                # Keras's MeanMetricWrapper folds the output mask into the weights.
                weights = _masked_metric_weights(weights, mask)
            metric.update_state(y_true, y_pred, sample_weight=weights)

    def _reset_metric_states(self, plan: Any) -> None:
        plan.reset_metrics()
        for metric, _ in self._python_metrics:
            metric.reset_state()

    def reset_metrics(self) -> None:
        if self._plan is not None:
            self._reset_metric_states(self._plan)

    def _model_input(self, x: Any) -> Any:
        """x as given, or the one array of a dict keyed by the Input's name.

        Raises:
            ValueError: for a dict keyed by another name or with several keys.
        """
        if not isinstance(x, dict):
            return x
        input_layer = getattr(self, "_input_layer", None)
        name = input_layer.name if input_layer is not None else None
        if len(x) != 1 or (name is not None and name not in x):
            expected = f"{{'{name}': array}}" if name else "one entry"
            raise ValueError(
                f"Model '{self.name}' has one input; a dict of inputs must be {expected}. "
                f"Received keys: {list(x)}"
            )
        return next(iter(x.values()))

    def _prepare(self, x: Any, y: Any) -> Any:
        """Converts and checks x and y; returns (x, y) as the plan reads them."""
        x_arr = to_float32(self._model_input(x), "x")
        self._check_input(x_arr)
        self._ensure_built(x_arr.shape)
        if y is None:
            raise ValueError("Missing target data: pass `y` (the labels) as well as `x`.")
        y_raw = to_float32(y, "y")
        check_cardinality(x_arr, y_raw, None)
        y_arr = compile_utils.prepare_targets(y_raw, self._loss_obj, self.output_shape, self.name)
        return x_arr, y_arr

    def _class_weights(
        self, y_arr: np.ndarray, class_weight: Any, sample_weight: Any, warn_missing: bool = True
    ) -> Optional[np.ndarray]:
        """Per-sample (or per-timestep) weights from `class_weight`, multiplied
        with `sample_weight` when both are given (tf.keras 2.x; Keras 3 refuses
        the pair). `y_arr` is the prepared targets."""
        checked = check_class_weight(class_weight)
        if checked is None:
            return sample_weight
        sparse = self._loss_obj.native_kind == "sparse_categorical_crossentropy"
        # Sparse labels (one per output row) are the classes themselves.
        labels = y_arr[..., None] if sparse else y_arr
        weights = class_weight_to_sample_weights(labels, checked, warn_missing)
        weights = weights.reshape(weights.shape[0], -1)
        if weights.shape[1] == 1:
            weights = weights.reshape(-1)
        if sample_weight is None:
            return weights
        sw = to_float32(sample_weight, "sample_weight")
        if sw.ndim == 2 and sw.shape[1] == 1:
            sw = sw.reshape(-1)
        if weights.ndim == 2 and sw.ndim == 1:
            sw = sw[:, None]
        elif weights.ndim == 1 and sw.ndim == 2:
            weights = weights[:, None]
        try:
            return np.ascontiguousarray(weights * sw, dtype=np.float32)
        except ValueError:
            raise ValueError(
                f"`sample_weight` of shape {sw.shape} does not match the targets' class "
                f"weights of shape {weights.shape}."
            ) from None

    def _group_size(self) -> int:
        """Batches per native call: compile's steps_per_execution, or 1 when
        a per-batch Python step is needed (Python-side metrics, or a learning
        rate that changes every step)."""
        n = self._steps_per_execution
        if n > 1 and (self._python_metrics or not self.optimizer._lr_is_constant()):
            return 1
        return n

    def _train_batches(
        self, plan: Any, batches: List[Batch], epoch: Optional[int], first_step: int
    ) -> None:
        """Trains on `batches` in one native call. A batch whose loss or
        gradient is not finite is diagnosed (once per fit) and then applied."""
        if len(batches) == 1:
            b = batches[0]
            self.optimizer._before_step()
            plan.set_check_finite(self._check_finite)
            if not plan.train_step(b.x, b.y, b.sample_weight, b.row_index):
                self._check_finite = False
                nonfinite.diagnose_and_apply(plan, b, self.layers, epoch, first_step)
            return
        self.optimizer._before_step()
        start = 0
        while start < len(batches):
            plan.set_check_finite(self._check_finite)
            pending = plan.train_steps(*step_groups.join(batches[start:]))
            if pending < 0:
                return
            self._check_finite = False
            at = start + pending
            nonfinite.diagnose_and_apply(plan, batches[at], self.layers, epoch, first_step + at)
            start = at + 1

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
        checked_class_weight = check_class_weight(class_weight)
        if not isinstance(validation_split, (int, float)) or not 0 <= validation_split < 1:
            raise ValueError(
                "`validation_split` must be a float in [0, 1). "
                f"Received: validation_split={validation_split}"
            )
        validation_freq = _check_validation_freq(validation_freq)
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
        stream_class_weight = checked_class_weight
        if is_array_data(x):
            # Class weights apply to the training part only, as in Keras.
            sw = self._class_weights(y_arr, checked_class_weight, sw)
            stream_class_weight = None
        adapter = get_data_adapter(
            x_arr, y_arr, sw, batch_size=batch_size, shuffle=shuffle,
            prepare=BatchPreparer(self, class_weight=stream_class_weight),
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
        self._check_finite = True  # the first NaN/Inf step of each fit is diagnosed
        group_size = self._group_size()
        for epoch in range(initial_epoch, epochs):
            epoch_steps = iterator.start_epoch()
            if epoch_steps is None:  # a generator ran dry: no empty epoch is recorded
                break
            self._reset_metric_states(plan)
            callbacks.on_epoch_begin(epoch)
            for group in step_groups.grouped(epoch_steps, group_size):
                # Keras 3 with steps_per_execution: one begin/end pair per
                # group, with its first and last batch index.
                first, last = group[0][0], group[-1][0]
                callbacks.on_train_batch_begin(first)
                self._train_batches(plan, [b for _, b in group], epoch, first)
                self._update_python_metrics(plan, group[-1][1])
                callbacks.on_train_batch_end(last, self._logs(plan))
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
        for group in step_groups.grouped(iterator.enumerate_epoch(), self._group_size()):
            ran = True
            first, last = group[0][0], group[-1][0]
            callbacks.on_test_batch_begin(first)
            if len(group) == 1:
                batch = group[0][1]
                plan.test_step(batch.x, batch.y, batch.sample_weight, batch.row_index)
                self._update_python_metrics(plan, batch)
            else:
                plan.test_steps(*step_groups.join([b for _, b in group]))
            logs = self._logs(plan)
            callbacks.on_test_batch_end(last, logs)
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
        """Returns the model's outputs for `x` as one numpy array.

        With the default `verbose="auto"`, a call that fits in one batch prints
        no progress bar (Keras prints `1/1` on every call); `verbose=1` does.
        """
        auto = verbose == "auto"
        verbose = _verbose_level(verbose)
        if not is_array_data(x):  # a generator or PyDataset
            return predict_stream(self, x, verbose, steps, callbacks,
                                  workers, use_multiprocessing, max_queue_size)
        x_arr = to_float32(self._model_input(x), "x")
        self._check_input(x_arr)
        adapter = ArrayDataAdapter(x_arr, batch_size=batch_size, shuffle=False)
        plan = self._get_plan(x_arr)
        iterator = EpochIterator(adapter, steps)
        n = adapter.num_samples
        if steps is not None:
            n = min(n, steps * adapter.batch_size)
        out = np.empty((n,) + tuple(plan.output_shape), dtype=np.float32)
        if auto and (iterator.num_batches or 0) <= 1:
            verbose = 0
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

    def _single_batch(
        self, x: Any, y: Any, sample_weight: Any, class_weight: Any = None
    ) -> Batch:
        x_arr, y_arr = self._prepare(x, y)
        sw = self._class_weights(y_arr, class_weight, sample_weight)
        if sw is not None:
            sw = to_float32(sw, "sample_weight")
            if sw.ndim == 2 and sw.shape[1] == 1:
                sw = sw.reshape(-1)
        check_cardinality(x_arr, y_arr, sw)
        return Batch(x_arr, y_arr, sw, None, int(x_arr.shape[0]))

    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Any = None,
        reset_metrics: bool = True,
        return_dict: bool = False,
    ) -> Any:
        """One gradient update on one batch. Returns the loss (and metrics) of
        the forward pass before the update: a scalar without metrics, else a
        list in `metrics_names` order, or a dict with `return_dict=True`.

        `class_weight` is multiplied with `sample_weight` when both are given;
        `reset_metrics=False` (tf.keras 2.x) accumulates the metrics across
        calls instead of reporting this batch alone.
        """
        self._assert_compiled("train_on_batch")
        batch = self._single_batch(x, y, sample_weight, class_weight)
        plan = self._get_plan(batch.x, batch.y)
        if reset_metrics:
            self._reset_metric_states(plan)
        self._train_batches(plan, [batch], None, 0)
        self._update_python_metrics(plan, batch)
        logs = self._logs(plan)
        if return_dict:
            return dict(sorted(logs.items()))  # Keras 3 sorts log keys
        return compile_utils.flatten_in_order(logs, self.metrics_names)

    def test_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        reset_metrics: bool = True,
        return_dict: bool = False,
    ) -> Any:
        """Loss (and metrics) of one batch, without updating the weights."""
        self._assert_compiled("test_on_batch")
        batch = self._single_batch(x, y, sample_weight)
        plan = self._get_plan(batch.x, batch.y)
        if reset_metrics:
            self._reset_metric_states(plan)
        plan.test_step(batch.x, batch.y, batch.sample_weight, None)
        self._update_python_metrics(plan, batch)
        logs = self._logs(plan)
        if return_dict:
            return dict(sorted(logs.items()))  # Keras 3 sorts log keys
        return compile_utils.flatten_in_order(logs, self.metrics_names)

    def predict_on_batch(self, x: Any) -> np.ndarray:
        """The model's outputs for one batch, as a numpy array."""
        x_arr = to_float32(self._model_input(x), "x")
        self._check_input(x_arr)
        plan = self._get_plan(x_arr)
        out = np.empty((x_arr.shape[0],) + self._plan_output_shape, dtype=np.float32)
        plan.predict(x_arr, out, None)
        return out

    # -- removed in TF 2.6; old scripts still call them ------------------------

    def predict_classes(self, x: Any, batch_size: int = 32, verbose: Any = 0) -> np.ndarray:
        """Class predictions (tf.keras < 2.6): the argmax of a multi-unit output,
        else `(p > 0.5)` as int32, one column per output unit."""
        warnings.warn(
            "`model.predict_classes()` was removed from Keras in TF 2.6. Use "
            "`np.argmax(model.predict(x), axis=-1)` for multi-class outputs, or "
            "`(model.predict(x) > 0.5).astype('int32')` for sigmoid outputs.",
            stacklevel=2,
        )
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_proba(self, x: Any, batch_size: int = 32, verbose: Any = 0) -> np.ndarray:
        """The model's outputs (tf.keras < 2.6), the same as `predict`."""
        warnings.warn(
            "`model.predict_proba()` was removed from Keras in TF 2.6. Use `model.predict()` "
            "instead.",
            stacklevel=2,
        )
        return self.predict(x, batch_size=batch_size, verbose=verbose)
