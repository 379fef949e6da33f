"""Server memory over many browser sessions of the main page.

    python bench/sessions.py                          # 10,000 sessions of one question each
    python bench/sessions.py --sessions 500 --turns 20
    python bench/sessions.py --env QA_WEB__SESSION_IDLE_SECONDS=0   # sessions never expire

The app is started as the README starts it (`python app.py`, on a free port) in its own
process. Each session is what a browser tab does: its own session hash, its questions sent
through Gradio's queue to the page's "ask" event (the same route and inputs the page uses),
the reply read from the queue's event stream. Eight sessions run at a time. The server's RSS
(/proc/<pid>/status) is read before the first session (after one warm-up question) and every
`--every` sessions; the figure is the growth per session and at the end. Results go to
bench/results/sessions.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import QUESTIONS, free_port, start_app  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def ask_event(config: dict) -> tuple[int, int]:
    """The page's "ask" event (the question box's submit) and how many inputs it takes."""
    ids = {c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "qa-question"}
    for dep in config["dependencies"]:
        if any(t[0] in ids and t[1] == "submit" for t in dep["targets"]):
            return int(dep["id"]), len(dep["inputs"])
    raise SystemExit("the page has no ask event")


async def one_session(client, base: str, fn: int, n_inputs: int, turns: int, offset: int) -> int:
    """One browser tab: ``turns`` questions in one session; the answers that came back."""
    session = uuid.uuid4().hex[:11]
    got = 0
    for turn in range(turns):
        question = f"{QUESTIONS[(offset + turn) % len(QUESTIONS)]}"
        data = [question, 3, []] + [None] * (n_inputs - 3)
        r = await client.post(f"{base}/gradio_api/queue/join", json={
            "data": data, "fn_index": fn, "session_hash": session, "event_data": None, "trigger_id": None,
        })
        r.raise_for_status()
        async with client.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session}) as stream:
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    got += bool(msg.get("success"))
                    break
    return got


async def run(base: str, pid: int, sessions: int, turns: int, every: int, parallel: int) -> dict:
    import httpx

    async with httpx.AsyncClient(timeout=120) as client:
        config = (await client.get(f"{base}/config")).json()
        fn, n_inputs = ask_event(config)
        await one_session(client, base, fn, n_inputs, 1, 0)  # warm-up
        samples = [(0, rss_mb(pid))]
        answered = 0
        t0 = time.monotonic()
        sem = asyncio.Semaphore(parallel)

        async def guarded(i: int) -> int:
            async with sem:
                return await one_session(client, base, fn, n_inputs, turns, i)

        for start in range(0, sessions, every):
            batch = range(start, min(start + every, sessions))
            answered += sum(await asyncio.gather(*(guarded(i) for i in batch)))
            samples.append((batch[-1] + 1, rss_mb(pid)))
            print(f"{samples[-1][0]:>6} sessions  RSS {samples[-1][1]:7.1f} MB  "
                  f"({time.monotonic() - t0:.0f} s)", flush=True)
    return {"answered": answered, "samples": samples, "seconds": round(time.monotonic() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=10_000)
    ap.add_argument("--turns", type=int, default=1, help="questions per session")
    ap.add_argument("--every", type=int, default=1000, help="read RSS after this many sessions")
    ap.add_argument("--parallel", type=int, default=8, help="sessions at a time")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the app, repeatable")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "sessions.json")
    args = ap.parse_args()

    env = dict(kv.split("=", 1) for kv in args.env)
    port = free_port()
    proc = start_app(port, env)
    try:
        got = asyncio.run(run(f"http://127.0.0.1:{port}", proc.pid, args.sessions, args.turns,
                              args.every, args.parallel))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    (first_n, first), (last_n, last) = got["samples"][0], got["samples"][-1]
    result = {
        "sessions": args.sessions, "turns": args.turns, "env": env, **got,
        "rss_start_mb": round(first, 1), "rss_end_mb": round(last, 1),
        "kb_per_session": round((last - first) * 1024 / max(last_n - first_n, 1), 1),
        "date": time.strftime("%Y-%m-%d"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{args.sessions} sessions x {args.turns} turns ({got['answered']} answered, {got['seconds']} s): "
          f"RSS {first:.0f} -> {last:.0f} MB, {result['kb_per_session']} KB per session")


if __name__ == "__main__":
    main()
