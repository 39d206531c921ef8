"""Run-time configuration of lamina's native core: CPU features and threads."""

from __future__ import annotations

from typing import Any, Dict

from lamina import _core


def cpu_info() -> Dict[str, Any]:
    """Returns what the core detected and uses.

    Returns:
        A dict with `isa` (the kernels in use: `"avx512"`, `"avx2"` or
        `"scalar"`), `best_isa` (the best this CPU supports; `LAMINA_ISA` caps
        `isa`), `avx2_fma`, `avx512`, `cores` (usable by this process) and
        `threads` (what lamina's kernels run on).
    """
    return dict(_core.cpu_info())


def set_num_threads(n: int) -> None:
    """Sets how many threads lamina's kernels use (also `LAMINA_NUM_THREADS`).

    Raises:
        ValueError: if `n` is not a positive integer.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`n` must be a positive integer. Received: n={n!r}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """Returns how many threads lamina's kernels use."""
    return int(_core.num_threads())
