"""Intersection-over-union metrics over a class confusion matrix (native
`iou` state: [num_classes, num_classes], rows true, columns predicted)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from lamina.metrics.native_metric import Batch, NativeStateMetric, as_float32, contiguous

EPSILON = 1e-7


class IoU(NativeStateMetric):
    """Mean IoU over `target_class_ids`: tp / (tp + fp + fn) per class.

    Args:
        num_classes: the number of classes.
        target_class_ids: the classes averaged.
        ignore_class: a true class left out of the counts.
        sparse_y_true, sparse_y_pred: class ids (True) or scores whose argmax
            over the last axis is the class (False).
        axis: the class axis of dense inputs (only -1).

    Raises:
        ValueError: for a target class outside [0, num_classes) or axis != -1.
    """

    engine_name = "iou"

    def __init__(self, num_classes: int, target_class_ids: Sequence[int],
                 name: Optional[str] = None, dtype: Any = None,
                 ignore_class: Optional[int] = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(name=name, dtype=dtype)
        self._dtype = "int32" if dtype is None else self._dtype
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which "
                             f"is [0, {num_classes}).")
        if axis != -1:
            raise ValueError(f"lamina's IoU metrics take the class axis -1; received axis={axis}")
        self.num_classes = num_classes
        self.target_class_ids: List[int] = list(target_class_ids)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis

    def engine_params(self) -> Dict[str, float]:
        params = {"num_classes": float(self.num_classes),
                  "sparse_y_true": float(self.sparse_y_true),
                  "sparse_y_pred": float(self.sparse_y_pred)}
        if self.ignore_class is not None:
            params["ignore_class"] = float(self.ignore_class)
        return params

    def state_size(self, cols: int) -> int:
        return self.num_classes * self.num_classes

    def prepare(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Batch:
        pred = as_float32(y_pred)
        y = as_float32(y_true)
        if self.sparse_y_pred:
            pred2 = pred.reshape(-1, 1)
        else:
            pred2 = pred.reshape(-1, pred.shape[-1])
        rows = pred2.shape[0]
        y_flat: np.ndarray
        if self.sparse_y_true:
            y_flat = y.reshape(-1)
        else:
            y_flat = y.reshape(-1, y.shape[-1])
            if y_flat.shape[0] != rows:
                raise ValueError(f"{self.name}: y_true of shape {y.shape} does not match y_pred "
                                 f"of shape {pred.shape}.")
            if self.sparse_y_pred:
                # Dense labels against class-id predictions: argmax here.
                y_flat = np.argmax(y_flat, axis=-1).astype(np.float32)
        if self.sparse_y_true and y_flat.size != rows:
            raise ValueError(f"{self.name}: y_true of shape {y.shape} does not match y_pred of "
                             f"shape {pred.shape}.")
        sw = None
        if sample_weight is not None:
            w = np.broadcast_to(as_float32(sample_weight).reshape(-1), (rows,))
            if "int" in self.dtype:
                w = np.trunc(w)  # Keras casts the weights to the metric's int dtype
            sw = contiguous(w)
        return contiguous(pred2), contiguous(y_flat.reshape(-1)), sw

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        from lamina import _core

        pred, y, sw = self.prepare(y_true, y_pred, sample_weight)
        params = self.engine_params()
        if not self.sparse_y_true and self.sparse_y_pred:
            params["sparse_y_true"] = 1.0  # prepare() took the labels' argmax
        if self._state is None:
            self._state = np.zeros(self.state_size(pred.shape[1]))
        _core.kernels.metric_update(self.engine_name, params, self._state, pred, y, sw)

    def result_from_state(self, state: np.ndarray) -> Any:
        cm = state.reshape(self.num_classes, self.num_classes)
        predicted = cm.sum(axis=0)
        actual = cm.sum(axis=1)
        tp = np.diag(cm)
        ids = np.asarray(self.target_class_ids)
        denominator = (predicted + actual - tp)[ids].astype(np.float32)
        tp = tp[ids].astype(np.float32)
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + np.float32(EPSILON)), 0.0)
        return float(np.sum(iou) / (np.sum(valid) + EPSILON))

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes."""

    def __init__(self, num_classes: int, name: Optional[str] = None, dtype: Any = None,
                 ignore_class: Optional[int] = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU over one-hot labels (and, by default, score predictions)."""

    def __init__(self, num_classes: int, name: Optional[str] = None, dtype: Any = None,
                 ignore_class: Optional[int] = None, sparse_y_pred: bool = False,
                 axis: int = -1) -> None:
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
