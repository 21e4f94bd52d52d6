"""The playground's web server: Starlette serves the page, uvicorn runs it.

Each WebSocket (one per open page) gets a ``Session``: a thread that owns one
``Run``, trains it while the page says play, and posts a state several times a
second. The event loop only passes messages, so a long step never blocks it;
a closed page stops its thread. Every HTTP request and WebSocket must come
from the playground's own page (``SameOrigin``), and every setting is
validated before it reaches a model.
"""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import json
import queue
import socket
import sys
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketClose, WebSocketDisconnect

from .. import render
from ..diagnostics import SATURATED
from .run import Run
from .settings import DATASETS, INITS, OPTIMIZERS, PRESETS, SettingsError, activation_names
from .settings import validate as validate_settings

STATIC = Path(__file__).parent / "static"
STATES_PER_SECOND = 10
STEPS_PER_STATE = 20  # training steps between two states while playing, at most
TRAINING_SHARE = 0.6  # of each tick's time, at most, for those steps
MAX_MESSAGE = 64 * 1024  # bytes; the page's messages are a few hundred
LOOPBACK_NAMES = ("localhost",)
# The legend's words for the diagnostics' threshold (mg.diagnostics.SATURATED).
SATURATED_RULE = f"passes under {SATURATED:.0%} of its activation's peak gradient on every example"


def colours() -> dict[str, Any]:
    """The renderer's colours and gradient classes, so the page reads like its graphs:
    unit cells dead (grey, crossed), saturated (orange) or flowing (from pale to deep
    blue by the share of the data on which the unit passes gradient), and each
    layer's gradient classed relative to the output's."""
    return {
        "dead": render.DEAD_CELL,
        "saturated": render.SATURATED_CELL,
        "flowing_pale": list(render.FLOWING_PALE),
        "flowing_deep": list(render.FLOWING_DEEP),
        "gradient": {state: border for state, (border, _) in render.COLOURS.items()},
        "gradient_rules": {
            "flowing": "flowing",
            "vanishing": f"vanishing: below {render.VANISHING_RATIO:g} x the output's",
            "dead": "dead: exactly 0",
            "exploding": f"exploding: above {render.EXPLODING_RATIO:g} x the output's",
        },
    }


# --------------------------------------------------------------- one run


class Session:
    """One page's run, trained in a thread of its own.

    The event loop hands it commands (``play``, ``pause``, ``step``, ``reset``,
    ``settings``) through a queue; the thread posts JSON text back with
    ``post``, which must be safe to call from any thread.
    """

    def __init__(self, post: Any) -> None:
        self.post = post
        self.commands: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._work, name="playground-run", daemon=True)
        self.thread.start()

    def send(self, kind: str, argument: Any = None) -> None:
        self.commands.put((kind, argument))

    def stop(self) -> None:
        self.commands.put(("stop", None))

    def _publish(self, message: dict[str, Any]) -> None:
        self.post(message["type"], json.dumps(message, allow_nan=False))

    def _publish_state(self, run: Run, playing: bool) -> None:
        self._publish({"type": "state", "playing": playing, **run.state()})

    def _work(self) -> None:
        run: Run | None = None
        playing = False
        next_tick = 0.0
        while True:
            timeout = max(0.0, next_tick - time.monotonic()) if playing else None
            try:
                kind, argument = self.commands.get(timeout=timeout)
            except queue.Empty:
                kind, argument = "tick", None
            if kind == "stop":
                return
            try:
                if kind == "settings" or (kind == "reset" and run is not None):
                    settings, request = argument if kind == "settings" else (run.settings, None)
                    run = Run(settings)
                    playing = False
                    self._publish({"type": "run", "id": request, **run.description()})
                    self._publish_state(run, playing)
                elif run is None:
                    continue
                elif kind == "play":
                    playing = not run.diverged
                    next_tick = 0.0
                elif kind == "pause":
                    playing = False
                    self._publish_state(run, playing)
                elif kind == "step":
                    playing = False
                    run.step()
                    self._publish_state(run, playing)
                elif kind == "tick":
                    now = time.monotonic()
                    next_tick = now + 1 / STATES_PER_SECOND
                    # A big network takes fewer steps per state, so the page stays live.
                    budget = now + TRAINING_SHARE / STATES_PER_SECOND
                    for _ in range(STEPS_PER_STATE):
                        run.step()
                        if run.diverged:
                            playing = False
                            break
                        if time.monotonic() > budget:
                            break
                    self._publish_state(run, playing)
            except Exception as error:  # the run stops; the page and the server go on
                playing = False
                message = f"the run stopped: {type(error).__name__}: {error}"
                self._publish({"type": "error", "field": None, "message": message})


# ------------------------------------------------------------ the app


