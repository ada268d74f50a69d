"""Fixtures for every test module (registered in conftest): the Elasticsearch cluster the tests talk to
(``ELASTICSEARCH_URL``, or a ``noida-db`` server, an Elasticsearch-API emulator from PyPI, started on a free 127.0.0.1
port for the session), and app settings for each search backend."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def elasticsearch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A cluster to test against: ``ELASTICSEARCH_URL``, or a ``noida-db`` started for this session."""
    if url := os.environ.get("ELASTICSEARCH_URL"):
        yield url
        return
    executable = shutil.which("noida-db") or shutil.which("noida-db", path=str(Path(sys.executable).parent))
    if not executable:
        message = "Elasticsearch tests need ELASTICSEARCH_URL or noida-db (pip install noida-db==0.2.3)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port, data = free_port(), tmp_path_factory.mktemp("noida")
    url = f"http://127.0.0.1:{port}"
    log = (data / "server.log").open("wb")
    # NOTE: the `noida-db` script is a Python wrapper that runs the server binary as its child; a session of its own
    # lets the teardown stop both (terminating the wrapper alone would leave the server running).
    process = subprocess.Popen(
        [executable, "start", "--only", "elasticsearch", "--host", "127.0.0.1", "--elasticsearch-port", str(port),
         "--data-dir", str(data)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"noida-db did not start: {(data / 'server.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        yield url
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen) -> None:
    """Stop the server's whole process group (wrapper and binary), forcefully if it does not stop in 10 s."""
    for sig, timeout in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=timeout)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:  # the binary may outlive the wrapper by a moment
                os.killpg(process.pid, 0)
                time.sleep(0.05)
        except ProcessLookupError:
            break
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(params=["embedded", "elasticsearch"])
def search_settings(request: pytest.FixtureRequest) -> dict[str, object]:
    """App settings for each backend (Elasticsearch: the session's cluster, indices under a prefix of their own)."""
    if request.param == "embedded":
        return {"SEARCH_BACKEND": "embedded"}
    from search.elasticsearch import ElasticsearchBackend

    url, prefix = request.getfixturevalue("elasticsearch_url"), f"test-{uuid.uuid4().hex[:10]}-"
    # Whatever the test left, even when it failed (on a real cluster, indices would otherwise stay).
    request.addfinalizer(lambda: ElasticsearchBackend(url, prefix=prefix).drop_index())
    return {"SEARCH_BACKEND": "elasticsearch", "ELASTICSEARCH_URL": url, "SEARCH_INDEX_PREFIX": prefix}
