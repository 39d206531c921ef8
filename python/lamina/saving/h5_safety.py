"""Safety checks for the HDF5 files and zip archives lamina reads.

Keras had a chain of loader advisories (see the reference, section 5d): HDF5
external and soft links that make the reader open other files, datasets whose
bytes live in an external file or a virtual mapping, "shape bombs" that
declare terabytes while storing nothing, zip members that decompress to far
more than they store, and member names that climb out of the target folder.
Everything here refuses such input with a `ValueError` that names the entry,
before any array is read.

`open_h5` + `scan_h5` check a whole HDF5 file up front (stricter than Keras,
which checks lazily on the paths it happens to visit); `get_group`,
`get_dataset` and `read_array` are the per-entry checks for code that walks
a file itself. `open_zip` + `read_member` do the same for zip archives.

h5py is imported inside the functions: `import lamina` must not need it.
"""

from __future__ import annotations

import math
import os
import posixpath
import zipfile
from typing import Any, BinaryIO, Set, Tuple, Union

import numpy as np

PathOrFile = Union[str, "os.PathLike[str]", BinaryIO]

# A dataset may declare at most this many times the bytes it stores, once it
# is bigger than the floor. Keras writes uncompressed datasets (ratio 1); a
# genuinely compressed array of real weights stays far below 1000:1.
H5_DATASET_BOMB_FLOOR_BYTES = 64 << 20  # 64 MiB
H5_DATASET_MAX_EXPANSION = 1000
# The same bound over a whole file, so many medium bombs cannot add up.
H5_TOTAL_BOMB_FLOOR_BYTES = 256 << 20  # 256 MiB
# A zip member may decompress to at most this multiple of its stored size
# once it is bigger than the floor (Keras stores members uncompressed).
ZIP_MEMBER_BOMB_FLOOR_BYTES = 64 << 20  # 64 MiB
ZIP_MEMBER_MAX_EXPANSION = 100
# Objects visited when scanning one HDF5 file: a weights file has a few per
# layer; millions means a crafted file meant to exhaust the reader.
H5_MAX_OBJECTS = 1_000_000

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class UnsafeFileError(ValueError):
    """A file that lamina refuses to read (a link, an external dataset, a bomb...)."""


# -- HDF5 -------------------------------------------------------------------------------


def _describe(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, "name", None) or type(source).__name__


def open_h5(source: PathOrFile, what: str = "HDF5 file") -> Any:
    """Opens an HDF5 file for reading after checking that it is one.

    Args:
        source: a path or a readable binary file object.
        what: how the file is named in errors (e.g. "weights file").

    Returns:
        An open `h5py.File` (the caller closes it).

    Raises:
        FileNotFoundError: if a path does not exist.
        ValueError: if the content is not a readable HDF5 file (garbage,
            truncated, or another format).
    """
    import h5py

    name = _describe(source)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such {what}: filepath={path}")
        if os.path.isdir(path):
            raise ValueError(f"Expected a {what} but {path} is a directory.")
        with open(path, "rb") as probe:
            head = probe.read(len(_HDF5_SIGNATURE))
        if head != _HDF5_SIGNATURE:
            raise ValueError(
                f"The {what} {path} is not an HDF5 file (its first bytes are {head[:8]!r}, "
                "not the HDF5 signature). It may be truncated, corrupted, or of another format."
            )
    try:
        return h5py.File(source, "r")
    except OSError as e:
        raise ValueError(
            f"The {what} {name} could not be read as HDF5; it is probably truncated or "
            f"corrupted. (h5py: {e})"
        ) from e


def _check_link(group: Any, name: str) -> None:
    """Refuses `group[name]` if it is a soft or external link."""
    import h5py

    link = group.get(name, default=None, getlink=True)
    if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
        kind = type(link).__name__
        target = getattr(link, "filename", "") + ":" + link.path if isinstance(
            link, h5py.ExternalLink) else link.path
        raise UnsafeFileError(
            f"Not allowed: the HDF5 entry '{_join(group.name, name)}' is a {kind} "
            f"(to {target}); lamina never follows links in weight files."
        )


def _join(parent: str, name: str) -> str:
    return posixpath.join(parent or "/", name)


