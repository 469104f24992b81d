"""Each Sanic worker listens on a socket of its own (rasa_runtime/worker_sockets.py).

A real Sanic 21.12 server with two workers, as Rasa runs it, started in a subprocess: a
burst of kept-alive connections reaches both workers, and the address is still held by one
server only.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

import pytest

from ops.paths import ROOT
from ops.services import free_port

SERVER = """
import os, sys
from sanic import Sanic, response
from rasa_runtime import worker_sockets

worker_sockets.install()
app = Sanic("worker_sockets_probe")


@app.get("/")
async def which_worker(request):
    return response.text(str(os.getpid()))


app.run(host="127.0.0.1", port=int(sys.argv[1]), workers=2, access_log=False)
"""


def start(port: int, tmp_path: Path, name: str) -> subprocess.Popen:
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def worker_pid(connection: http.client.HTTPConnection) -> str:
    connection.request("GET", "/")
    response = connection.getresponse()
    assert response.status == 200
    return response.read().decode()


def wait_until_serving(port: int, server: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited during start-up"
        try:
            worker_pid(http.client.HTTPConnection("127.0.0.1", port, timeout=2))
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("the server did not start")


def burst(port: int, connections: int) -> List[str]:
    """The worker pid behind each of `connections` kept-alive connections opened at once."""
    opened = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(connections)]
    try:
        with ThreadPoolExecutor(connections) as pool:
            first = list(pool.map(worker_pid, opened))
        again = [worker_pid(connection) for connection in opened]
        assert again == first, "a kept-alive connection changed worker"
        return first
    finally:
        for connection in opened:
            connection.close()


@pytest.fixture
def server(tmp_path):
    port = free_port()
    process = start(port, tmp_path, "first")
    try:
        wait_until_serving(port, process)
        yield port, process
    finally:
        subprocess.run(["pkill", "-TERM", "-s", str(process.pid)], check=False)
        process.wait(timeout=30)


def test_a_burst_of_connections_reaches_both_workers(server):
    port, _ = server
    for _ in range(3):  # hashed by the kernel: all 16 on one worker has odds of 1 in 32,768
        assert len(set(burst(port, 16))) == 2


def test_the_address_is_held_by_one_server_only(server, tmp_path):
    port, first = server
    second = start(port, tmp_path, "second")
    try:
        assert second.wait(timeout=30) != 0, "a second server started on a port already served"
    finally:
        if second.poll() is None:
            subprocess.run(["pkill", "-TERM", "-s", str(second.pid)], check=False)
            second.wait(timeout=30)
    assert "address already in use" in (tmp_path / "second.log").read_text().lower()
    assert len(set(burst(port, 16))) == 2  # the first server still answers on both workers
