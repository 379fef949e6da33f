"""The running app notices readings edited, added or deleted: it rebuilds in the background,
answers from the old index meanwhile, and says so in /healthz and on the pages."""

from __future__ import annotations

import shutil
import time

import httpx
from conftest import serving

NEW_READING = """# Notes on the Danube commission

The Danube commission of 1948 was chaired by Ivo Marković, who kept its minutes in Belgrade.
Its members met twice a year, in spring and in autumn, to settle the river's navigation rules.
"""
QUESTION = "Who chaired the Danube commission of 1948?"


def _copy(essay_engine, tmp_path):
    """The essay and its built index, in folders of this test's own."""
    from qa.config import Settings

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(essay_engine.settings.corpus_dir, corpus)
    shutil.copytree(essay_engine.settings.index_dir, index)
    return Settings(corpus_dir=corpus, index_dir=index)


def test_a_changed_reading_is_rebuilt_in_the_background_and_a_failed_rebuild_keeps_the_old(
    essay_engine, embedder, tmp_path,
):
    from qa.engine import Engine
    from qa.web.watch import ReadingWatch

    settings = _copy(essay_engine, tmp_path)
    engine = Engine.from_settings(settings, embedder=embedder)
    watch = ReadingWatch(engine, settings)
    assert (watch.status, watch.check()) == ("ok", False)

    (settings.corpus_dir / "danube.md").write_text(NEW_READING, encoding="utf-8")
    assert watch.check() and watch.status == "rebuilding" and "being rebuilt" in watch.detail
    assert watch.engine is engine  # the old one answers meanwhile
    watch.wait(600)
    assert (watch.status, watch.detail) == ("ok", None) and watch.engine is not engine
    answer = watch.engine.ask(QUESTION)
    assert answer.answered and answer.passages[0].document == "danube"
    assert "Marković" in answer.passages[0].text

    # touched, not changed: nothing to do
    essay = next(settings.corpus_dir.glob("*.txt"))
    essay.touch()
    assert not watch.check() and watch.status == "ok"

    # every reading gone: the rebuild fails, the last index goes on answering, and says why
    rebuilt = watch.engine
    for p in list(settings.corpus_dir.iterdir()):
        p.unlink()
    assert watch.check()
    watch.wait(600)
    assert watch.status == "stale" and "could not be rebuilt" in watch.detail
    assert watch.engine is rebuilt and watch.engine.ask(QUESTION).answered


def test_the_running_app_says_so_in_healthz_and_on_its_pages(essay_engine, embedder, tmp_path):
    from test_web import _page_ask

    from qa.config import WebParams
    from qa.engine import Engine
    from qa.web.server import create_app

    settings = _copy(essay_engine, tmp_path)
    settings = settings.model_copy(update={"web": WebParams(corpus_check_seconds=0.5)})
    app = create_app(Engine.from_settings(settings, embedder=embedder), settings)
    with serving(app) as url:
        first = httpx.get(f"{url}/healthz", timeout=10).json()
        assert first["status"] == "ok" and "detail" not in first and first["documents"] == 1
        (settings.corpus_dir / "danube.md").write_text(NEW_READING, encoding="utf-8")
        deadline, seen = time.monotonic() + 600, set()
        while True:
            health = httpx.get(f"{url}/healthz", timeout=10).json()
            seen.add(health["status"])
            if health["index"] != first["index"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert health["status"] == "ok" and health["documents"] == 2 and seen <= {"ok", "rebuilding"}
        r = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60)
        assert r.json()["passages"][0]["document"] == "danube"

        for p in list(settings.corpus_dir.iterdir()):
            p.unlink()
        deadline = time.monotonic() + 600
        while health["status"] != "stale" and time.monotonic() < deadline:
            time.sleep(0.2)
            health = httpx.get(f"{url}/healthz", timeout=10).json()
        assert health["status"] == "stale" and "could not be rebuilt" in health["detail"]
        reply = _page_ask(url, "s-stale", QUESTION)
        html = reply["output"]["data"][0]
        assert 'class="qa-notice"' in html and "could not be rebuilt" in html and "Marković" in html
