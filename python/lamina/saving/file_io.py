"""Atomic file writes: a save either completes or leaves the old file intact.

Every file lamina writes goes through `atomic_write`: the bytes go to a
temporary file in the target's directory (same filesystem, so the final
rename is atomic), which is flushed and fsynced, then `os.replace`d over the
target. Any exception before the replace removes the temporary and leaves
whatever was at `path` untouched.

`_fault_hook`, when set, is called with the name of each point in
`HOOK_POINTS` as the write passes it; a test raises from it to simulate a
crash at that point deterministically (no timing involved).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from typing import IO, Any, Callable, Iterator, Optional

# Points at which `_fault_hook` is called, in order. All precede the replace,
# so a failure at any of them must leave the original file as it was.
HOOK_POINTS = ("after_open", "after_write", "before_fsync", "before_replace")

_fault_hook: Optional[Callable[[str], None]] = None


def _hook(point: str) -> None:
    hook = _fault_hook
    if hook is not None:
        hook(point)


def _create_temporary(directory: str, base: str) -> tuple[int, str]:
    """Opens a new, uniquely named file next to the target.

    The mode argument 0o666 lets the process umask decide the permissions,
    as for a file opened normally (mkstemp would force 0o600).
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"Could not create a temporary file in {directory!r}.")


def _fsync_directory(directory: str) -> None:
    """Makes the rename durable; best effort (not every OS can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: Any) -> Iterator[IO[bytes]]:
    """Yields a binary file (readable, writable, seekable) whose contents
    replace `path` when the `with` block ends without an exception.

    Args:
        path: the file to write (str or path-like). A symbolic link is kept:
            the file it points to is replaced.

    Yields:
        The temporary file, opened `w+b`. The block may close it itself.

    Raises:
        OSError: if the directory cannot be written; and whatever the block
            raises, after the temporary file has been removed.
    """
    target = os.path.realpath(os.fspath(path))
    directory, base = os.path.split(target)
    fd, tmp = _create_temporary(directory or ".", base)
    try:
        with os.fdopen(fd, "w+b") as f:
            _hook("after_open")
            yield f
            _hook("after_write")
            _hook("before_fsync")
            if f.closed:
                # The block closed the file itself (e.g. a library did).
                with open(tmp, "rb") as again:
                    os.fsync(again.fileno())
            else:
                f.flush()
                os.fsync(f.fileno())
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            mode = None
        if mode is not None:
            os.chmod(tmp, mode)  # keep the permissions of the file we replace
        _hook("before_replace")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    _fsync_directory(directory or ".")


def write_bytes(path: Any, data: bytes) -> None:
    """Writes `data` to `path` atomically (see `atomic_write`)."""
    with atomic_write(path) as f:
        f.write(data)
