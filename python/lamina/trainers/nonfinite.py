"""The report lamina gives when a training step's loss or gradient is NaN/Inf.

The native step notices it before the optimizer update (a check of the loss
and the gradients); the trainer then re-runs that batch on the unchanged
weights with every layer's output and gradients checked, warns once with
where the first NaN/Inf appeared, and applies the update as Keras would
(`TerminateOnNaN` stops training, as in Keras).
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional

from lamina.trainers.data_adapters.array_data_adapter import Batch


def diagnose_and_apply(
    plan: Any, batch: Batch, layers: List[Any], epoch: Optional[int], step: Optional[int]
) -> None:
    """Warns where the batch's first NaN/Inf came from, then applies the
    pending update (always, even if the diagnosis itself fails)."""
    try:
        report = plan.diagnose(batch.x, batch.y, batch.sample_weight, batch.row_index)
        message = describe(report, [plan.op_name(i) for i in range(_num_ops(report, plan))],
                           layers, epoch, step)
    finally:
        plan.apply_pending_update()
    warnings.warn(message, RuntimeWarning, stacklevel=4)


def _num_ops(report: Dict[str, Any], plan: Any) -> int:
    return max(report["forward_op"], report["backward_op"]) + 1


def describe(
    report: Dict[str, Any],
    op_names: List[str],
    layers: List[Any],
    epoch: Optional[int],
    step: Optional[int],
) -> str:
    """One paragraph: where, the first cause found, and what happens next."""
    where = "in train_on_batch" if epoch is None else f"at epoch {epoch + 1}, batch {step}"
    by_name = {layer.name: layer for layer in layers}

    def layer_desc(op: int) -> str:
        name = op_names[op]
        layer = by_name.get(name)
        kind = type(layer).__name__ if layer is not None else "layer"
        position = f", layer {layers.index(layer) + 1} of {len(layers)}" if layer else ""
        return f"'{name}' ({kind}{position})"

    causes = []
    if report["inputs"]:
        causes.append("the inputs `x` of this batch contain NaN or Inf")
    if report["targets"]:
        causes.append("the targets `y` of this batch contain NaN or Inf")
    if report["sample_weights"]:
        causes.append("the sample weights of this batch contain NaN or Inf")
    if report["forward_op"] >= 0:
        causes.append(
            f"the forward pass first produced NaN/Inf in the output of layer "
            f"{layer_desc(report['forward_op'])}"
        )
    elif report["loss"]:
        causes.append("the model's output is finite but the loss is not (e.g. log(0) in a "
                      "crossentropy on probabilities of exactly 0 or 1)")
    if report["backward_op"] >= 0 and report["forward_op"] < 0 and not report["loss"]:
        part = "weight gradients" if report["backward_in_weights"] else "input gradient"
        causes.append(
            f"the forward pass and the loss are finite, but the backward pass first produced "
            f"NaN/Inf in the {part} of layer {layer_desc(report['backward_op'])}"
        )
    if not causes:
        causes.append("re-running the batch gave finite values (the NaN/Inf did not reproduce)")
    return (
        f"Non-finite loss or gradient {where}: " + "; ".join(causes) + ". The update was "
        "applied as Keras applies it; add keras.callbacks.TerminateOnNaN() to stop training "
        "at the first NaN loss. (lamina reports only the first such batch of each fit.)"
    )