def _hostname(host_header: str) -> str:
    """The name in a ``Host`` header, without its port (IPv6 without brackets)."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")]
    return host_header.rsplit(":", 1)[0]


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES or (_is_ip(host) and ipaddress.ip_address(host).is_loopback)


class SameOrigin:
    """ASGI middleware: only the playground's own page may use the server.

    ``Host`` must name this server: a loopback name or address, or the address
    given with ``--host`` (on a wildcard address, any IP address, never a
    domain name, so DNS rebinding cannot reach it). ``Origin``, when sent
    (always, for a WebSocket), must be this same host: a page on another site
    gets 403 and its WebSocket is closed before it opens.
    """

    def __init__(self, app: Any, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port

    def allowed_host(self, header: str | None) -> bool:
        if not header or not header.endswith(f":{self.port}"):
            return False
        name = _hostname(header)
        if is_loopback(name) or name == self.host:
            return True
        wildcard = _is_ip(self.host) and ipaddress.ip_address(self.host).is_unspecified
        return wildcard and _is_ip(name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = Headers(scope=scope)
            host, origin = headers.get("host"), headers.get("origin")
            reason = None
            if not self.allowed_host(host):
                reason = f"unknown Host {host!r}"
            elif origin is not None and origin != f"http://{host}":
                reason = f"requests from {origin!r} are not accepted"
            elif scope["type"] == "websocket" and origin is None:
                reason = "a WebSocket must come from the playground's page"
            if reason is not None:
                if scope["type"] == "websocket":
                    await WebSocketClose(code=1008, reason=reason)(scope, receive, send)
                else:
                    await PlainTextResponse(f"403 Forbidden: {reason}", 403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """ASGI middleware: the page loads nothing from elsewhere and cannot be framed."""

    HEADERS = [
        (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


def hello() -> dict[str, Any]:
    """What the page needs to fill its controls; read when a page connects, so an
    activation registered after ``serve()`` appears in a newly opened page."""
    return {
        "type": "hello",
        "datasets": list(DATASETS),
        "activations": activation_names(),
        "inits": list(INITS),
        "optimizers": OPTIMIZERS,
        "saturated_rule": SATURATED_RULE,
        "colours": colours(),
        "presets": {
            key: {"title": p.title, "caption": p.caption, "settings": p.settings.to_dict()}
            for key, p in PRESETS.items()
        },
    }


async def page(request: Any) -> FileResponse:
    return FileResponse(STATIC / "index.html")


async def playground_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    loop = asyncio.get_running_loop()
    outbox: collections.deque = collections.deque()
    ready = asyncio.Event()

    def post_in_loop(kind: str, text: str) -> None:
        # A state not yet sent is out of date once the next one exists.
        if kind == "state" and outbox and outbox[-1][0] == "state":
            outbox.pop()
        outbox.append((kind, text))
        ready.set()

    def post(kind: str, text: str) -> None:
        loop.call_soon_threadsafe(post_in_loop, kind, text)

    async def sender() -> None:
        while True:
            await ready.wait()
            ready.clear()
            while outbox:
                await websocket.send_text(outbox.popleft()[1])

    sessions = websocket.app.state.sessions
    session = Session(post)
    sessions.add(session)
    sending = asyncio.create_task(sender())
    try:
        await websocket.send_text(json.dumps(hello()))
        while True:
            reply = handle(session, await websocket.receive_text())
            if reply is not None:
                await websocket.send_text(json.dumps(reply))
    except WebSocketDisconnect:
        pass
    finally:
        session.stop()
        sessions.discard(session)
        sending.cancel()


def handle(session: Session, text: str) -> dict[str, Any] | None:
    """Pass one message from the page to its session; a bad one gets an answer
    that says what is wrong, and the run carries on as it was."""
    try:
        message = json.loads(text)
    except ValueError:
        return {"type": "invalid", "field": None, "message": "the message is not JSON"}
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "settings":
        # The page numbers its settings messages; the run started for one carries it.
        request = message.get("id")
        request = request if isinstance(request, int) and not isinstance(request, bool) else None
        try:
            settings = validate_settings(message.get("settings"))
        except SettingsError as error:
            return {"type": "invalid", "id": request, "field": error.field, "message": str(error)}
        session.send("settings", (settings, request))
    elif kind in ("play", "pause", "step", "reset"):
        session.send(kind)
    else:
        return {"type": "invalid", "field": None, "message": f"unknown message type {kind!r}"}
    return None


def make_app(host: str, port: int) -> Any:
    app = Starlette(
        routes=[
            Route("/", page),
            WebSocketRoute("/ws", playground_socket),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )
    app.state.sessions = set()
    return SecurityHeaders(SameOrigin(app, host, port)), app


# ----------------------------------------------------------- the server


def url_for(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


class Playground:
    """A running playground: ``url``, and ``stop()`` to shut it down.

    Also a context manager: ``with mg.playground.serve(open_browser=False) as pg:``.
    """

    def __init__(self, server: Any, thread: threading.Thread, app: Any, url: str) -> None:
        self._server = server
        self._thread = thread
        self._app = app
        self.url = url

    def stop(self) -> None:
        """Stop every run and the server (waits a few seconds at most)."""
        for session in list(self._app.state.sessions):
            session.stop()
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C stops it)."""
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            self.stop()

    def __enter__(self) -> Playground:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._thread.is_alive() else "stopped"
        return f"<minigrad playground {self.url} ({state})>"


def start(port: int | None, open_browser: bool, host: str) -> Playground:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port or 0))
    except OSError as error:
        sock.close()
        raise OSError(f"serve: cannot listen on {host}:{port or 0}: {error}") from error
    port = sock.getsockname()[1]
    if not is_loopback(host):
        print(
            f"warning: the playground listens on {host}:{port}, not only on this computer: "
            "anyone who can reach this address can use it.",
            file=sys.stderr,
        )
    asgi, app = make_app(host, port)
    config = uvicorn.Config(
        asgi,
        log_level="warning",
        lifespan="off",
        ws_max_size=MAX_MESSAGE,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="playground-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("serve: the playground's server did not start")
        time.sleep(0.01)
    playground = Playground(server, thread, app, url_for(host, port))
    if open_browser:
        webbrowser.open(playground.url)
    return playground
