"""Load on the web app: 1, 10, 50, 200 and 500 concurrent clients on loopback, each for a bounded time.

    python bench/load.py                       # POST /api/ask, 10 s per level, 3 rounds
    python bench/load.py --via gradio          # Gradio's queue, through gradio_client
    python bench/load.py --seconds 5 --rounds 1 --clients 1 10 50

The app is started as the README starts it (`python app.py`, on a free port) in its own
process. Each client asks in a loop until the time is up; every reply is counted as an
answer, a "busy, try again" (HTTP 503, or Gradio's "queue is full"), or an error (any other
status, a timeout of 60 s = a hang, a dropped connection). The floor, measured in the same run
in this process, is the engine alone: `Engine.ask` in a loop, no HTTP. Figures are medians
over the rounds; results go to bench/results/load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "Why would Russia not enter into a conflict with NATO?",
    "Who designed the Plan Z-4?",
    "What happened at Slatina airport in June 1999?",
    "Who is the author of the essay?",
    "What did Russia do during the NATO bombing?",
]
BUSY = "busy, try again"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(port: int, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "QA_PORT": str(port), "QA_HOST": "127.0.0.1", "HF_HUB_OFFLINE": "1", **(extra_env or {})}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the app stopped: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the app did not answer /healthz within 600 s")


def floor(seconds: float) -> float:
    """Answers per second of the engine alone, in this process."""
    from qa.config import load_settings
    from qa.engine import Engine

    engine = Engine.from_settings(load_settings())
    engine.ask(QUESTIONS[0])
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        engine.ask(QUESTIONS[n % len(QUESTIONS)])
        n += 1
    return n / (time.perf_counter() - t0)


def run_level(base: str, clients: int, seconds: float, via: str) -> dict[str, float]:
    lat: list[float] = []
    busy_lat: list[float] = []
    counts = {"answered": 0, "busy": 0, "errors": 0}
    lock = threading.Lock()
    errors: list[str] = []
    # the clock starts when every client is ready: making 500 clients takes longer than a level lasts
    stop = [0.0]

    def set_stop() -> None:
        stop[0] = time.monotonic() + seconds

    start = threading.Barrier(clients, action=set_stop)

    def api_asker() -> Callable[[str], str]:
        import httpx

        c = httpx.Client(timeout=60)

        def ask(q: str) -> str:
            r = c.post(base + "/api/ask", json={"question": q})
            if r.status_code == 200 and r.json()["passages"]:
                return "answered"
            if r.status_code == 503 and r.json() == {"detail": BUSY}:
                return "busy"
            errors.append(f"{r.status_code} {r.text[:80]}")
            return "errors"

        return ask

    def gradio_asker() -> Callable[[str], str]:
        from gradio_client import Client

        c = Client(base + "/", verbose=False)

        def ask(q: str) -> str:
            try:
                return "answered" if c.predict(question=q, api_name="/ask")["passages"] else "errors"
            except Exception as exc:  # Gradio reports a full queue as an exception
                if "queue is full" in str(exc).lower():
                    return "busy"
                raise

        return ask

    def client(i: int) -> None:
        ask = api_asker() if via == "api" else gradio_asker()
        start.wait()
        n = 0
        while time.monotonic() < stop[0]:
            q = QUESTIONS[(i + n) % len(QUESTIONS)]
            n += 1
            t = time.perf_counter()
            try:
                kind = ask(q)
            except Exception as exc:  # a hang (timeout) or a dropped connection
                kind = "errors"
                errors.append(repr(exc)[:120])
            with lock:
                counts[kind] += 1
                if kind in ("answered", "busy"):
                    (lat if kind == "answered" else busy_lat).append((time.perf_counter() - t) * 1000)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    hung = sum(t.is_alive() for t in threads)
    wall = time.monotonic() - (stop[0] - seconds)  # from the moment all clients were ready
    lat.sort()
    busy_lat.sort()
    if errors:
        print(f"  errors ({len(errors)}), first: {errors[0]}", file=sys.stderr)
    return {
        "answers_per_s": counts["answered"] / wall,
        "p50_ms": lat[len(lat) // 2] if lat else float("nan"),
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan"),
        "busy_p99_ms": busy_lat[min(len(busy_lat) - 1, int(len(busy_lat) * 0.99))] if busy_lat else float("nan"),
        "answered": counts["answered"], "busy": counts["busy"], "errors": counts["errors"], "hung": hung,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50, 200, 500])
    ap.add_argument("--seconds", type=float, default=10.0, help="time per level and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--via", choices=["api", "gradio"], default="api")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = ap.parse_args()

    port = free_port()
    proc = start_app(port)
    base = f"http://127.0.0.1:{port}"
    try:
        rows: dict[int, list[dict[str, float]]] = {c: [] for c in args.clients}
        floors = []
        for r in range(args.rounds):
            for c in args.clients:
                got = run_level(base, c, args.seconds, args.via)
                rows[c].append(got)
                print(f"round {r + 1}, {c:>3} clients: {got}", file=sys.stderr)
        proc.terminate()  # the app gives open connections 5 s, then closes them
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print("the app did not stop within 30 s of SIGTERM; killed", file=sys.stderr)
            proc.kill()
        for _ in range(args.rounds):  # the engine alone, with the app stopped: same machine, no contention
            floors.append(floor(args.seconds))
    finally:
        if proc.poll() is None:
            proc.kill()
    floor_aps = statistics.median(floors)
    table = []
    for c, runs in rows.items():
        med = {k: statistics.median(r[k] for r in runs) for k in ("answers_per_s", "p50_ms", "p99_ms", "busy_p99_ms")}
        tot = {k: sum(int(r[k]) for r in runs) for k in ("answered", "busy", "errors", "hung")}
        table.append({"clients": c, **med, "ratio_to_floor": med["answers_per_s"] / floor_aps, **tot})
    result = {"via": args.via, "seconds": args.seconds, "rounds": args.rounds,
              "floor_engine_answers_per_s": floor_aps, "levels": table, "cpus": os.cpu_count()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"\nvia {args.via}; floor (Engine.ask in a loop, no HTTP): {floor_aps:.1f} answers/s\n")
    print("| clients | answers/s | × floor | p50 ms | p99 ms | answered | busy | busy p99 ms | errors | hung |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for t in table:
        print(f"| {t['clients']} | {t['answers_per_s']:.1f} | {t['ratio_to_floor']:.2f} | {t['p50_ms']:.0f} | "
              f"{t['p99_ms']:.0f} | {t['answered']} | {t['busy']} | {t['busy_p99_ms']:.0f} | {t['errors']} | {t['hung']} |")


if __name__ == "__main__":
    main()
