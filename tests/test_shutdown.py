"""The server stopped (SIGTERM) during an evaluation in the web tab keeps what was answered:
the same file evaluated after the restart goes on from those answers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
from conftest import ROOT, free_port


def _start(app_dir, port: int, tmp) -> subprocess.Popen[str]:
    env = {**os.environ, "QA_PORT": str(port), "QA_CORPUS_DIR": str(app_dir / "corpus"),
           "QA_INDEX_DIR": str(app_dir / "index"), "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=app_dir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.5)


def _evaluate(url: str, content: bytes) -> str:
    up = httpx.post(f"{url}/teacher/gradio_api/upload", files={"files": ("set.jsonl", content)}, timeout=30)
    up.raise_for_status()
    value = {"path": up.json()[0], "meta": {"_type": "gradio.FileData"}}
    r = httpx.post(f"{url}/teacher/gradio_api/call/evaluate", json={"data": [value]}, timeout=30)
    r.raise_for_status()
    try:
        return httpx.get(f"{url}/teacher/gradio_api/call/evaluate/{r.json()['event_id']}", timeout=600).text
    except httpx.TransportError as exc:  # the server went away mid-way
        return f"dropped: {exc}"


def test_sigterm_during_a_web_evaluation_keeps_the_answers_given(app_dir, tmp_path):
    examples = (ROOT / "corpus" / "examples.jsonl").read_text(encoding="utf-8")
    samples = [json.loads(line) for line in examples.splitlines() if line.strip()]
    n = 1000
    content = "".join(
        json.dumps({**samples[i % len(samples)], "id": f"q{i}"}) + "\n" for i in range(n)
    ).encode()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start(app_dir, port, tmp)
    try:
        first = threading.Thread(target=_evaluate, args=(url, content), daemon=True)
        first.start()
        deadline = time.monotonic() + 300
        answers: list = []
        while time.monotonic() < deadline:
            answers = list(tmp.glob("qa-eval-*/answers.jsonl"))
            if answers and answers[0].read_text(encoding="utf-8").count("\n") >= 32:
                break
            time.sleep(0.05)
        assert answers, "no answers were written"
        at_signal = answers[0].read_text(encoding="utf-8").count("\n")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)

    finally:
        if proc.poll() is None:
            proc.kill()
    assert 32 <= at_signal < n  # the signal came mid-way
    kept = answers[0].read_text(encoding="utf-8").count("\n")
    assert kept >= at_signal  # what was answered before it is on disk (how much more came, a machine's speed)

    proc = _start(app_dir, port, tmp)
    try:
        reply = _evaluate(url, content)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert "event: complete" in reply, reply[-2000:]
    assert f"{kept} of {n} answers were kept from an earlier run" in reply
    assert answers[0].read_text(encoding="utf-8").count("\n") == n
