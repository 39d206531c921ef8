"""Lists of names stored as HDF5 attributes, the way tf.keras 2.x stores them.

An attribute lives in its object's header, which HDF5 caps at 64 KiB. A model
with many layers (or long names) does not fit in one `layer_names`
attribute, so tf.keras splits it into `layer_names0`, `layer_names1`, ...
Readers concatenate the chunks in order; a plain attribute wins when both
exist (as in Keras's reader).
"""

from __future__ import annotations

from typing import Any, List, Sequence

import numpy as np

# tf.keras's HDF5_OBJECT_HEADER_LIMIT: the most bytes one attribute may take.
HEADER_LIMIT_BYTES = 64512


def _encode(names: Sequence[str]) -> List[bytes]:
    return [name.encode("utf8") for name in names]


def _as_fixed_bytes(items: Sequence[bytes]) -> np.ndarray:
    """Fixed-length byte strings (`S` dtype), as tf.keras 2.x writes them;
    unlike variable-length strings their `nbytes` is what the header holds."""
    if not items:
        # An empty list: tf.keras stores an empty float array.
        return np.zeros((0,), dtype=np.float64)
    return np.array(items, dtype=f"S{max(1, max(len(x) for x in items))}")


def save_name_list(obj: Any, name: str, values: Sequence[str]) -> None:
    """Stores `values` as attribute `name` of `obj`, split into `name0`,
    `name1`, ... when one attribute would pass the header limit.

    Args:
        obj: an `h5py.Group` or `h5py.File`.
        name: the attribute name (`layer_names`, `weight_names`).
        values: the strings to store, in order.

    Raises:
        ValueError: if a single value is itself too long for an attribute.
    """
    encoded = _encode(values)
    too_long = [v.decode("utf8") for v in encoded if len(v) > HEADER_LIMIT_BYTES]
    if too_long:
        raise ValueError(
            f"Cannot save attribute '{name}' to HDF5: these entries are longer than "
            f"{HEADER_LIMIT_BYTES} bytes: {[v[:80] + '...' for v in too_long]}"
        )
    array = _as_fixed_bytes(encoded)
    chunks = 1
    parts = [array]
    # Split into equal-count chunks until each fits (as tf.keras does, so its
    # readers and ours see the same attribute names).
    while any(p.nbytes > HEADER_LIMIT_BYTES for p in parts):
        chunks += 1
        parts = np.array_split(array, chunks)
    if chunks == 1:
        obj.attrs[name] = array
        return
    for i, part in enumerate(parts):
        # Each chunk gets its own width so short names are not padded to the longest.
        obj.attrs[f"{name}{i}"] = _as_fixed_bytes(list(part))


def _decode_all(raw: Any, where: str) -> List[str]:
    values = np.asarray(raw)
    if values.ndim == 0:
        values = values.reshape(1)
    if values.size == 0:
        return []
    out: List[str] = []
    for item in values.reshape(-1):
        if isinstance(item, (bytes, np.bytes_)):
            out.append(bytes(item).decode("utf8"))
        elif isinstance(item, str):
            out.append(item)
        else:
            raise ValueError(
                f"Invalid HDF5 file: attribute '{where}' should hold strings, found "
                f"{type(item).__name__}."
            )
    return out


def load_name_list(obj: Any, name: str) -> List[str]:
    """Reads a list of names stored by `save_name_list` (either form).

    Args:
        obj: an `h5py.Group` or `h5py.File`.
        name: the attribute name.

    Returns:
        The names in order; an empty list if the attribute is absent.

    Raises:
        ValueError: if the attribute does not hold strings.
    """
    attrs = obj.attrs
    if name in attrs:
        return _decode_all(attrs[name], name)
    out: List[str] = []
    index = 0
    while f"{name}{index}" in attrs:
        out.extend(_decode_all(attrs[f"{name}{index}"], f"{name}{index}"))
        index += 1
    return out


def has_name_list(obj: Any, name: str) -> bool:
    """Whether `obj` carries attribute `name` in either form."""
    return name in obj.attrs or f"{name}0" in obj.attrs


def load_text(obj: Any, name: str) -> Any:
    """A string attribute (bytes or str in the file) as `str`, or None."""
    if name not in obj.attrs:
        return None
    value = obj.attrs[name]
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf8")
    return str(value)
