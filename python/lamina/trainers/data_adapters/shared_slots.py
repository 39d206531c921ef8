"""Batches handed from worker processes to the trainer without pickling.

Each slot is an anonymous shared mapping (`mmap(-1, size)`) created by the
trainer before it forks the workers, so parent and children see the same
pages. Nothing has a name: no segment in /dev/shm can outlive the process,
even when a worker is killed. A worker writes a batch's arrays into the
slot the trainer assigned it and sends only their layout; `x` is read in
place by the native step; `y` and `sample_weight` are copied out because
user metrics may keep them.
"""

from __future__ import annotations

import mmap
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

_ALIGN = 64
Layout = List[Optional[Tuple[str, Tuple[int, ...], int]]]


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def new_slots(count: int, size: int) -> List[mmap.mmap]:
    """`count` shared anonymous buffers of `size` bytes (pages are committed on first touch)."""
    return [mmap.mmap(-1, size) for _ in range(count)]


def fits(parts: Sequence[Any], size: int) -> bool:
    """Whether these parts are all arrays (or None) that fit in one slot."""
    total = 0
    for part in parts:
        if part is None:
            continue
        if not isinstance(part, np.ndarray) or part.dtype.hasobject:
            return False
        total += _aligned(part.nbytes)
    return total <= size


def write(slot: mmap.mmap, parts: Sequence[Optional[np.ndarray]]) -> Layout:
    """Copies the arrays into `slot` and returns their layout (dtype, shape, offset)."""
    layout: Layout = []
    offset = 0
    for part in parts:
        if part is None:
            layout.append(None)
            continue
        arr = np.ascontiguousarray(part)
        view = np.frombuffer(slot, dtype=arr.dtype, count=arr.size, offset=offset)
        view[...] = arr.reshape(-1)
        layout.append((arr.dtype.str, tuple(arr.shape), offset))
        offset += _aligned(arr.nbytes)
    return layout


def read(slot: mmap.mmap, layout: Layout) -> Tuple[Optional[np.ndarray], ...]:
    """The arrays a worker wrote: the first (x) as a view of the slot, the rest copied."""
    out: List[Optional[np.ndarray]] = []
    for i, entry in enumerate(layout):
        if entry is None:
            out.append(None)
            continue
        dtype, shape, offset = entry
        count = int(np.prod(shape)) if shape else 1
        arr = np.frombuffer(slot, dtype=np.dtype(dtype), count=count, offset=offset)
        arr = arr.reshape(shape)
        out.append(arr if i == 0 else arr.copy())
    return tuple(out)


def batch_bytes(parts: Sequence[Any]) -> int:
    """The slot size these parts need."""
    return sum(_aligned(p.nbytes) for p in parts if isinstance(p, np.ndarray))
