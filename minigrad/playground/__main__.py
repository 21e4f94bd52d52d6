"""``python -m minigrad.playground [--port N] [--no-browser] [--host H]``: serve until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib

from . import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m minigrad.playground",
        description="Train a small network in your browser and watch its gradients.",
    )
    parser.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    parser.add_argument(
        "--no-browser", action="store_true", help="print the address, do not open a browser"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only)",
    )
    args = parser.parse_args(argv)
    try:
        playground = serve(port=args.port, open_browser=not args.no_browser, host=args.host)
    except (ImportError, OSError, ValueError) as error:
        parser.exit(1, f"error: {error}\n")
    try:
        with one_blas_thread():
            # Said once the limit is set, so that Ctrl-C from then on stops it quietly.
            print(f"The playground is at {playground.url} (Ctrl-C stops it)", flush=True)
            playground.wait()
    except KeyboardInterrupt:  # Ctrl-C while the limit was being set
        playground.stop()


def one_blas_thread() -> contextlib.AbstractContextManager:
    """NumPy's matrix products on one thread while the server runs: the playground's
    matrices are small, and BLAS threads waiting for each other (several tabs
    train at once) made a step ten times slower. This process is the server's
    alone, so the limit is set here and not in ``serve()``, which runs inside a
    user's own Python."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


if __name__ == "__main__":
    main()
