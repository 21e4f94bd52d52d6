"""The gradient playground: train a small network in the browser and watch its gradients.

``python -m minigrad.playground`` or ``mg.playground.serve()`` starts a local
web server (Starlette and uvicorn, from the ``playground`` extra) whose page
trains a network in minigrad and draws, several times a second, its loss,
its decision boundary, and each layer's units (dead, saturated, flowing) and
gradient. Importing this package needs NumPy alone: the web parts are
imported by ``serve``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .settings import PRESETS, Settings, SettingsError, validate

if TYPE_CHECKING:
    from .server import Playground

__all__ = ["PRESETS", "Settings", "SettingsError", "serve", "validate"]

INSTALL_HINT = 'pip install -e ".[playground]"'


def serve(
    port: int | None = None, open_browser: bool = True, host: str = "127.0.0.1"
) -> Playground:
    """Start the playground without blocking; returns a handle with ``.url`` and ``.stop()``.

    It listens on ``host`` (this computer only, unless told otherwise) on
    ``port``, a free one when ``None``, and opens the page in the browser when
    ``open_browser``. Activations registered before a page is opened appear
    in its list.
    """
    if port is not None and (not isinstance(port, int) or isinstance(port, bool)):
        raise TypeError(f"serve: port must be an int or None, got {port!r}")
    if port is not None and not 0 <= port <= 65535:
        raise ValueError(f"serve: port must be between 0 and 65535, got {port}")
    if not isinstance(host, str) or not host:
        raise TypeError(f"serve: host must be a non-empty string, got {host!r}")
    try:
        from .server import start
    except ImportError as error:
        raise ImportError(
            f"the playground needs Starlette, uvicorn and websockets ({error.name} is not "
            f"installed); install them with: {INSTALL_HINT}"
        ) from error
    return start(port, open_browser, host)
