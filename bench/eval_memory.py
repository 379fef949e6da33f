"""Server memory after large evaluations in the web tab.

    python bench/eval_memory.py                   # 3 runs of 2,000 questions, each a new file
    python bench/eval_memory.py --questions 500 --runs 5

The app is started as the README starts it (`python app.py`, on a free port, its own TMPDIR).
Each run uploads a question file (the shipped example and sample questions, repeated, with ids
of its own, so that nothing is resumed) through the page's upload route and runs the tab's
"evaluate" event to the end. The server's RSS is read after one warm-up question and two
seconds after each run. Results go to bench/results/eval_memory.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import free_port, start_app  # noqa: E402
from bench.sessions import rss_mb  # noqa: E402


def question_file(n: int, tag: str) -> bytes:
    sources = [ROOT / "corpus" / "examples.jsonl", ROOT.parent / "shared" / "samples" / "sample_questions.jsonl"]
    rows = [json.loads(line) for p in sources if p.is_file() for line in p.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return "".join(json.dumps({**rows[i % len(rows)], "id": f"{tag}-{i}"}) + "\n" for i in range(n)).encode()


def evaluate(url: str, content: bytes) -> bool:
    import httpx

    up = httpx.post(f"{url}/gradio_api/upload", files={"files": ("set.jsonl", content)}, timeout=60)
    up.raise_for_status()
    value = {"path": up.json()[0], "meta": {"_type": "gradio.FileData"}}
    r = httpx.post(f"{url}/gradio_api/call/evaluate", json={"data": [value, 3]}, timeout=60)
    r.raise_for_status()
    reply = httpx.get(f"{url}/gradio_api/call/evaluate/{r.json()['event_id']}", timeout=1800).text
    return "event: complete" in reply


def main() -> None:
    import httpx

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "eval_memory.json")
    args = ap.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_app(port, {"TMPDIR": tmp})
        url = f"http://127.0.0.1:{port}"
        try:
            httpx.post(f"{url}/api/ask", json={"question": "Who wrote the essay?"}, timeout=60)
            start = rss_mb(proc.pid)
            runs = []
            for k in range(args.runs):
                t0 = time.monotonic()
                ok = evaluate(url, question_file(args.questions, f"run{k}"))
                seconds = time.monotonic() - t0
                time.sleep(2)
                runs.append({"complete": ok, "seconds": round(seconds, 1), "rss_mb": round(rss_mb(proc.pid), 1)})
                print(f"run {k}: {'complete' if ok else 'FAILED'} in {seconds:.1f} s, RSS {start:.0f} -> "
                      f"{runs[-1]['rss_mb']:.0f} MB", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    result = {"questions": args.questions, "rss_start_mb": round(start, 1), "runs": runs,
              "date": time.strftime("%Y-%m-%d")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
