"""Each Rasa worker process listens on a socket of its own, so the kernel spreads connections.

Sanic 21.12 binds one listening socket in its main process and forks the workers onto it.
Whichever worker's event loop wakes first accepts every connection then waiting (uvloop
accepts until the queue is empty), so a burst of kept-alive connections (ten users starting
at once, a page of chat widgets) could all land on one worker while the other idled, and
stay there: `make bench` measured 10-user throughput at 1.0x or 1.8x stock from one run to
the next. Here every worker binds its own socket to the same address with ``SO_REUSEPORT``
and the kernel hashes each new connection to one of them (as nginx's ``reuseport``).

The main process still reserves the address with a plain socket (bound without
``SO_REUSEPORT``, never listening, so it receives no connection): a port already in use is
reported at once, as before, and a second server started on a port this one holds is refused
instead of sharing it. A Unix socket, a socket handed in by the caller or a platform without
``SO_REUSEPORT`` keeps Sanic's own behaviour.
"""

from __future__ import annotations

import socket
from ipaddress import ip_address
from typing import Any, Callable, Dict, Optional

_sanic_serve: Optional[Callable[..., Any]] = None
_sanic_serve_multiple: Optional[Callable[..., Any]] = None
_reserved: Optional[socket.socket] = None  # the main process's reservation, inherited by the workers


def bound_socket(host: str, port: int, share: bool) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEADDR, and SO_REUSEPORT if it is to share
    the address with the other workers; not yet listening."""
    try:
        family = socket.AF_INET6 if ip_address(host).version == 6 else socket.AF_INET
    except ValueError:  # a host name: resolved by bind, IPv4
        family = socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if share:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def serve_multiple(server_settings: Dict[str, Any], workers: int) -> Any:
    """Sanic's serve_multiple, with the shared listening socket replaced by a reservation."""
    global _reserved
    own_sockets = (
        hasattr(socket, "SO_REUSEPORT")
        and not server_settings.get("unix")
        and server_settings.get("sock") is None
        and server_settings.get("port")
    )
    if own_sockets:
        _reserved = bound_socket(server_settings["host"], server_settings["port"], share=False)
        server_settings["sock"] = _reserved  # Sanic then binds nothing itself and closes it at the end
    return _sanic_serve_multiple(server_settings, workers)


def serve(**settings: Any) -> Any:
    """Sanic's serve in a worker process: on a listening socket of its own, not the shared one."""
    reserved = settings.get("sock")
    if reserved is not None and reserved is _reserved:
        own = bound_socket(settings["host"], settings["port"], share=True)
        own.listen(settings.get("backlog", 100))
        reserved.close()  # this process's copy; the main process keeps the reservation
        settings = {**settings, "sock": own}
    return _sanic_serve(**settings)


def install() -> None:
    """Route Sanic's multi-worker start-up through this module (once)."""
    global _sanic_serve, _sanic_serve_multiple
    import sanic.app
    import sanic.server.runners as runners

    if _sanic_serve is not None:
        return
    _sanic_serve, _sanic_serve_multiple = runners.serve, sanic.app.serve_multiple
    runners.serve = serve  # what serve_multiple forks each worker onto
    sanic.app.serve_multiple = serve_multiple
