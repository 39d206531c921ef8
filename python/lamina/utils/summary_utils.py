"""Text summary of a model, laid out like Keras 3.15.1's `model.summary()`.

Keras 3 draws the summary with the `rich` library: a box-drawn table
(`Layer (type)`, `Output Shape`, `Param #`, optionally `Trainable`) followed by
the `Total params` / `Trainable params` / `Non-trainable params` (and, once the
optimizer has been built, `Optimizer params`) lines. lamina does not depend on
`rich`; this module reproduces the same text itself, including rich's column
sizing, word wrapping, `…` truncation and cropping to the console width.

What is emitted where (measured against Keras 3.15.1 with rich 15):

- `print_fn` given: it is called once, with one positional argument: the
  whole summary as a single string, every line ending in `"\\n"` (the last
  one too). The string never contains ANSI escape codes.
- No `print_fn`, stdout is not a terminal (a file, a pipe, pytest's capture,
  a notebook): the same plain text is written to `sys.stdout`. Keras emits no
  escape codes there either, and no trailing spaces.
- No `print_fn`, stdout is a terminal: Keras makes the headers and footer
  labels bold and colours numbers, `None` and class names. lamina writes the
  same ANSI codes, but only on a TTY (rich would also emit them off a TTY
  when `FORCE_COLOR` or `TTY_COMPATIBLE=1` is set; lamina deliberately
  ignores those so that logs and captures stay plain). `NO_COLOR` keeps bold
  but drops colours; `TERM=dumb` disables styling, as in rich.

Widths: the default line length is 88 (100 with `show_trainable=True`),
capped at `shutil.get_terminal_size().columns - 4`, so a redirected stdout
with no `COLUMNS` gets 76. Every printed line is then cropped to the console
width rich would use (`COLUMNS`, else the size of whichever of
stdin/stdout/stderr is a terminal, else 80; 115 in Jupyter), so a
`line_length` wider than that is cut off exactly as Keras cuts it.
"""

from __future__ import annotations

import builtins
import math
import os
import re
import shutil
import sys
import unicodedata
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

__all__ = [
    "count_params",
    "get_layer_index_bound_by_layer_name",
    "print_summary",
    "readable_memory_size",
    "weight_memory_size",
]

# --------------------------------------------------------------------------
# Styles. A style is None (plain) or (bold, colour), where colour is an index
# into the xterm 256-colour palette or None. These are the only styles Keras
# uses in a summary.
# --------------------------------------------------------------------------
_Style = Optional[Tuple[bool, Optional[int]]]

_BOLD: _Style = (True, None)
_NUMBER: _Style = (False, 34)  # parameter counts and shape dimensions
_NONE_DIM: _Style = (False, 45)  # `None` inside a shape
_SYMBOL: _Style = (False, 33)  # the layer's class name
_YES: _Style = (True, 34)
_NO: _Style = (True, 9)

# How rich downgrades the 256-colour indices above on a 16-colour terminal.
_STANDARD_EQUIVALENT = {33: 12, 34: 2, 45: 14}

_ELLIPSIS = "…"

# Box characters, indexed by name, for rich's HEAVY_HEAD box (what Keras asks
# for) and for the ASCII box rich substitutes when stdout's encoding is not
# UTF-*.
_HEAVY_HEAD = {
    "top": "┏━┳┓",
    "head": "┃┃┃",
    "head_row": "┡━╇┩",
    "body": "│││",
    "row": "├─┼┤",
    "bottom": "└─┴┘",
}
_ASCII_BOX = {
    "top": "+--+",
    "head": "|||",
    "head_row": "|-+|",
    "body": "|||",
    "row": "|-+|",
    "bottom": "+--+",
}

_Segment = Tuple[str, _Style]
_Line = List[_Segment]


def _combine(base: _Style, over: _Style) -> _Style:
    """Layers `over` on top of `base` (rich's `Style.__add__`)."""
    if base is None:
        return over
    if over is None:
        return base
    return (base[0] or over[0], over[1] if over[1] is not None else base[1])


