"""`CSVLogger`: writes each epoch's logs as a row of a CSV file."""

from __future__ import annotations

import collections
import csv
import os
from typing import IO, Any, Dict, List, Optional

import numpy as np

from lamina.callbacks.callback import Callback, Logs

__all__ = ["CSVLogger"]


def _handle_value(value: Any) -> Any:
    """A cell as Keras writes it: strings as-is, sequences as `"[a, b]"`."""
    if isinstance(value, str):
        return value
    zero_dim = isinstance(value, np.ndarray) and value.ndim == 0
    if isinstance(value, collections.abc.Iterable) and not zero_dim:
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Streams the epoch results to a CSV file.

    The header is `epoch` followed by the keys of the first epoch's logs,
    sorted; if those hold no `val_` key, a `val_` column is added for each
    key (filled with `NA` while there is no validation), as Keras 3 does.
    Each epoch then writes one row (epoch index 0-based; `NA` for a missing
    value) and flushes the file. Rows end in `\\r\\n` (the csv module's
    default, which Keras keeps).

    Args:
        filename: Path of the CSV file (str or path-like).
        separator: The field delimiter.
        append: If True, append to an existing file (writing the header only
            if the file is empty); if False, overwrite it.
    """

    def __init__(self, filename: Any, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer: Optional[csv.DictWriter] = None
        self.keys: Optional[List[str]] = None
        self.append_header = True
        self.csv_file: Optional[IO[str]] = None

    def on_train_begin(self, logs: Logs = None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode)
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        logs = logs or {}
        if self.csv_file is None:  # driven by hand, without on_train_begin
            self.on_train_begin()
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if not self.writer:
            sep = self.sep

            class CustomDialect(csv.excel):
                delimiter = sep

            fieldnames = ["epoch"] + (self.keys or [])
            self.writer = csv.DictWriter(
                self.csv_file,  # type: ignore[arg-type]
                fieldnames=fieldnames,
                dialect=CustomDialect,
            )
            if self.append_header:
                self.writer.writeheader()
        row: Dict[str, Any] = collections.OrderedDict({"epoch": epoch})
        row.update((key, _handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        assert self.csv_file is not None
        self.csv_file.flush()

    def on_train_end(self, logs: Logs = None) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
