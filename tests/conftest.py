"""Shared fixtures: the real model and the real essay, loaded and built once per session."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Indexes made for tests are built with sentence-transformers, the reference, so that each new
# index folder does not export the model to ONNX first (about 10 s each). The default build, on
# the ONNX export, is tested on its own (tests/test_build.py), against this one.
os.environ.setdefault("QA_BUILD_BACKEND", "torch")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ESSAY = CORPUS / "serbia-russia-kosovo.txt"
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("QA_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def embedder():
    from qa.embedding.sbert import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def essay_doc():
    from qa.reading.corpus import read_document

    return read_document(ESSAY)


@pytest.fixture(scope="session")
def essay_engine(tmp_path_factory, embedder):
    from qa.config import Settings
    from qa.engine import Engine

    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copy(ESSAY, corpus / ESSAY.name)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path_factory.mktemp("index"))
    return Engine.from_settings(settings, embedder=embedder)


@pytest.fixture
def make_settings(tmp_path):
    """Settings over a fresh copy of the essay's corpus in tmp_path."""
    from qa.config import Settings

    def make(**kw):
        corpus = tmp_path / "corpus"
        if not corpus.exists():
            corpus.mkdir()
            shutil.copy(ESSAY, corpus / ESSAY.name)
        return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", **kw)

    return make


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the project's shared/ folder beside the clone; set QA_SHARED)")
    return path


# --------------------------------------------------------------------------- the web app


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StaticServer:
    """A second origin on loopback serving a folder (the course pages of examples/)."""

    def __init__(self, folder: Path) -> None:
        import functools
        import http.server
        import threading

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

        handler = functools.partial(Quiet, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def course_site():
    """The example course pages on their own origin, allowed to frame the app."""
    server = StaticServer(ROOT / "examples")
    yield server
    server.close()


@pytest.fixture(scope="session")
def web_engine(tmp_path_factory, embedder):
    """The essay plus a reading full of HTML and script, behind one engine."""
    from qa.config import Settings, WebParams
    from qa.engine import Engine

    corpus = tmp_path_factory.mktemp("web-corpus")
    shutil.copy(ESSAY, corpus / ESSAY.name)
    shutil.copy(DATA / "web" / "hostile.md", corpus / "hostile.md")
    examples = corpus.parent / "web-examples.jsonl"
    examples.write_text(
        '{"question": "Why would Russia not enter into a conflict with NATO?"}\n'
        '{"question": "Who designed the Plan Z-4?"}\n', encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path_factory.mktemp("web-index"),
                        web=WebParams(examples_file=examples))
    return Engine.from_settings(settings, embedder=embedder)


@pytest.fixture(scope="session")
def web_app(web_engine, course_site):
    from qa.config import WebParams
    from qa.web.server import create_app

    web = WebParams(frame_ancestors=["'self'", course_site.origin], cors_origins=[course_site.origin],
                    examples_file=web_engine.settings.web.examples_file)
    settings = web_engine.settings.model_copy(update={"web": web})
    return create_app(web_engine, settings, examples_dir=ROOT / "examples")


@contextlib.contextmanager
def serving(app):
    """Serve an ASGI app with uvicorn on a free loopback port; yields its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_url(web_app):
    """The web app served by uvicorn on a free loopback port, for clients and the browser."""
    with serving(web_app) as url:
        yield url


@pytest.fixture(scope="session")
def onnx_export(tmp_path_factory, embedder):
    """The model exported to ONNX (and quantised) once per session: (index folder holding .onnx/, the export)."""
    from qa.embedding.onnx import export_onnx, onnx_cache_dir, quantize_int8
    from qa.embedding.sbert import resolve_model_path

    index_dir = tmp_path_factory.mktemp("onnx-index")
    folder = onnx_cache_dir(index_dir, embedder.hash)
    export_onnx(resolve_model_path(embedder.name), embedder.name, embedder.hash, folder)
    quantize_int8(folder)  # the int8 copy (QA_QUANTIZE=int8)
    return index_dir, folder


_CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (one per test module)."""
    if not Path(_CHROMIUM).exists():
        pytest.fail(f"{_CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=_CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (its own cookies and storage); records every request's host."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    pg = context.new_page()
    pg.hosts = set()
    pg.on("request", lambda r: pg.hosts.add(urlparse(r.url).netloc))
    pg.csp_violations = []
    pg.on("console", lambda m: pg.csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    yield pg
    context.close()


@pytest.fixture
def app_dir(tmp_path, essay_engine, onnx_export):
    """The essay, its built index and the ONNX export, where app.py looks for them."""
    shutil.copytree(essay_engine.settings.corpus_dir, tmp_path / "corpus")
    shutil.copytree(essay_engine.settings.index_path, tmp_path / "index" / "main")
    shutil.copytree(onnx_export[0] / ".onnx", tmp_path / "index" / ".onnx")
    return tmp_path


def _detach_stale_mounts() -> None:
    """Read-only mounts a killed test run left under pytest's temporary folders: pytest's clean-up
    of old folders fails on them (read-only file system), ending a later run."""
    import getpass
    import subprocess

    base = f"/tmp/pytest-of-{getpass.getuser()}/"
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return
    for line in mounts:
        target = line.split()[1] if len(line.split()) > 1 else ""
        if target.startswith(base):
            subprocess.run(["umount", "--lazy", target], capture_output=True)


_detach_stale_mounts()


@contextlib.contextmanager
def read_only(folder):
    """``folder`` as a read-only bind mount (root passes permission bits, not a read-only mount)."""
    import subprocess

    for cmd in (["mount", "--bind", str(folder), str(folder)], ["mount", "-o", "remount,bind,ro", str(folder)]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            subprocess.run(["umount", str(folder)], capture_output=True)
            pytest.fail(f"cannot make a read-only mount for this test ({' '.join(cmd)}: {r.stderr.strip()})")
    try:
        yield folder
    finally:
        # an engine still alive maps its index's vectors from files under the mount, which keeps
        # it busy: then it is detached lazily (it goes when the last mapping does)
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)
