"""Writers of tiny files in Keras's dataset formats, and a local HTTP server,
for the dataset-loader tests."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import tarfile
import threading
from typing import Any, Dict, Iterator, List

import numpy as np


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def object_array(sequences: List[List[int]]) -> np.ndarray:
    out = np.empty(len(sequences), dtype=object)
    for i, s in enumerate(sequences):
        out[i] = s
    return out


def write_mnist(path: str, n_train: int = 6, n_test: int = 4) -> Dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    np.savez(path, **arrays)
    return arrays


def write_idx_gz(path: str, array: np.ndarray) -> None:
    """An IDX file (big-endian magic and sizes, then uint8 data), gzipped."""
    dims = array.shape
    header = bytes([0, 0, 8, len(dims)]) + b"".join(int(d).to_bytes(4, "big") for d in dims)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def cifar_batch(n: int, label_keys: Dict[bytes, List[int]], seed: int) -> bytes:
    """A CIFAR batch as Keras reads it: a pickled dict with bytes keys."""
    rng = np.random.default_rng(seed)
    batch: Dict[bytes, Any] = {
        b"batch_label": b"testing batch",
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        b"filenames": [b"img_%d.png" % i for i in range(n)],
    }
    batch.update(label_keys)
    return pickle.dumps(batch, protocol=4)


def write_tar_gz(path: str, members: Dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


class Evil:
    """Unpickling this runs `os.system` -- unless the unpickler refuses it."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (os.system, (f"touch {self.marker}",))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def serve_directory(directory: str) -> Iterator[str]:
    """Serves `directory` on 127.0.0.1 (a free port) while the generator is open."""
    handler = functools.partial(_QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
