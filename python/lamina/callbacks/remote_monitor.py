"""RemoteMonitor: POSTs each epoch's logs to a server, as Keras 3's.

Keras sends the request with `requests` and raises `ImportError` at the first
epoch end when it is not installed. lamina's only hard dependencies are numpy
and h5py, so it uses `requests` when it is importable -- the exact request
Keras sends -- and otherwise builds the same request with the standard
library's `urllib`: the same URL, method, body bytes and `Content-Type`, so a
server cannot tell the two apart except by the `User-Agent` header.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings
from typing import Any, Dict, Optional

import numpy as np

from lamina.callbacks.callback import Callback, Logs

# `requests` is imported on first use (importing it at `import lamina` time
# costs a tenth of a second); None means absent (tests set it to force urllib).
_UNSET: Any = object()
requests: Any = _UNSET


def _requests() -> Any:
    global requests
    if requests is _UNSET:
        module: Any
        try:
            import requests as module
        except ImportError:
            module = None
        requests = module
    return requests

__all__ = ["RemoteMonitor"]


class RemoteMonitor(Callback):
    """Callback used to stream events to a server.

    At the end of every epoch it sends an HTTP POST to `root + path` holding
    the epoch's logs plus `"epoch"` (the 0-based epoch index), JSON-encoded.
    By default the JSON text is sent as a form field named `field`
    (`application/x-www-form-urlencoded`, e.g. `data=%7B%22epoch%22...`); with
    `send_as_json=True` the JSON is the request body (`application/json`).

    The request goes through `requests` when it is installed (as in Keras) and
    through `urllib` otherwise, with the same body and content type. A server
    that cannot be reached gives a warning, not an error; an HTTP error status
    from the server is ignored, as with `requests`. As with `requests`, a NaN
    or infinite value cannot be sent with `send_as_json=True` (strict JSON has
    no NaN), which also gives the warning.

    Args:
        root: String; root url of the target server.
        path: String; path relative to `root` to which the events will be sent.
        field: String; form field under which the JSON text is sent. Used only
            when `send_as_json=False`.
        headers: Dictionary; optional custom HTTP headers.
        send_as_json: Boolean; whether the request should be sent as
            `"application/json"`.
    """

    def __init__(
        self,
        root: str = "http://localhost:9000",
        path: str = "/publish/epoch/end/",
        field: str = "data",
        headers: Optional[Dict[str, str]] = None,
        send_as_json: bool = False,
    ) -> None:
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        """Sends `{"epoch": epoch, **logs}` to `root + path`."""
        send: Dict[str, Any] = {"epoch": epoch}
        for key, value in (logs or {}).items():
            # numpy scalars and 0-d arrays are not JSON-serialisable.
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        url = self.root + self.path
        if _requests() is not None:
            self._post_with_requests(url, send)
        else:
            self._post_with_urllib(url, send)

    def _warn_unreachable(self) -> None:
        warnings.warn(
            f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=3
        )

    def _post_with_requests(self, url: str, send: Dict[str, Any]) -> None:
        requests = _requests()
        try:
            if self.send_as_json:
                requests.post(url, json=send, headers=self.headers)
            else:
                requests.post(url, {self.field: json.dumps(send)}, headers=self.headers)
        except requests.exceptions.RequestException:
            self._warn_unreachable()

    def _post_with_urllib(self, url: str, send: Dict[str, Any]) -> None:
        # The same bytes `requests` would send: `json=` uses strict JSON
        # (allow_nan=False, a failure there is a RequestException in requests);
        # a form is `urlencode`d with `+` for spaces.
        try:
            if self.send_as_json:
                body = json.dumps(send, allow_nan=False).encode("utf-8")
                content_type = "application/json"
            else:
                body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("ascii")
                content_type = "application/x-www-form-urlencoded"
        except ValueError:
            self._warn_unreachable()
            return
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Content-Type", content_type)
        for name, value in (self.headers or {}).items():
            # As in requests, a user header replaces the default of that name.
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request) as response:
                response.read()
        except urllib.error.HTTPError:
            # The server answered; requests does not raise on an error status.
            pass
        except (urllib.error.URLError, OSError, ValueError):
            # Refused, unresolvable or malformed URL (requests: ConnectionError,
            # InvalidURL, MissingSchema -- all RequestException).
            self._warn_unreachable()