# --------------------------------------------------------------------------
# Terminal cell widths.
# --------------------------------------------------------------------------
def _char_cells(char: str) -> int:
    """Number of terminal cells one code point occupies (0, 1 or 2)."""
    code = ord(char)
    if 32 <= code < 0x7F:
        return 1
    if (code and code < 32) or 0x7F <= code < 0xA0:
        return 0
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def _cell_len(text: str) -> int:
    return sum(_char_cells(char) for char in text)


def _set_cell_size(text: str, total: int) -> str:
    """Crops or space-pads `text` to exactly `total` cells.

    A double-width character cut in half becomes a space. A negative `total`
    drops that many characters from the end, which is what rich's
    `set_cell_size` does for narrow text (it reaches this when truncating to a
    zero-width column).
    """
    if all(_char_cells(char) == 1 for char in text):
        if len(text) < total:
            return text + " " * (total - len(text))
        return text[:total]
    if total <= 0:
        return ""
    size = _cell_len(text)
    if size <= total:
        return text + " " * (total - size)
    out: List[str] = []
    used = 0
    for char in text:
        cells = _char_cells(char)
        if used + cells > total:
            if used < total:
                out.append(" ")
            break
        out.append(char)
        used += cells
    return "".join(out)


def _chop_cells(text: str, width: int) -> List[str]:
    """Splits `text` into pieces of at most `width` cells."""
    pieces: List[str] = []
    start = 0
    used = 0
    for index, char in enumerate(text):
        cells = _char_cells(char)
        if used + cells > width:
            pieces.append(text[start:index])
            start = index
            used = 0
        used += cells
    if used:
        pieces.append(text[start:])
    return pieces


_WORD = re.compile(r"\s*\S+\s*")


def _break_offsets(text: str, width: int, fold: bool) -> List[int]:
    """Character offsets at which `text` is broken to fit `width` cells.

    Words (with the whitespace that follows them) move to the next line when
    they do not fit; a word longer than a whole line is either folded into
    line-sized pieces or left whole to be truncated later.
    """
    offsets: List[int] = []
    used = 0
    for match in _WORD.finditer(text):
        start = match.start()
        word = match.group(0)
        word_cells = _cell_len(word.rstrip())
        if width - used >= word_cells:
            used += _cell_len(word)
        elif word_cells > width:
            if fold:
                pieces = _chop_cells(word, width)
                for index, piece in enumerate(pieces):
                    if start:
                        offsets.append(start)
                    if index == len(pieces) - 1:
                        used = _cell_len(piece)
                    else:
                        start += len(piece)
            else:
                if start:
                    offsets.append(start)
                used = _cell_len(word)
        elif used and start:
            offsets.append(start)
            used = _cell_len(word)
    return offsets


# --------------------------------------------------------------------------
# Styled text: one style per character, so wrapping, cropping and padding
# carry the colours along with the characters they belong to.
# --------------------------------------------------------------------------
class _Text:
    """A string with a style per character."""

    def __init__(self, parts: Sequence[Tuple[str, _Style]] = ()) -> None:
        self.chars: List[str] = []
        self.styles: List[_Style] = []
        for text, style in parts:
            self.chars.extend(text)
            self.styles.extend([style] * len(text))

    @property
    def plain(self) -> str:
        return "".join(self.chars)

    def _slice(self, start: int, end: int) -> _Text:
        piece = _Text()
        piece.chars = self.chars[start:end]
        piece.styles = self.styles[start:end]
        return piece

    def set_plain(self, new: str) -> None:
        """Replaces the characters; positions that existed keep their style."""
        old_styles = self.styles
        self.chars = list(new)
        self.styles = [old_styles[i] if i < len(old_styles) else None for i in range(len(new))]

    def pad_left(self, count: int) -> None:
        if count > 0:
            self.chars[:0] = [" "] * count
            self.styles[:0] = [None] * count

    def pad_right(self, count: int) -> None:
        if count > 0:
            self.chars.extend([" "] * count)
            self.styles.extend([None] * count)

    def split_lines(self) -> List[_Text]:
        lines: List[_Text] = []
        start = 0
        for index, char in enumerate(self.chars):
            if char == "\n":
                lines.append(self._slice(start, index))
                start = index + 1
        lines.append(self._slice(start, len(self.chars)))
        return lines

    def divide(self, offsets: Sequence[int]) -> List[_Text]:
        bounds = [0, *offsets, len(self.chars)]
        return [self._slice(a, b) for a, b in zip(bounds, bounds[1:])]

    def rstrip(self) -> None:
        self.set_plain(self.plain.rstrip())

    def rstrip_end(self, size: int) -> None:
        """Drops trailing whitespace that lies beyond `size` characters."""
        excess = len(self.chars) - size
        if excess > 0:
            plain = self.plain
            trailing = len(plain) - len(plain.rstrip())
            drop = min(trailing, excess)
            if drop:
                del self.chars[-drop:]
                del self.styles[-drop:]

    def truncate(self, width: int, overflow: str, pad: bool = False) -> None:
        length = _cell_len(self.plain)
        if length > width:
            if overflow == "ellipsis":
                self.set_plain(_set_cell_size(self.plain, width - 1) + _ELLIPSIS)
            else:
                self.set_plain(_set_cell_size(self.plain, width))
        if pad and length < width:
            self.pad_right(width - length)

    def segments(self, base: _Style = None) -> _Line:
        """Runs of equally styled characters, each layered over `base`."""
        runs: _Line = []
        for char, style in zip(self.chars, self.styles):
            style = _combine(base, style)
            if runs and runs[-1][1] == style:
                runs[-1] = (runs[-1][0] + char, style)
            else:
                runs.append((char, style))
        return runs


