"""Clear errors for the parts of Keras lamina does not have yet.

A Keras script that reaches for `keras.layers.Conv2D` (before lamina has
it), the Functional API or `keras.ops` autodiff should be told so by name,
not fail with an AttributeError deep inside.

Which exception: `NotSupportedError` (a NotImplementedError). A module's
`__getattr__` raises it through `module_getattr`, in one of two flavours:

- attribute access (`keras.layers.Conv2D`, `hasattr`, `getattr(m, n, default)`)
  gets `NotSupportedAttributeError`, also an AttributeError, so `hasattr`
  answers False and `getattr` with a default returns the default, as for any
  missing attribute: feature-detection code keeps working;
- `from keras.layers import Conv2D` gets `NotSupportedImportError`, also an
  ImportError. It must not be an AttributeError there: Python's
  `from ... import` swallows AttributeErrors and raises its own "cannot
  import name" without our message.

Only names the module lacks reach `__getattr__`, so nothing real is hidden.
"""

from __future__ import annotations

import dis
import sys
from typing import Mapping, NoReturn, Optional

_IMPORT_FROM = dis.opmap["IMPORT_FROM"]


class NotSupportedError(NotImplementedError):
    """A Keras feature lamina does not implement (yet)."""


class NotSupportedAttributeError(NotSupportedError, AttributeError):
    """A missing Keras feature met as an attribute (`hasattr` answers False)."""


class NotSupportedImportError(NotSupportedError, ImportError):
    """A missing Keras feature met in `from module import name`."""


def not_supported(feature: str, hint: Optional[str] = None) -> NotSupportedError:
    """The error for a missing Keras feature, naming it and what to do.

    Args:
        feature: the Keras name, e.g. `"keras.layers.Conv2D"`.
        hint: an extra sentence (an alternative, the reason).

    Returns:
        The exception (a `NotSupportedError`), for the caller to raise.
    """
    return NotSupportedError(_message(feature, hint))


def _message(feature: str, hint: Optional[str]) -> str:
    message = f"{feature} is not supported by lamina yet."
    return message + " " + hint if hint else message


def _is_from_import(depth: int) -> bool:
    """Whether the frame `depth` levels up is executing `from m import name`."""
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:
        return False
    code, offset = frame.f_code.co_code, frame.f_lasti
    # f_lasti is the byte offset of the running instruction; its first byte
    # is the opcode (no scan of the code object, so hasattr() stays cheap).
    return 0 <= offset < len(code) and code[offset] == _IMPORT_FROM


def module_getattr(
    module: str, name: str, known: Mapping[str, Optional[str]], default_hint: Optional[str] = None
) -> NoReturn:
    """The body of a module-level `__getattr__` for names the module lacks.

    Call it directly from `__getattr__` (the frame depth matters). Dunder
    and private lookups (`__path__`, `__wrapped__`, ...) made by Python's
    import machinery and tools get a plain AttributeError, as for any module.

    Args:
        module: the Keras module path shown in the message (`"keras.layers"`).
        name: the attribute asked for.
        known: names of Keras features lamina lacks -> a hint for each.
        default_hint: the hint for a public name not in `known`.

    Raises:
        NotSupportedAttributeError: for a public name read as an attribute.
        NotSupportedImportError: for a public name in `from module import name`.
        AttributeError: for a dunder or private name.
    """
    if name.startswith("_"):
        raise AttributeError(f"module '{module}' has no attribute '{name}'")
    message = _message(f"`{module}.{name}`", known.get(name, default_hint))
    # Frames: this function, the module's __getattr__, then the user's code.
    if _is_from_import(2):
        raise NotSupportedImportError(message)
    raise NotSupportedAttributeError(message)


FUNCTIONAL_API_HINT = (
    "lamina runs `keras.Sequential` models only (the Functional API "
    "`keras.Model(inputs, outputs)` and subclassed models are planned); build the model "
    "as `keras.Sequential([...])`."
)


def refuse_python_call(layer_class: type) -> None:
    """Refuses a user's Layer subclass that defines its own `call`.

    lamina runs every layer in its C++ core and cannot differentiate Python
    code, so such a layer could neither run in `fit` nor train. Called from
    `Layer.__init__`, so the error comes where the layer is made, not deep
    inside `fit`.

    Raises:
        NotSupportedError: if a class in `layer_class`'s hierarchy outside
            lamina defines `call`.
    """
    for klass in layer_class.__mro__:
        if "call" in vars(klass) and not klass.__module__.startswith("lamina."):
            raise not_supported(
                f"A custom layer with a Python `call` (`{klass.__name__}.call`)",
                "lamina runs layers in its C++ core and has no automatic differentiation "
                "of Python code. Use the built-in layers of `keras.layers`; a subclass that "
                "only changes arguments or `get_config` works.",
            )
