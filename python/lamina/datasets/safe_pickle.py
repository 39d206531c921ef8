"""Reading the pickle streams inside Keras's dataset files without `pickle.load`.

CIFAR batches are pickled dicts of numpy arrays, and `imdb.npz`/`reuters.npz`
hold ragged sequences as object arrays, which numpy stores as pickles. A
plain unpickler would run whatever a tampered file names (`os.system`, ...).
`RestrictedUnpickler` resolves only the three globals numpy needs to rebuild
an array -- `ndarray`, `dtype` and `multiarray._reconstruct` -- and refuses
everything else; lists, dicts, ints and bytes need no global at all.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from typing import Any, BinaryIO, Dict

import numpy as np

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct  # type: ignore[no-redef]

# (module, name) as written by numpy 1.x ("numpy.core") or 2.x ("numpy._core").
_ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild numpy arrays and plain containers only.

    Raises:
        pickle.UnpicklingError: (from `load`) when the stream names any other
            global, e.g. `os.system` in a malicious file.
    """

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"Refusing to load `{module}.{name}` from a dataset file: only numpy arrays "
                "may be stored in it. The file may be corrupted or malicious; delete it and "
                "download it again."
            ) from None


def load_pickle(f: BinaryIO, encoding: str = "ASCII") -> Any:
    """Unpickles `f` with `RestrictedUnpickler` (`encoding="bytes"` for CIFAR's
    Python 2 pickles)."""
    return RestrictedUnpickler(f, encoding=encoding).load()


def _read_npy(f: BinaryIO) -> np.ndarray:
    """One `.npy` stream: numeric arrays with pickling off, object arrays
    through the restricted unpickler."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(f)
    elif version in ((2, 0), (3, 0)):
        # 3.0 differs from 2.0 only in the header's text encoding.
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"Unsupported .npy format version {version}.")
    if not dtype.hasobject:
        f.seek(0)
        return np.lib.format.read_array(f, allow_pickle=False)
    array = load_pickle(f)
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise ValueError(
            f"An object array in a dataset file did not unpickle to an array of shape {shape}."
        )
    return array


def load_npz(path: str) -> Dict[str, np.ndarray]:
    """A safe `np.load(path, allow_pickle=True)` for Keras's dataset `.npz` files.

    Args:
        path: the `.npz` file.

    Returns:
        A dict of member name (without `.npy`) to array.

    Raises:
        pickle.UnpicklingError: if an object array's pickle names anything but
            numpy's array reconstruction.
    """
    arrays: Dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                arrays[member[: -len(".npy")]] = _read_npy(io.BytesIO(archive.read(member)))
    return arrays
