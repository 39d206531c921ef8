"""`steps_per_execution`: several batches handed to the engine in one call.

The batches of a group are joined without copying when they are row ranges
of one array (unshuffled data) or row indexes into one array (shuffled);
anything else is concatenated.
"""

from __future__ import annotations

from typing import Iterable, Iterator, List, Optional, Tuple

import numpy as np

from lamina.trainers.data_adapters.array_data_adapter import Batch

Joined = Tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray], Optional[np.ndarray],
               List[int]]


def grouped(steps: Iterable[Tuple[int, Batch]], size: int) -> Iterator[List[Tuple[int, Batch]]]:
    """Consecutive (step, batch) pairs in lists of up to `size`."""
    group: List[Tuple[int, Batch]] = []
    for item in steps:
        group.append(item)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def join(batches: List[Batch]) -> Joined:
    """(x, y, sample_weight, row_index, sizes) covering `batches` in order."""
    sizes = [b.size for b in batches]
    first = batches[0]
    if len(batches) == 1:
        return first.x, first.y, first.sample_weight, first.row_index, sizes
    if all(b.row_index is not None and b.x is first.x and b.y is first.y
           and b.sample_weight is first.sample_weight for b in batches):
        index = np.concatenate([b.row_index for b in batches])
        return first.x, first.y, first.sample_weight, index, sizes
    if any(b.row_index is not None for b in batches):
        batches = [_materialise(b) for b in batches]
    return (
        _rows(b.x for b in batches),
        _rows_or_none([b.y for b in batches]),
        _rows_or_none([b.sample_weight for b in batches]),
        None,
        sizes,
    )


def _materialise(b: Batch) -> Batch:
    if b.row_index is None:
        return b
    idx = b.row_index
    return Batch(b.x[idx], None if b.y is None else b.y[idx],
                 None if b.sample_weight is None else b.sample_weight[idx], None, b.size)


def _rows_or_none(parts: List[Optional[np.ndarray]]) -> Optional[np.ndarray]:
    if any(p is None for p in parts):
        return None
    return _rows(p for p in parts if p is not None)


def _rows(parts_iter: Iterable[np.ndarray]) -> np.ndarray:
    """The parts as one array: a view when they lie back to back in memory
    (consecutive slices of one C-contiguous array), else a copy."""
    parts = list(parts_iter)
    first = parts[0]
    total = sum(int(p.shape[0]) for p in parts)
    if all(p.flags.c_contiguous and p.dtype == first.dtype and p.shape[1:] == first.shape[1:]
           for p in parts):
        row_bytes = first.itemsize * int(np.prod(first.shape[1:], dtype=np.int64))
        addr = first.__array_interface__["data"][0]
        contiguous = True
        for p in parts:
            if p.__array_interface__["data"][0] != addr:
                contiguous = False
                break
            addr += int(p.shape[0]) * row_bytes
        if contiguous and first.base is not None:
            return np.lib.stride_tricks.as_strided(
                first, shape=(total,) + first.shape[1:], writeable=False
            )
    return np.ascontiguousarray(np.concatenate(parts, axis=0))


