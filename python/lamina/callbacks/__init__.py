from lamina.callbacks.callback import Callback
from lamina.callbacks.callback_list import CallbackList
from lamina.callbacks.history import History
from lamina.callbacks.progbar_logger import ProgbarLogger
from lamina.callbacks.backup_and_restore import BackupAndRestore
from lamina.callbacks.model_checkpoint import ModelCheckpoint

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
__all__ += ["BackupAndRestore", "ModelCheckpoint"]
