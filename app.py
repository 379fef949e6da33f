"""essay-qa web app: ``python app.py`` serves the main page (/), the widget (/widget/),
POST /api/ask and GET /healthz on QA_HOST:QA_PORT (default 127.0.0.1:7860), building the
index on first run. ``uvicorn app:app`` serves the same app."""

from __future__ import annotations

import logging
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

EXAMPLES = Path(__file__).resolve().parent / "examples"

if __name__ == "__main__":
    from qa.web.server import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # faiss logs at INFO which CPU build it tried first ("Could not load library ... ModuleNotFoundError"),
    # which reads as an error and is none; bm25s is as chatty
    for noisy in ("faiss", "faiss.loader", "bm25s", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    serve(examples_dir=EXAMPLES)
else:
    from qa.web.server import create_app

    app = create_app(examples_dir=EXAMPLES)
