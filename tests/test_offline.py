"""Nothing leaves the machine: the web app, started as users start it, answers and idles
under strace, and makes no DNS lookup and no connection beyond loopback."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import httpx
import pytest
from conftest import ROOT, free_port


def test_the_app_looks_up_and_connects_to_nothing_outside(app_dir):
    strace = shutil.which("strace")
    if strace is None:
        pytest.fail("strace is missing: apt-get install -y strace (the README's test command installs it)")
    port = free_port()
    trace = app_dir / "strace.txt"
    env = {**os.environ, "QA_PORT": str(port), "QA_CORPUS_DIR": str(app_dir / "corpus"),
           "QA_INDEX_DIR": str(app_dir / "index")}
    env.pop("ORT_DISABLE_TELEMETRY", None)  # the app must turn it off itself
    proc = subprocess.Popen(
        [strace, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace),
         sys.executable, str(ROOT / "app.py")],
        cwd=app_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # strace and the app in a group of their own, stopped together
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the app did not start"
            time.sleep(0.5)
        r = httpx.post(f"{url}/api/ask", json={"question": "Who designed the Plan Z-4?"}, timeout=60)
        assert r.status_code == 200 and r.json()["answered"]
        assert httpx.get(f"{url}/", timeout=30).status_code == 200
        time.sleep(20)  # onnxruntime's telemetry looked up its host 7 s and 12 s after the start
    finally:
        # to the whole group: strace alone would detach and leave the app running
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything of it still there
    calls = trace.read_text(encoding="utf-8", errors="replace").splitlines()
    outside = []
    for line in calls:
        if "AF_UNIX" in line or "AF_NETLINK" in line:
            continue
        inet = re.search(r'sin6?_addr=inet(?:6)?_(?:addr|pton)\((?:AF_INET6, )?"([^"]+)"', line)
        if inet and inet.group(1) in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
            continue
        if "connect(" in line or "htons(53)" in line or re.search(r"sendto\(\d+, .*\\\d+\w", line):
            outside.append(line)
    assert outside == [], outside[:5]
    assert len(calls) > 0  # the trace did record: the server's own loopback traffic at least
