"""`keras.models`."""

from typing import Any

from lamina.models.sequential import Sequential

__all__ = ["Sequential", "clone_model", "load_model", "model_from_json", "save_model"]

# Resolved on first use: `lamina.saving` imports the layer and model
# modules, so importing it here would be circular.
_FROM_SAVING = {
    "load_model": "lamina.saving.saving_api",
    "save_model": "lamina.saving.saving_api",
    "clone_model": "lamina.saving.serialization_lib",
    "model_from_json": "lamina.saving.serialization_lib",
}


def __getattr__(name: str) -> Any:
    if name in _FROM_SAVING:
        import importlib

        return getattr(importlib.import_module(_FROM_SAVING[name]), name)
    from lamina.utils.unsupported import FUNCTIONAL_API_HINT, module_getattr

    known = {"Model": FUNCTIONAL_API_HINT, "Functional": FUNCTIONAL_API_HINT}
    module_getattr("keras.models", name, known)
