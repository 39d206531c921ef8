"""Text progress bar, formatted like Keras 3's `keras.utils.Progbar`.

Output matches Keras 3.15.1 byte for byte when the display is dynamic (a
terminal or a Jupyter kernel). When stdout is a log file, a pipe or a test
capture, lamina writes plain lines instead of Keras's backspace/escape-code
stream; see `Progbar` for the rules.
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import numpy as np

__all__ = ["Progbar", "write_to_stdout"]

# ANSI codes as Keras 3 emits them.
_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_GREY = "\x1b[37m"
_RESET = "\x1b[0m"

_DONE_CHAR = "━"
# Plain mode has no colours, so the unfinished part of the bar needs its own
# glyph to stay distinguishable from the finished part.
_TODO_CHAR_PLAIN = "─"

# Used only when stdout cannot encode the box-drawing glyphs (e.g. an ASCII
# or cp1252 console); "=" is what Keras falls back to as well.
_ASCII_FALLBACK = {ord(_DONE_CHAR): "=", ord(_TODO_CHAR_PLAIN): "."}

_ENV_MODE = "LAMINA_PROGRESS"


def write_to_stdout(message: str) -> None:
    """Writes `message` to the current `sys.stdout` and flushes it.

    `sys.stdout` is looked up at every call so that redirections made after
    import (pytest's capture, `contextlib.redirect_stdout`) are honoured.

    Args:
        message: The exact text to write; no newline is added.
    """
    stream = sys.stdout
    if stream is None:  # pythonw / detached process: nowhere to write
        return
    try:
        stream.write(message)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        safe = message.translate(_ASCII_FALLBACK)
        stream.write(safe.encode(encoding, errors="ignore").decode(encoding))
    stream.flush()


def _stdout_is_interactive() -> bool:
    stream = sys.stdout
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False


def _use_dynamic_display() -> bool:
    """Decides whether progress may be redrawn in place.

    `LAMINA_PROGRESS=plain|dynamic` forces a mode; otherwise a terminal or a
    running IPython kernel gets the dynamic display.
    """
    forced = os.environ.get(_ENV_MODE, "").strip().lower()
    if forced == "plain":
        return False
    if forced == "dynamic":
        return True
    return _stdout_is_interactive() or "ipykernel" in sys.modules


def _format_time(time_per_unit: float, unit_name: str) -> str:
    """Formats a per-unit duration as Keras does, e.g. `" 59ms/step"`."""
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"


def _format_eta(eta: float) -> str:
    if eta > 3600:
        return f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"


class Progbar:
    """Displays a progress bar.

    Formatting follows Keras 3.15.1 exactly, e.g. at the end of a run
    `3/3 ━━━━━━━━━━━━━━━━━━━━ 1s 59ms/step - accuracy: 0.5333 - loss: 0.7026`
    (bold count, green/grey bar, an ETA while running, elapsed time and time
    per step at the end) for `verbose=1`, and one line
    `3/3 - 0s - 27ms/step - accuracy: 0.5333 - loss: 0.7026` for `verbose=2`.

    Improvement over Keras: Keras redraws in place (backspaces, `\\r`, ANSI
    colours) whenever Python runs on a POSIX system, so log files and pipes
    fill with control characters. lamina redraws in place only when
    `sys.stdout.isatty()` is true or an IPython kernel is running. Otherwise
    (log file, pipe, test capture) `verbose=1` writes a single plain line per
    bar, without `\\b`, `\\r` or escape codes, when the bar is finalized; the
    unfinished part of the bar is drawn with `─` there since colours are
    unavailable. `verbose=2` output is identical in both modes. Set the
    environment variable `LAMINA_PROGRESS=plain` or `LAMINA_PROGRESS=dynamic`
    to force a mode.

    If neither `stateful_metrics` nor `stateless_metrics` is given, every
    metric is averaged over steps by the bar before being displayed.

    Args:
        target: Total number of steps expected, `None` if unknown.
        width: Width of the bar, in characters.
        verbose: 0 (silent), 1 (progress bar) or 2 (one line at the end).
        interval: Minimum time in seconds between two redraws.
        stateful_metrics: Names of metrics displayed as given (not
            averaged); all others are averaged. Exclusive with
            `stateless_metrics`.
        stateless_metrics: Names of metrics that are averaged; all others are
            displayed as given. Exclusive with `stateful_metrics`.
        unit_name: Name of the counted unit, e.g. `"step"` or `"sample"`.

    Raises:
        ValueError: If both `stateful_metrics` and `stateless_metrics` are
            given.
    """

    def __init__(
        self,
        target: Optional[int],
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Optional[Iterable[str]] = None,
        stateless_metrics: Optional[Iterable[str]] = None,
        unit_name: str = "step",
    ) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar accepts only one of `stateful_metrics` (names shown "
                "as given, all others averaged) and `stateless_metrics` (names "
                "averaged, all others shown as given). Received: "
                f"stateful_metrics={stateful_metrics!r}, "
                f"stateless_metrics={stateless_metrics!r}"
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics: Optional[Set[str]]
        self.stateless_metrics: Optional[Set[str]]
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None

        self._dynamic_display = _use_dynamic_display()
        self._seen_so_far: int = 0
        # name -> [accumulated value, weight]; insertion order is display order.
        self._values: Dict[str, List[Any]] = {}
        self._values_order: List[str] = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step: Optional[float] = None
        self._prev_total_width = 0

    def update(
        self,
        current: int,
        values: Optional[Sequence[Tuple[str, Any]]] = None,
        finalize: Optional[bool] = None,
    ) -> None:
        """Updates the progress bar.

        Args:
            current: Index of the current step (1-based count of steps done).
            values: `(name, value)` pairs for the last step. Stateful metrics
                are shown as given; the others are averaged over steps.
            finalize: Whether this is the last update. Defaults to
                `current >= target` (never true for an unknown target).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target

        for name, value in values or ():
            if name not in self._values:
                self._values_order.append(name)
            if self.stateless_metrics is not None:
                averaged = name in self.stateless_metrics
            else:
                averaged = self.stateful_metrics is None or name not in self.stateful_metrics
            if averaged and not finalize:
                # Weight by the steps since the last update; at least 1 so
                # that repeated updates at the same step still count.
                steps = max(current - self._seen_so_far, 1)
                entry = self._values.get(name)
                if entry is None:
                    self._values[name] = [value * steps, steps]
                else:
                    entry[0] += value * steps
                    entry[1] += steps
            else:
                # A finalizing update carries the final (already averaged)
                # value, so it replaces the running mean, as in Keras.
                self._values[name] = [value, 1]
        self._seen_so_far = current

        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)

        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            if self._dynamic_display:
                self._draw_dynamic(current, finalize, now, time_per_unit)
            elif finalize:
                write_to_stdout(self._bar_line(current, finalize, now, time_per_unit)[1] + "\n")
        elif self.verbose == 2:
            if finalize and self.target is not None and self.target > 0:
                digits = int(math.log10(self.target)) + 1
                line = f"%{digits}d/%d" % (current, self.target)
                line += f" - {now - self._start:.0f}s"
                line += " -" + _format_time(time_per_unit, self.unit_name)
                line += self._format_values(signed=False)
                write_to_stdout(line + "\n")

        self._last_update = now

    def add(self, n: int, values: Optional[Sequence[Tuple[str, Any]]] = None) -> None:
        """Advances the bar by `n` steps.

        Args:
            n: Number of steps done since the last update.
            values: As in `update`.
        """
        self.update(self._seen_so_far + n, values)

    def _draw_dynamic(self, current: int, finalize: bool, now: float, time_per_unit: float) -> None:
        styled, _, width = self._bar_line(current, finalize, now, time_per_unit)
        # Keras's exact redraw sequence: erase the previous line, return to
        # column 0, draw, and pad with spaces if the line got shorter.
        message = "\b" * self._prev_total_width + "\r" + styled
        if self._prev_total_width > width:
            message += " " * (self._prev_total_width - width)
        if finalize:
            message += "\n"
        write_to_stdout(message)
        self._prev_total_width = width

    def _bar_line(
        self, current: int, finalize: bool, now: float, time_per_unit: float
    ) -> Tuple[str, str, int]:
        """Builds the verbose=1 line.

        Returns:
            The line with ANSI codes, the line without them, and its visible
            width (used to blank out leftovers of a longer previous line).
        """
        known_target = self.target is not None and self.target > 0
        if known_target:
            target = self.target
            assert target is not None
            digits = int(math.log10(target)) + 1
            count = f"%{digits}d/%d" % (current, target)
            done = int(self.width * (float(current) / target))
            todo = self.width - done
            styled = f"{_BOLD}{count}{_RESET} "
            plain = f"{count} "
            if done > 0:
                styled += f"{_GREEN}{_DONE_CHAR * done}{_RESET}"
                plain += _DONE_CHAR * done
            styled += f"{_GREY}{_DONE_CHAR * todo}{_RESET}"
            plain += _TODO_CHAR_PLAIN * todo
        else:
            styled = plain = f"{int(current):7d}/Unknown"

        if known_target and not finalize:
            assert self.target is not None
            clock = _format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        tail = _format_time(time_per_unit, self.unit_name) + self._format_values(signed=True)
        styled += f" {_BOLD}{clock}{_RESET}{tail}"
        plain += f" {clock}{tail}"
        return styled, plain, len(plain)

    def _format_values(self, signed: bool) -> str:
        """Formats `" - name: value"` for every metric seen so far.

        Args:
            signed: Use `abs(value)` to choose between `%.4f` and `%.4e`
                (Keras's verbose=1 rule); otherwise the raw value is compared,
                so negative numbers print in `%.4e` (Keras's verbose=2 rule).
        """
        parts = []
        for name in self._values_order:
            total, count = self._values[name]
            if not isinstance(total, float):
                total = np.mean(total)
            avg = total / max(1, count)
            big = abs(avg) > 1e-3 if signed else avg > 1e-3
            parts.append(f" - {name}: {avg:.4f}" if big else f" - {name}: {avg:.4e}")
        return "".join(parts)

    def _estimate_step_duration(self, current: int, now: float) -> float:
        """Estimates the duration of one step.

        The first step (graph tracing, warm-up) is left out of the estimate
        once later steps are known. Returns 0 before any step is done.
        """
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit
