"""Time from launching the app (`python app.py`, as the README does) to its first answer over
HTTP, with the ONNX query path and with torch, alternating, medians of several runs.

    python bench/startup.py            # 3 runs of each
    python bench/startup.py --runs 5

The index and the ONNX export are made before timing starts (a first, untimed launch), so
this measures a restart: imports, model load, index checks, server start, first answer.
Results go to bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Why would Russia not enter into a conflict with NATO?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def first_answer(backend: str, timeout: float = 600) -> float:
    import httpx

    port = free_port()
    env = {**os.environ, "QA_PORT": str(port), "QA_BACKEND": backend, "HF_HUB_OFFLINE": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t0 < timeout:
            if proc.poll() is not None:
                raise SystemExit(f"the app ({backend}) stopped with code {proc.returncode}")
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/api/ask", json={"question": QUESTION}, timeout=30)
                if r.status_code == 200 and r.json()["passages"]:
                    return time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"no answer from the app ({backend}) within {timeout} s")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "startup.json")
    args = ap.parse_args()
    first_answer("onnx")  # builds what is missing (index, export); untimed
    times: dict[str, list[float]] = {"torch": [], "onnx": []}
    for _ in range(args.runs):
        for backend in ("torch", "onnx"):
            times[backend].append(first_answer(backend))
            print(f"{backend}: {times[backend][-1]:.2f} s", file=sys.stderr)
    med = {k: statistics.median(v) for k, v in times.items()}
    res = {"runs": times, "median_s": med, "ratio_onnx_to_torch": med["onnx"] / med["torch"]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    print("| query path | launch to first answer over HTTP (s, median) |\n|---|---:|")
    print(f"| torch (QA_BACKEND=torch) | {med['torch']:.2f} |\n| ONNX (default) | {med['onnx']:.2f} |")
    print(f"ratio {res['ratio_onnx_to_torch']:.2f}")


if __name__ == "__main__":
    main()