def check_dataset(dataset: Any) -> None:
    """Refuses external or virtual storage and declared sizes far beyond the
    stored bytes.

    Args:
        dataset: an `h5py.Dataset`.

    Raises:
        UnsafeFileError: (a ValueError) naming the dataset.
    """
    if dataset.external:
        raise UnsafeFileError(
            f"Not allowed: the HDF5 dataset '{dataset.name}' keeps its data in external "
            f"file(s) {[e[0] for e in dataset.external]}."
        )
    if dataset.is_virtual:
        raise UnsafeFileError(
            f"Not allowed: the HDF5 dataset '{dataset.name}' is a virtual dataset "
            "(it maps data from other files)."
        )
    declared = declared_bytes(dataset)
    stored = int(dataset.id.get_storage_size())
    if declared > H5_DATASET_BOMB_FLOOR_BYTES and declared > H5_DATASET_MAX_EXPANSION * stored:
        raise UnsafeFileError(
            f"Not allowed: the HDF5 dataset '{dataset.name}' declares shape "
            f"{tuple(dataset.shape)} ({declared} bytes) but stores only {stored} bytes; "
            "refusing a potential shape/decompression bomb."
        )


def declared_bytes(dataset: Any) -> int:
    """The in-memory size a dataset declares (shape x item size)."""
    shape = dataset.shape or ()
    return int(math.prod(shape)) * int(dataset.dtype.itemsize)


def scan_h5(h5file: Any) -> None:
    """Checks every object of an open HDF5 file before anything is read.

    Refuses soft and external links anywhere, external and virtual datasets,
    single datasets that declare far more than they store, and files whose
    datasets together declare far more than the file holds.

    Args:
        h5file: an open `h5py.File` (or group: the subtree is checked).

    Raises:
        UnsafeFileError: (a ValueError) naming the first offending entry.
    """
    import h5py

    seen: Set[Tuple[int, ...]] = set()
    total_declared = 0
    total_stored = 0
    count = 0
    stack = [h5file]
    while stack:
        group = stack.pop()
        for name in group.keys():
            count += 1
            if count > H5_MAX_OBJECTS:
                raise UnsafeFileError(
                    f"Not allowed: the HDF5 file holds more than {H5_MAX_OBJECTS} objects."
                )
            _check_link(group, name)
            kind = group.get(name, default=None, getclass=True)
            if kind is h5py.Dataset:
                dataset = group[name]
                check_dataset(dataset)
                total_declared += declared_bytes(dataset)
                total_stored += int(dataset.id.get_storage_size())
            elif kind is h5py.Group:
                child = group[name]
                key = _object_key(child)
                if key in seen:  # a hard link back up the tree: no cycles
                    continue
                seen.add(key)
                stack.append(child)
            elif kind is not h5py.Datatype:
                raise UnsafeFileError(
                    f"Not allowed: the HDF5 entry '{_join(group.name, name)}' is of an "
                    "unexpected kind."
                )
    if (total_declared > H5_TOTAL_BOMB_FLOOR_BYTES
            and total_declared > H5_DATASET_MAX_EXPANSION * total_stored):
        raise UnsafeFileError(
            f"Not allowed: the HDF5 file's datasets declare {total_declared} bytes in all but "
            f"store only {total_stored}; refusing a potential shape bomb."
        )


def _object_key(obj: Any) -> Tuple[int, ...]:
    import h5py

    info = h5py.h5g.get_objinfo(obj.id)
    return tuple(info.fileno) + tuple(info.objno)


def get_group(parent: Any, path: str) -> Any:
    """`parent[path]` as a group, refusing links on the way.

    Args:
        parent: an `h5py.File` or `h5py.Group`.
        path: a "/"-separated relative path.

    Returns:
        The `h5py.Group`.

    Raises:
        KeyError: if a component is missing.
        UnsafeFileError: for a link; ValueError if an entry is not a group.
    """
    import h5py

    current = parent
    for part in path.split("/"):
        if not part:
            raise ValueError(f"Invalid path in an HDF5 file: {path!r}")
        if part not in current:
            raise KeyError(_join(current.name, part))
        _check_link(current, part)
        current = current[part]
        if not isinstance(current, h5py.Group):
            raise ValueError(
                f"Invalid HDF5 file: expected a group at '{current.name}', found a "
                f"{type(current).__name__}."
            )
    return current


def get_dataset(group: Any, name: str) -> Any:
    """`group[name]` as a checked dataset (no link, no external or virtual
    storage, no bomb).

    Raises:
        KeyError: if missing; UnsafeFileError or ValueError as `check_dataset`.
    """
    import h5py

    if "/" in name:
        parent, name = name.rsplit("/", 1)
        group = get_group(group, parent)
    if name not in group:
        raise KeyError(_join(group.name, name))
    _check_link(group, name)
    dataset = group[name]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(
            f"Invalid HDF5 file: expected a dataset at '{dataset.name}', found a "
            f"{type(dataset).__name__}."
        )
    check_dataset(dataset)
    return dataset