def _wrap(text: _Text, width: int, justify: str, overflow: str) -> List[_Text]:
    """Word-wraps and justifies `text` into lines of `width` cells.

    `justify` is "left", "right", "center" or "default" (no padding);
    `overflow` is "ellipsis" (table cells) or "fold" (free text).
    """
    lines: List[_Text] = []
    for paragraph in text.split_lines():
        if "\t" in paragraph.chars:
            paragraph.set_plain(paragraph.plain.expandtabs(8))
        pieces = paragraph.divide(_break_offsets(paragraph.plain, width, overflow == "fold"))
        for piece in pieces:
            piece.rstrip_end(width)
        for piece in pieces:
            if justify == "left":
                piece.truncate(width, overflow, pad=True)
            elif justify in ("right", "center"):
                piece.rstrip()
                piece.truncate(width, overflow)
                room = width - _cell_len(piece.plain)
                if justify == "right":
                    piece.pad_left(room)
                else:
                    piece.pad_left(room // 2)
                    piece.pad_right(width - _cell_len(piece.plain))
            piece.truncate(width, overflow)
        lines.extend(pieces)
    return lines


def _fit_line(line: _Line, width: int, pad: bool, pad_style: _Style = None) -> _Line:
    """Crops `line` to `width` cells; with `pad`, fills short lines with spaces."""
    out: _Line = []
    used = 0
    for text, style in line:
        cells = _cell_len(text)
        if used + cells < width:
            out.append((text, style))
            used += cells
            continue
        out.append((_set_cell_size(text, width - used), style))
        used = width
        break
    if pad and used < width:
        out.append((" " * (width - used), pad_style))
    return out


# --------------------------------------------------------------------------
# Table layout (rich's algorithm for a table of fixed-width columns with a
# fixed total width, one space of padding on each side of every cell).
# --------------------------------------------------------------------------
def _ratio_reduce(
    total: int, ratios: List[int], maximums: List[int], values: List[int]
) -> List[int]:
    ratios = [ratio if maximum else 0 for ratio, maximum in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    result: List[int] = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            # Python's round() (half to even) is what rich uses here.
            taken = min(maximum, round(ratio * remaining / total_ratio))
            result.append(value - taken)
            remaining -= taken
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _ratio_distribute(total: int, ratios: List[int]) -> List[int]:
    total_ratio = sum(ratios)
    remaining = total
    result: List[int] = []
    for ratio in ratios:
        share = math.ceil(ratio * remaining / total_ratio) if total_ratio > 0 else remaining
        result.append(share)
        total_ratio -= ratio
        remaining -= share
    return result


def _layout_columns(requested: List[int], table_width: int) -> List[int]:
    """Final width of each column, padding included, borders excluded.

    Each column asks for its width plus two cells of padding. If the sum does
    not fit in `table_width` minus the borders, every column gives up an even
    share of the excess; if it falls short, the slack is shared out in
    proportion to the widths (the table always fills `table_width`).
    """
    available = table_width - (len(requested) + 1)
    if available < 1:
        widths = [1] * len(requested)
    else:
        widths = [min(width + 2, available) or 1 for width in requested]
    total = sum(widths)
    if total > available:
        widths = _ratio_reduce(total - available, [1] * len(widths), widths, widths)
        total = sum(widths)
    if total < available and total > 0:
        widths = [
            w + extra for w, extra in zip(widths, _ratio_distribute(available - total, widths))
        ]
    return widths


def _render_cell(text: _Text, width: int, justify: str, style: _Style) -> List[_Line]:
    """Lines of one cell, each exactly `width` cells wide."""
    inner = max(width - 2, 0)
    lines = []
    for piece in _wrap(text, inner, justify, "ellipsis"):
        content = _fit_line(piece.segments(style), inner, pad=True, pad_style=style)
        cell = [(" ", style), *content, (" ", style)]
        lines.append(_fit_line(cell, width, pad=True, pad_style=style))
    return lines


def _render_table(
    header: List[str],
    justify: List[str],
    rows: List[List[_Text]],
    requested: List[int],
    table_width: int,
    box: Dict[str, str],
) -> List[_Line]:
    widths = _layout_columns(requested, table_width)

    def rule(chars: str) -> _Line:
        left, fill, cross, right = tuple(chars)
        return [(left + cross.join(fill * w for w in widths) + right, None)]

    def row_lines(cells: List[_Text], chars: str, style: _Style, vertical: str) -> List[_Line]:
        rendered = [
            _render_cell(cell, width, just, style)
            for cell, width, just in zip(cells, widths, justify)
        ]
        height = max(len(lines) for lines in rendered)
        for lines, width in zip(rendered, widths):
            filler: List[_Line] = [[(" " * width, style)]] * (height - len(lines))
            lines[:] = filler + lines if vertical == "bottom" else lines + filler
        left, divider, right = tuple(chars)
        out: List[_Line] = []
        for index in range(height):
            line: _Line = [(left, None)]
            for column, lines in enumerate(rendered):
                if column:
                    line.append((divider, None))
                line.extend(lines[index])
            line.append((right, None))
            out.append(line)
        return out

    out = [rule(box["top"])]
    # The header row is bottom-aligned and bold; body rows are top-aligned.
    out.extend(row_lines([_Text([(h, None)]) for h in header], box["head"], _BOLD, "bottom"))
    out.append(rule(box["head_row"]))
    for index, cells in enumerate(rows):
        if index:
            out.append(rule(box["row"]))
        out.extend(row_lines(cells, box["body"], None, "top"))
    out.append(rule(box["bottom"]))
    return out


# --------------------------------------------------------------------------
# Console: width, styling and writing.
# --------------------------------------------------------------------------
def _in_notebook() -> bool:
    get_ipython = getattr(builtins, "get_ipython", None)
    if get_ipython is None:
        return False
    shell = get_ipython()
    return (
        type(shell).__name__ == "ZMQInteractiveShell"
        or "google.colab" in str(type(shell))
        or bool(os.environ.get("DATABRICKS_RUNTIME_VERSION"))
    )


def _stdout_is_tty() -> bool:
    stream = sys.stdout
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # closed or detached stream
        return False


def _dumb_terminal() -> bool:
    return os.environ.get("TERM", "").lower() in ("dumb", "unknown")


def _console_width(styled_output: bool) -> int:
    """Width (in cells) at which rich would crop the summary's lines."""
    env = os.environ
    if _in_notebook():
        columns = env.get("JUPYTER_COLUMNS", "")
        return int(columns) if columns.isdigit() else 115
    columns = env.get("COLUMNS", "")
    from_env = int(columns) if columns.isdigit() and int(columns) > 0 else None
    lines = env.get("LINES", "")
    if from_env is not None and lines.isdigit():
        return from_env
    if styled_output and _dumb_terminal():
        return 80
    width = None
    for fd in (1, 2) if sys.platform == "win32" else (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    if from_env is not None:
        width = from_env
    return width or 80


def _color_system() -> Optional[str]:
    """Colour support of the stdout terminal, as rich detects it."""
    if _dumb_terminal():
        return None
    if sys.platform == "win32":
        return "256"
    if os.environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        return "truecolor"
    colors = os.environ.get("TERM", "").strip().lower().rpartition("-")[2]
    return "256" if colors in ("256color", "kitty") else "standard"


def _ansi(text: str, style: _Style, color_system: str, no_color: bool) -> str:
    if not text or style is None:
        return text
    bold, color = style
    codes = ["1"] if bold else []
    if color is not None and not no_color:
        if color >= 16 and color_system == "standard":
            color = _STANDARD_EQUIVALENT.get(color, color)
        if color < 8:
            codes.append(str(30 + color))
        elif color < 16:
            codes.append(str(90 + color - 8))
        else:
            codes.append(f"38;5;{color}")
    if not codes:
        return text
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def _write_to_stdout(text: str) -> None:
    stream = sys.stdout
    if stream is None:  # pythonw / detached process
        return
    try:
        stream.write(text)
    except UnicodeEncodeError:
        # Keras crashes here (e.g. a truncated name's "…" on an ASCII
        # stdout); lamina writes "?" in its place instead.
        encoding = getattr(stream, "encoding", None) or "utf-8"
        stream.write(text.encode(encoding, errors="replace").decode(encoding))
    stream.flush()


# --------------------------------------------------------------------------
# Parameter counting.
# --------------------------------------------------------------------------
_DTYPE_BITS = {
    **{f"float{n}": n for n in (16, 32, 64)},
    **{f"int{n}": n for n in (8, 16, 32, 64)},
    **{f"uint{n}": n for n in (8, 16, 32, 64)},
    "bfloat16": 16,
    "bool": 1,
}


def _dtype_bits(weight: Any) -> int:
    dtype = getattr(weight, "dtype", None)
    if dtype is None:
        return 32  # lamina's variables are float32 unless they say otherwise
    name = getattr(dtype, "name", None)
    name = name if isinstance(name, str) else str(dtype)
    name = name.rsplit(".", 1)[-1].strip("<>' ")
    return _DTYPE_BITS.get(name, 32)


def count_params(weights: Sequence[Any]) -> int:
    """Total number of scalars in `weights`.

    Args:
        weights: Objects with a `.shape` tuple.

    Returns:
        The sum of the products of the shapes (a weight listed twice counts
        twice, as in Keras).
    """
    return int(sum(math.prod(tuple(w.shape)) for w in weights))


def weight_memory_size(weights: Sequence[Any]) -> float:
    """Memory taken by `weights`, in bytes, counting each object once.

    Args:
        weights: Objects with a `.shape` tuple and optionally a `.dtype`
            (float32 is assumed when there is none).

    Returns:
        The size in bytes (a float: `bool` weights take one bit).
    """
    unique = {id(w): w for w in weights}.values()
    return sum(math.prod(tuple(w.shape)) * _dtype_bits(w) for w in unique) / 8


def readable_memory_size(size: float) -> str:
    """Formats a byte count the way Keras does, e.g. `"215.04 KB"`.

    Args:
        size: A number of bytes.

    Returns:
        The size with two decimals and the largest unit (B, KB, MB, GB, TB,
        PB, powers of 1024) that keeps the number at or above 1.
    """
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def get_layer_index_bound_by_layer_name(
    layers: Sequence[Any], layer_range: Optional[Sequence[str]] = None
) -> List[int]:
    """Slice bounds `[start, stop)` of the layers selected by `layer_range`.

    Args:
        layers: The model's layers, in order.
        layer_range: `None` for all layers, or two regular expressions: the
            first layer whose name matches the first one starts the range,
            the last layer whose name matches the second one ends it
            (inclusive).

    Returns:
        `[start, stop]` such that `layers[start:stop]` is the range.

    Raises:
        ValueError: If `layer_range` is not two strings or matches no layer.
    """
    if layer_range is None:
        return [0, len(layers)]
    if len(layer_range) != 2:
        raise ValueError(
            "layer_range must be a list or tuple of length 2. Received: "
            f"layer_range = {layer_range} of length {len(layer_range)}"
        )
    if not isinstance(layer_range[0], str) or not isinstance(layer_range[1], str):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(
            f"Passed layer_names do not match the layer names in the model. Received: {layer_range}"
        )
    if min(lower) > max(upper):
        return [min(upper), max(lower) + 1]
    return [min(lower), max(upper) + 1]


# --------------------------------------------------------------------------
# Cells.
# --------------------------------------------------------------------------
def _shape_text(shape: Any) -> List[Tuple[str, _Style]]:
    parts: List[Tuple[str, _Style]] = [("(", None)]
    for index, dim in enumerate(shape):
        if index:
            parts.append((", ", None))
        parts.append((str(dim), _NONE_DIM if dim is None else _NUMBER))
    parts.append((")", None))
    return parts


def _output_shape_cell(layer: Any) -> _Text:
    if not getattr(layer, "built", True):
        return _Text([("?", None)])
    try:
        shape = layer.output_shape
    except (AttributeError, ValueError, NotImplementedError, RuntimeError):
        return _Text([("?", None)])
    if shape is None:
        return _Text([("?", None)])
    if len(shape) and all(isinstance(s, (tuple, list)) for s in shape):
        if len(shape) == 1:
            return _Text(_shape_text(shape[0]))
        # Several outputs: Keras prints the Python repr of the container of
        # formatted shapes, with the quotes removed.
        formatted = [_Text(_shape_text(s)).plain for s in shape]
        container = list(formatted) if isinstance(shape, list) else tuple(formatted)
        return _Text([(str(container).replace("'", ""), None)])
    return _Text(_shape_text(shape))


def _layer_cells(layer: Any, prefix: str, show_trainable: bool) -> List[_Text]:
    name = _Text([(f"{prefix}{layer.name} (", None), (type(layer).__name__, _SYMBOL), (")", None)])
    if not hasattr(layer, "built"):
        params = _Text([("0", _NUMBER)])
    elif not layer.built:
        params = _Text([("0", _NUMBER), (" (unbuilt)", None)])
    else:
        params = _Text([(f"{layer.count_params():,}", _NUMBER)])
    cells = [name, _output_shape_cell(layer), params]
    if show_trainable:
        weights = getattr(layer, "weights", None)
        if weights is None:
            weights = [
                *getattr(layer, "trainable_weights", []),
                *getattr(layer, "non_trainable_weights", []),
            ]
        if len(weights) > 0:
            cells.append(_Text([("Y", _YES)] if layer.trainable else [("N", _NO)]))
        else:
            cells.append(_Text([("-", _BOLD)]))
    return cells


def _layer_rows(
    layer: Any, level: int, expand_nested: bool, show_trainable: bool
) -> List[List[_Text]]:
    prefix = "   " * level + "└ " if level else ""
    rows = [_layer_cells(layer, prefix, show_trainable)]
    nested = getattr(layer, "layers", None) if expand_nested else None
    if nested:
        for child in nested:
            rows.extend(_layer_rows(child, level + 1, expand_nested, show_trainable))
    return rows


def _footer(label: str, count: int, size: float) -> _Text:
    return _Text(
        [
            (f" {label}: ", _BOLD),
            (f"{count:,}", _NUMBER),
            (f" ({readable_memory_size(size)})", None),
        ]
    )


# --------------------------------------------------------------------------
# Entry point.
# --------------------------------------------------------------------------
def print_summary(
    model: Any,
    line_length: Optional[int] = None,
    positions: Optional[Sequence[float]] = None,
    print_fn: Optional[Callable[..., Any]] = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
    layer_range: Optional[Sequence[str]] = None,
) -> None:
    """Prints a summary of a Sequential model, as Keras 3.15.1 does.

    Args:
        model: The model. Read: `name`, `layers` (without the input layer),
            `trainable_weights`, `non_trainable_weights`, `optimizer` and,
            when present, `compiled`. Each layer provides `name`, `built`,
            `count_params()`, `output_shape`, `trainable` and its weights.
        line_length: Total width of the table in characters. Defaults to 88
            (100 with `show_trainable`), capped at the terminal width minus 4.
        positions: Right edge of each column as a fraction of `line_length`
            (a column's width is `int(p * line_length)` minus the previous
            edge). Defaults to `[0.45, 0.80, 1.0]`. With `show_trainable`,
            the positions are scaled by 0.9 and a `1.0` is appended.
        print_fn: Called once with the whole summary as one string (lines
            separated and terminated by `"\\n"`, no escape codes). When
            `None`, the summary is written to `sys.stdout`.
        expand_nested: Also list the layers of nested models, indented under
            their parent with `└ `.
        show_trainable: Add a `Trainable` column: `Y` or `N` for layers with
            weights, `-` for layers without.
        layer_range: Two regular expressions selecting the first and last
            layer to list (see `get_layer_index_bound_by_layer_name`). The
            parameter totals always cover the whole model.

    Raises:
        ValueError: If a column would be narrower than 4 characters
            ("Insufficient console width to print summary."), if `positions`
            has fewer entries than there are columns, or if `layer_range` is
            invalid. Like Keras 3.15.1 (and unlike Keras 2), an unbuilt model
            does not raise: its layers show `?` and `0 (unbuilt)`.
    """
    header = ["Layer (type)", "Output Shape", "Param #"]
    justify = ["left", "left", "right"]
    default_length = 88
    positions = list(positions or [0.45, 0.80, 1.0])
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length

    requested: List[int] = []
    edge = 0
    for position in positions:
        width = int(position * line_length) - edge
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        requested.append(width)
        edge += width
    if len(requested) < len(header):
        # Keras fails with an IndexError here; say what is wrong instead.
        raise ValueError(
            f"`positions` must give one position per column ({len(header)} columns: "
            f"{header}). Received: positions={positions}"
        )
    requested = requested[: len(header)]

    layers = list(model.layers)
    start, stop = get_layer_index_bound_by_layer_name(layers, layer_range)
    rows: List[List[_Text]] = []
    for layer in layers[start:stop]:
        rows.extend(_layer_rows(layer, 0, expand_nested, show_trainable))

    trainable = list(getattr(model, "trainable_weights", []))
    non_trainable = list(getattr(model, "non_trainable_weights", []))
    optimizer = getattr(model, "optimizer", None)
    compiled = getattr(model, "compiled", optimizer is not None)
    optimizer_vars: List[Any] = []
    optimizer_built = False
    if compiled and optimizer is not None:
        optimizer_vars = list(getattr(optimizer, "variables", []))
        optimizer_built = bool(getattr(optimizer, "built", len(optimizer_vars) > 0))
    trainable_count = count_params(trainable)
    non_trainable_count = count_params(non_trainable)
    optimizer_count = count_params(optimizer_vars) if optimizer_built else 0
    trainable_size = weight_memory_size(trainable)
    non_trainable_size = weight_memory_size(non_trainable)
    optimizer_size = weight_memory_size(optimizer_vars) if optimizer_built else 0.0

    styled = print_fn is None and _stdout_is_tty() and not _in_notebook()
    console_width = _console_width(styled)
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower()
    box = _HEAVY_HEAD if encoding.startswith("utf") else _ASCII_BOX

    def text_lines(text: _Text) -> List[_Line]:
        return [piece.segments() for piece in _wrap(text, console_width, "default", "fold")]

    lines = text_lines(_Text([(f'Model: "{model.name}"', _BOLD)]))
    lines.extend(_render_table(header, justify, rows, requested, line_length, box))
    lines.extend(
        text_lines(
            _footer(
                "Total params",
                trainable_count + non_trainable_count + optimizer_count,
                trainable_size + non_trainable_size + optimizer_size,
            )
        )
    )
    lines.extend(text_lines(_footer("Trainable params", trainable_count, trainable_size)))
    lines.extend(
        text_lines(_footer("Non-trainable params", non_trainable_count, non_trainable_size))
    )
    if optimizer_built:
        lines.extend(text_lines(_footer("Optimizer params", optimizer_count, optimizer_size)))
    lines = [_fit_line(line, console_width, pad=False) for line in lines]

    if not styled:
        summary = "".join("".join(text for text, _ in line) + "\n" for line in lines)
        if print_fn is not None:
            print_fn(summary)
        else:
            _write_to_stdout(summary)
        return

    color_system = _color_system()
    no_color = os.environ.get("NO_COLOR", "") != ""
    out: List[str] = []
    for line in lines:
        for text, style in line:
            out.append(_ansi(text, style, color_system, no_color) if color_system else text)
        out.append("\n")
    _write_to_stdout("".join(out))
