"""Where a question's time goes on the ways in: the engine alone, POST /api/ask, and Gradio's
queue, called raw (POST /gradio_api/call/ask, then its event stream, as the web page's own
client does) and through gradio_client. One client, one question at a time, medians.

    python bench/gradio_overhead.py            # 15 questions each
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

QUESTION = "Why would Russia not enter into a conflict with NATO?"


def main() -> None:
    import httpx
    from conftest import serving
    from gradio_client import Client
    from speed import median_ms  # bench/speed.py's timer

    from qa.config import load_settings
    from qa.engine import Engine
    from qa.web.server import create_app

    settings = load_settings()
    engine = Engine.from_settings(settings)
    with serving(create_app(engine, settings)) as url, httpx.Client() as http:
        client = Client(url + "/", verbose=False)

        def raw_gradio() -> None:
            event = http.post(url + "/gradio_api/call/ask", json={"data": [QUESTION, 5, None]}).json()["event_id"]
            body = http.get(url + f"/gradio_api/call/ask/{event}").text
            assert "event: complete" in body, body[:200]

        rows = {
            "engine.ask alone": lambda: engine.ask(QUESTION),
            "POST /api/ask, one kept-open connection": lambda: http.post(url + "/api/ask", json={"question": QUESTION}),
            "POST /api/ask, a new client per request": lambda: httpx.post(url + "/api/ask", json={"question": QUESTION}),
            "Gradio queue, raw (call, then its event stream)": raw_gradio,
            "Gradio queue through gradio_client": lambda: client.predict(QUESTION, api_name="/ask"),
        }
        for fn in rows.values():  # warm every path
            for _ in range(3):
                fn()
        print("| way in | p50 ms |\n|---|---:|")
        for name, fn in rows.items():
            print(f"| {name} | {median_ms(fn, 15):.1f} |")


if __name__ == "__main__":
    main()