def read_array(group: Any, name: str) -> np.ndarray:
    """Reads a numeric dataset into memory after the checks of `get_dataset`.

    Returns:
        The array (bfloat16 datasets, tagged by Keras with a `dtype`
        attribute, come back as float32).

    Raises:
        ValueError: for a non-numeric dataset or a failed read.
    """
    dataset = get_dataset(group, name)
    if dataset.attrs.get("dtype", None) in ("bfloat16", b"bfloat16"):
        # h5py stores bfloat16 as 2-byte opaque/uint16 data: widen by hand.
        raw = np.asarray(dataset[()]).view(np.uint16).astype(np.uint32) << 16
        return raw.view(np.float32)
    if dataset.dtype.kind not in "biuf":
        raise ValueError(
            f"Invalid weights: the HDF5 dataset '{dataset.name}' holds {dataset.dtype}, "
            "not numbers."
        )
    try:
        return np.asarray(dataset[()])
    except OSError as e:
        raise ValueError(
            f"Could not read the HDF5 dataset '{dataset.name}'; the file is probably "
            f"truncated or corrupted. (h5py: {e})"
        ) from e


# -- zip ----------------------------------------------------------------------------------


def _bad_member_name(name: str) -> bool:
    """Absolute paths, drive letters, backslashes and `..` components."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return True
    if len(name) > 1 and name[1] == ":":
        return True
    return any(part == ".." for part in name.split("/"))


def check_zip(archive: zipfile.ZipFile) -> None:
    """Refuses path traversal, duplicate names, encrypted members and
    decompression bombs among the members of an open archive.

    Raises:
        UnsafeFileError: (a ValueError) naming the member.
    """
    names: Set[str] = set()
    for info in archive.infolist():
        if _bad_member_name(info.filename):
            raise UnsafeFileError(
                f"Not allowed: the zip member '{info.filename}' has an absolute or "
                "parent-relative path (path traversal)."
            )
        if info.filename in names:
            raise UnsafeFileError(
                f"Not allowed: the zip archive holds two members named '{info.filename}'."
            )
        names.add(info.filename)
        if info.flag_bits & 0x1:
            raise UnsafeFileError(f"Not allowed: the zip member '{info.filename}' is encrypted.")
        if (info.file_size > ZIP_MEMBER_BOMB_FLOOR_BYTES
                and info.file_size > ZIP_MEMBER_MAX_EXPANSION * info.compress_size):
            raise UnsafeFileError(
                f"Not allowed: the zip member '{info.filename}' declares {info.file_size} "
                f"bytes but stores only {info.compress_size}; refusing a potential "
                "decompression bomb."
            )


def open_zip(source: PathOrFile, what: str = "zip archive") -> zipfile.ZipFile:
    """Opens and checks a zip archive for reading.

    Args:
        source: a path or a readable, seekable binary file object.
        what: how the file is named in errors (e.g. "`.keras` file").

    Returns:
        The open `zipfile.ZipFile` (the caller closes it).

    Raises:
        FileNotFoundError: if a path does not exist.
        ValueError: if the content is not a zip archive (garbage or truncated),
            or (UnsafeFileError) fails `check_zip`.
    """
    name = _describe(source)
    if isinstance(source, (str, os.PathLike)) and not os.path.exists(os.fspath(source)):
        raise FileNotFoundError(f"No such {what}: filepath={name}")
    try:
        archive = zipfile.ZipFile(source, "r")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise ValueError(
            f"The {what} {name} is not a valid zip archive; it is probably truncated, "
            f"corrupted, or of another format. ({e})"
        ) from e
    try:
        check_zip(archive)
    except Exception:
        archive.close()
        raise
    return archive


def read_member(archive: zipfile.ZipFile, name: str, what: str = "zip archive") -> bytes:
    """Reads one member into memory, bounded by its declared size.

    Raises:
        KeyError: if the member is missing.
        ValueError: if the member is corrupt (bad CRC, truncated data).
    """
    info = archive.getinfo(name)
    try:
        with archive.open(info, "r") as f:
            # zipfile stops at the declared size, which check_zip has bounded.
            data = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise ValueError(
            f"The member '{name}' of the {what} is corrupt or truncated. ({e})"
        ) from e
    if len(data) != info.file_size:
        raise ValueError(
            f"The member '{name}' of the {what} holds {len(data)} bytes, not the "
            f"{info.file_size} it declares."
        )
    return data
