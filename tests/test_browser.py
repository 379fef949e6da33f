"""End to end in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
the example course pages on their own origin with the widget inside, the main page, the
context view, keyboard use, phone width, dark mode, per-user state, and hostile text.

Screenshots land in test-artifacts/ (QA_TEST_ARTIFACTS names another folder).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(os.environ.get("QA_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))
QUESTION = "Why would Russia not enter into a conflict with NATO?"
HOSTILE_Q = '<img src=x onerror="window.__xss=\'question\'"><script>window.__xss="q2"</script>'
TIMEOUT = 30_000


def shot(pg, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    pg.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")
    return path


def only_loopback(pg) -> None:
    assert pg.hosts and all(h.startswith("127.0.0.1:") for h in pg.hosts), pg.hosts
    assert pg.csp_violations == [], pg.csp_violations  # the page policy blocks nothing the page needs


def ask_main(pg, question: str) -> None:
    box = pg.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")


def test_course_page_iframe_widget_answers_with_highlight_and_note(page, live_url, course_site):
    page.goto(f"{course_site.origin}/course-page-iframe.html?qa={live_url}")
    frame = page.frame_locator("#qa")
    box = frame.get_by_label("Ask the reading")
    box.fill(QUESTION, timeout=TIMEOUT)
    before = page.eval_on_selector("#qa", "e => e.getBoundingClientRect().height")
    box.press("Enter")
    mark = frame.locator("mark.qa-highlight").first
    mark.wait_for(timeout=TIMEOUT)
    assert "would not enter into a conflict with NATO" in mark.inner_text()
    # the widget's k=3 from the course page's URL
    assert frame.locator("article.qa-passage").count() == 3
    notes = frame.locator(".qa-notes li")
    assert notes.count() >= 1 and len(notes.first.inner_text()) > 20
    # iframe-resizer: the frame grows with the answer
    page.wait_for_function("h => document.querySelector('#qa').getBoundingClientRect().height > h + 200",
                           arg=before, timeout=TIMEOUT)
    shot(page, "course-page-iframe.png")
    only_loopback(page)


def test_course_page_web_component_answers(page, live_url, course_site):
    url = f"{course_site.origin}/course-page-web-component.html"
    page.goto(url)  # the course page alone, without the app (no ?qa=: it points at a port with no app)
    alone = page.evaluate("getComputedStyle(document.body).lineHeight")
    page.goto(f"{url}?qa={live_url}")
    box = page.get_by_label("Ask the reading")
    box.fill("Who designed the Plan Z-4?", timeout=TIMEOUT)
    box.press("Enter")
    page.locator("gradio-app mark.qa-highlight").first.wait_for(timeout=TIMEOUT)
    assert page.locator("gradio-app sup.qa-marker").count() >= 1
    assert "Ambassadors" in page.locator("gradio-app .qa-notes").first.inner_text()
    assert page.locator("gradio-app button.qa-copy").first.is_visible()  # Gradio runs the pages' head script here too
    # the course page keeps its own look: Gradio's stylesheet set the host's body margin to 0
    assert page.locator("link[rel=stylesheet][href^='http://127.0.0.1']").count() >= 1  # Gradio's, in the host
    centred = ("() => { const r = document.body.getBoundingClientRect(); return r.left > 50 &&"
               " Math.abs(r.left - (document.documentElement.clientWidth - r.right)) < 2; }")  # "margin: 0 auto"
    page.wait_for_function(centred, timeout=TIMEOUT)
    assert page.evaluate("getComputedStyle(document.body).lineHeight") == alone
    page.set_viewport_size({"width": 1000, "height": 700})  # its auto margins follow the width
    page.wait_for_function(centred, timeout=TIMEOUT)
    # "Show in context" leads to the app, not to a page of the course site that embeds it
    href = page.locator("gradio-app a.qa-context").first.get_attribute("href")
    assert href and href.startswith(f"{live_url}/context/"), href
    shot(page, "course-page-web-component.png")
    only_loopback(page)
    with page.context.expect_page() as opened:
        page.locator("gradio-app a.qa-context").first.click()
    context = opened.value
    context.wait_for_load_state()
    assert context.url.startswith(f"{live_url}/context/")
    assert "Plan Z-4" in context.locator("body").inner_text(timeout=TIMEOUT)
    context.close()


def test_a_site_not_allowed_cannot_frame_the_widget_and_its_teacher_is_told_why(page, live_url, caplog):
    """No widget in the frame of a site missing from frame_ancestors, but a page saying which
    setting to change (Chromium showed its broken-frame icon), and a line in the log."""
    import logging

    from conftest import ROOT, StaticServer

    other = StaticServer(ROOT / "examples")  # an origin missing from frame_ancestors
    caplog.set_level(logging.WARNING, logger="qa.web.security")
    try:
        page.goto(f"{other.origin}/course-page-iframe.html?qa={live_url}")
        frame = page.frame_locator("#qa")
        frame.get_by_role("heading", name="The reading's question box cannot be shown on this site").wait_for(
            timeout=TIMEOUT)
        told = frame.locator("body").inner_text()
        assert other.origin in told and "QA_WEB__FRAME_ANCESTORS" in told and "QA_WEB__CORS_ORIGINS" in told
        assert frame.get_by_label("Ask the reading").count() == 0
        assert any(other.origin in r.getMessage() and "frame_ancestors" in r.getMessage() for r in caplog.records)
        shot(page, "frame-not-allowed.png")
    finally:
        other.close()


def test_the_refused_frame_is_only_for_a_site_not_allowed():
    from qa.web.security import refused_framer

    def scope(referer: str, dest: bytes = b"iframe") -> dict:
        return {"scheme": "http", "headers": [(b"host", b"qa.example.edu"), (b"sec-fetch-dest", dest),
                                               (b"referer", referer.encode())]}

    allowed = ["'self'", "https://moodle.example.edu", "https://*.canvas.example.org"]
    assert refused_framer(scope("https://evil.example.com/page"), allowed) == "https://evil.example.com"
    assert refused_framer(scope("https://moodle.example.edu/course/5"), allowed) is None
    assert refused_framer(scope("https://uni.canvas.example.org/c"), allowed) is None
    assert refused_framer(scope("http://moodle.example.edu/"), allowed) == "http://moodle.example.edu"  # scheme
    assert refused_framer(scope("http://qa.example.edu/"), allowed) is None  # 'self'
    assert refused_framer(scope("https://evil.example.com/", b"document"), allowed) is None  # not framed
    assert refused_framer(scope(""), allowed) is None  # no Referer: the browser's CSP decides
    assert refused_framer(scope("https://any.example.com/"), ["https:"]) is None  # a scheme source
    assert refused_framer(scope("http://any.example.com/"), ["https:"]) == "http://any.example.com"
    assert refused_framer(scope("https://any.example.com/"), ["'none'"]) == "https://any.example.com"


def test_main_page_example_context_view_and_share_link(page, live_url):
    page.goto(live_url + "/")
    page.get_by_role("button", name=QUESTION).click(timeout=TIMEOUT)
    card = page.locator("#qa-conversation article.qa-passage").first
    card.wait_for(timeout=TIMEOUT)
    assert "would not enter into a conflict with NATO" in card.locator("mark.qa-highlight").inner_text()
    assert card.locator(".qa-relevance").inner_text() in {"strong match", "good match", "possible match"}
    assert card.locator(".qa-pages").inner_text().startswith("p")
    shot(page, "main-page.png")
    only_loopback(page)
    # show in context: the whole reading, scrolled to the passage, the sentence highlighted
    with page.context.expect_page() as new:
        card.get_by_role("link", name="Show in context").click()
    ctx = new.value
    ctx.wait_for_load_state()
    assert ctx.url.endswith("#passage")
    assert "would not enter into a conflict with NATO" in ctx.locator("mark.qa-highlight").inner_text()
    assert ctx.locator("h1").count() == 1 and ctx.locator(".qa-doc-note").count() > 5
    assert ctx.evaluate("window.scrollY") > 0
    # the context page: a header that names the pages and leads back to the question asked
    back = ctx.get_by_role("link", name=re.compile("^← Back to your question"))
    assert back.is_visible() and "/?q=" in (back.get_attribute("href") or "")
    assert re.search(r"the passage is on pp?\. ", ctx.locator(".qa-context-where").inner_text())
    shot(ctx, "context-view.png")
    # a marker leads to its numbered note, the note back to the marker
    marker = ctx.locator("main sup.qa-marker a").first
    label = marker.inner_text()
    marker.click()
    note = ctx.locator(".qa-doc-note:target")
    note.wait_for(timeout=TIMEOUT)
    assert note.locator(".qa-note-label").inner_text() == label
    note.locator("a.qa-backref").click()
    assert ctx.locator("sup.qa-marker:target").inner_text() == label
    ctx.goto(ctx.url.split("?")[0] + "?start=oops")
    assert "This link is damaged" in ctx.locator("h1").inner_text()
    ctx.close()
    # the share link asks the same question again on a fresh page
    href = page.locator(".qa-share").first.get_attribute("href")
    assert href and href.startswith(f"{live_url}/?q="), href  # absolute: it works from an embedding page too
    fresh = page.context.new_page()
    fresh.goto(href)
    fresh.locator("#qa-conversation mark.qa-highlight").first.wait_for(timeout=TIMEOUT)
    assert QUESTION in fresh.locator(".qa-question").first.inner_text()


def test_a_question_over_the_length_cap_is_refused_with_a_message_not_cut(page, live_url):
    """A pasted question longer than the cap reaches the app whole and is refused, saying how
    long it is and what the limit is; the box did not cut it silently to the limit."""
    long_question = "Why did Russia not defend Serbia in 1999 " * 30  # about 1,230 characters
    page.goto(live_url + "/")
    ask_main(page, long_question)
    error = page.locator("#qa-conversation .qa-error").first
    error.wait_for(timeout=TIMEOUT)
    assert "the limit is 1000" in error.inner_text() and "characters long" in error.inner_text()
    assert len(page.get_by_label("Your question").input_value()) in (0, len(long_question))


def test_the_question_stays_the_address_follows_and_an_empty_one_adds_no_turn(page, live_url):
    """After a question the box still holds it (to refine it) and the address bar holds it (a
    reload asks it, not the question the page was opened with); Enter on an empty box says so
    and adds no turn."""
    from urllib.parse import parse_qs, urlsplit

    page.goto(live_url + "/?" + "q=Who+designed+the+Plan+Z-4%3F")
    page.locator("#qa-conversation .qa-question").first.wait_for(timeout=TIMEOUT)
    ask_main(page, QUESTION)
    page.locator("#qa-conversation details.qa-earlier").first.wait_for(state="attached", timeout=TIMEOUT)
    assert QUESTION in page.locator("#qa-conversation .qa-question").first.inner_text()
    assert page.get_by_label("Your question").input_value() == QUESTION
    page.wait_for_function("() => new URL(location.href).searchParams.get('q') !== 'Who designed the Plan Z-4?'",
                           timeout=TIMEOUT)
    assert parse_qs(urlsplit(page.url).query)["q"] == [QUESTION]
    page.get_by_label("Your question").fill("   ")
    page.get_by_label("Your question").press("Enter")
    page.get_by_text("Type a question about the reading first.").first.wait_for(timeout=TIMEOUT)
    assert page.locator("#qa-conversation details.qa-earlier").count() == 1  # no turn added
    assert QUESTION in page.locator("#qa-conversation .qa-question").first.inner_text()
    assert page.locator("#qa-conversation .qa-error").count() == 0
    page.reload()
    page.locator("#qa-conversation .qa-question").first.wait_for(timeout=TIMEOUT)
    assert QUESTION in page.locator("#qa-conversation .qa-question").first.inner_text()


def test_not_answered_looks_different_and_still_offers_passages(page, live_url):
    page.goto(live_url + "/")
    ask_main(page, "What is the recipe for a chocolate cake?")
    notice = page.locator("#qa-conversation .qa-noanswer")
    notice.wait_for(timeout=TIMEOUT)
    assert "does not seem to answer" in notice.inner_text()
    assert page.locator("#qa-conversation article.qa-passage").count() >= 1
    # no card is the answer, and no sentence carries the answer's bright highlight
    conv = page.locator("#qa-conversation")
    assert conv.locator(".qa-best").count() == 0 and "The closest passages" in conv.inner_text()
    marks = conv.locator("mark.qa-highlight")
    assert marks.count() >= 1 and marks.count() == conv.locator("mark.qa-weak").count()
    assert marks.first.evaluate("m => getComputedStyle(m).backgroundColor") == "rgba(0, 0, 0, 0)"
    shot(page, "not-answered.png")
    # an answer: one card marked as the answer, highlighted brightly, the rest below as further evidence
    ask_main(page, QUESTION)
    best = page.locator("#qa-conversation .qa-turn").first.locator("article.qa-best")
    best.wait_for(timeout=TIMEOUT)
    assert best.locator(".qa-best-label").inner_text() == "Answer"
    assert best.locator("mark.qa-highlight").evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(253, 230, 138)"
    turn = page.locator("#qa-conversation .qa-turn").first
    assert turn.locator(".qa-further-head").inner_text() == "Further evidence"
    assert turn.locator("article.qa-passage").first.get_attribute("class") == "qa-passage qa-best"


def test_keyboard_only_labels_and_conversation(page, live_url):
    page.goto(live_url + "/")
    box = page.get_by_label("Your question")
    box.wait_for(timeout=TIMEOUT)
    box.focus()
    page.keyboard.type("Who designed the Plan Z-4?")
    page.keyboard.press("Enter")
    page.locator("#qa-conversation .qa-question", has_text="Plan Z-4").wait_for(timeout=TIMEOUT)
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    page.locator("#qa-conversation .qa-turn .qa-question", has_text="NATO").first.wait_for(timeout=TIMEOUT)
    # the earlier turn is kept, folded, and opens from the keyboard
    summary = page.locator(".qa-earlier summary").first
    assert "Plan Z-4" in summary.inner_text()
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator(".qa-earlier[open] mark.qa-highlight").count() >= 1
    # the options open from the keyboard; every control has a name a screen reader reads
    options = page.get_by_role("button", name="Options")
    options.focus()
    page.keyboard.press("Enter")
    page.get_by_label("Passages to show").first.wait_for(timeout=TIMEOUT)
    for name in ("Your question", "Passages to show"):
        assert page.get_by_label(name).count() >= 1
    assert page.get_by_role("button", name="Ask").count() == 1
    assert page.get_by_role("button", name="Clear conversation").count() == 1


def test_conversations_are_per_user(browser, live_url):
    one, two = browser.new_context(), browser.new_context()
    try:
        a, b = one.new_page(), two.new_page()
        a.goto(live_url + "/")
        b.goto(live_url + "/")
        ask_main(a, "Who designed the Plan Z-4?")
        a.locator("#qa-conversation .qa-question").first.wait_for(timeout=TIMEOUT)
        ask_main(b, QUESTION)
        b.locator("#qa-conversation .qa-question").first.wait_for(timeout=TIMEOUT)
        assert "NATO" not in a.locator("#qa-conversation .qa-question").all_inner_texts()[0]
        # b's conversation holds b's question only (its answers may well quote note 1 on the Plan Z-4)
        assert all("Plan Z-4" not in t for t in b.locator("#qa-conversation .qa-question").all_inner_texts())
        assert b.locator("#qa-conversation .qa-question").count() == 1
        assert a.locator(".qa-earlier").count() == 0 and b.locator(".qa-earlier").count() == 0
    finally:
        one.close()
        two.close()


def test_phone_width_and_dark_mode(browser, live_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    try:
        pg = context.new_page()
        pg.goto(live_url + "/?theme=dark&q=" + "Who+designed+the+Plan+Z-4%3F")
        pg.locator("#qa-conversation mark.qa-highlight").first.wait_for(timeout=TIMEOUT)
        assert pg.evaluate("document.body.classList.contains('dark') || "
                           "!!document.querySelector('.dark')")
        # nothing wider than the phone
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390
        bg = pg.evaluate("getComputedStyle(document.querySelector('mark.qa-highlight')).backgroundColor")
        assert bg == "rgb(133, 77, 14)"  # the dark-mode highlight
        shot(pg, "main-page-phone-dark.png")
        # a student's own question: the answer comes into view, below the compact header
        pg.evaluate("window.scrollTo(0, 0)")
        ask_main(pg, QUESTION)
        pg.wait_for_function("() => { const t = document.querySelector('#qa-conversation .qa-turn h2');"
                             " return t && t.textContent.includes('NATO'); }", timeout=TIMEOUT)
        pg.wait_for_function("() => { const r = document.querySelector('#qa-conversation .qa-turn').getBoundingClientRect();"
                             " return r.top >= -2 && r.top < window.innerHeight / 4; }", timeout=TIMEOUT)
        shot(pg, "main-page-phone-answer.png", full_page=False)
        # touch targets of 44 px at least; the options folded away
        for sel in ("a.qa-share", "a.qa-context", ".qa-examples button", "button.qa-copy"):
            heights = pg.eval_on_selector_all(sel, "els => els.map(e => e.getBoundingClientRect().height)")
            assert heights and min(heights) >= 44, (sel, heights)
        assert not pg.get_by_label("Passages to show").first.is_visible()
    finally:
        context.close()


def test_hostile_question_and_document_never_run(page, live_url, course_site):
    page.goto(live_url + "/")
    ask_main(page, HOSTILE_Q)
    page.locator("#qa-conversation .qa-question").first.wait_for(timeout=TIMEOUT)
    assert "<img src=x" in page.locator("#qa-conversation .qa-question").first.inner_text()
    ask_main(page, "What did the lighthouse keeper write in the logbook?")
    card = page.locator("#qa-conversation article.qa-passage", has_text="lighthouse keeper").first
    card.wait_for(timeout=TIMEOUT)
    assert "<img src=x onerror=" in card.inner_text()
    assert "<script>" in card.locator(".qa-notes").inner_text()
    assert "<script>" in card.locator(".qa-doc").inner_text()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None
    # and the same reading in context, and in the widget on the course page
    with page.context.expect_page() as new:
        card.get_by_role("link", name="Show in context").click()
    ctx = new.value
    ctx.wait_for_load_state()
    assert "<img src=x" in ctx.locator("main").inner_text() and ctx.evaluate("window.__xss") is None
    page.goto(f"{course_site.origin}/course-page-iframe.html?qa={live_url}")
    box = page.frame_locator("#qa").get_by_label("Ask the reading")
    box.fill("What did the lighthouse keeper write in the logbook?", timeout=TIMEOUT)
    box.press("Enter")
    page.frame_locator("#qa").locator("article.qa-passage", has_text="lighthouse").first.wait_for(timeout=TIMEOUT)
    frame = next(f for f in page.frames if "/widget/" in f.url)
    assert frame.evaluate("window.__xss") is None


def test_evaluation_tab_upload_progress_summary_and_downloads(page, live_url, tmp_path):
    qfile = tmp_path / "questions.csv"
    qfile.write_text(
        "id,question,evidence,footnotes,type,colour\n"
        'good,Who designed the Plan Z-4?,designed by the Ambassadors of USA,1,,red\n'
        'miss,What is the recipe for a chocolate cake?,flour and cocoa,,,blue\n'
        'none,What is the capital of Australia?,,,unanswerable,\n'
        ',,,,,\n',
        encoding="utf-8",
    )
    page.goto(live_url + "/teacher/")
    page.locator("#qa-eval-file input[type=file]").set_input_files(str(qfile))
    page.locator("#qa-eval-run").click()
    summary = page.locator("#qa-eval-summary .qa-eval-plain")
    summary.wait_for(timeout=TIMEOUT)
    text = summary.inner_text()  # in plain words: the cake question has evidence the reading lacks
    assert "1 of 2 (50%) questions found their evidence in the first passage." in text
    assert "Questions the reading does not answer: 1 of 1 (100%) were told so." in text
    raw = page.locator("#qa-eval-summary details").text_content() or ""  # the figures, folded away
    assert "hit@1" in raw and "questions3" in raw.replace(" ", "")
    warnings = page.locator(".qa-eval-warnings").inner_text()
    assert "colour" in warnings and "row 4" in warnings  # unknown column named; bad row by its number
    ids = page.locator("#qa-eval-questions tr td:first-child").all_inner_texts()
    assert "miss" in ids[:2] and ids[-1] == "none"  # misses first; the right refusal last
    good = page.locator("#qa-eval-questions tr", has=page.locator("td", has_text="Who designed the Plan Z-4?"))
    cells = good.locator("td").all_inner_texts()  # the evidence expected beside what was found
    assert "“designed by the Ambassadors of USA”" in cells[2] and "notes 1" in cells[2]
    assert cells[3].startswith("Found in the first passage")
    # the page column's header is one line, not a letter a line
    header = page.locator("#qa-eval-questions th.qa-eval-page")
    assert header.evaluate("h => { const r = document.createRange(); r.selectNodeContents(h); "
                           "return r.getClientRects().length; }") == 1
    links = page.locator("#qa-eval-downloads a")
    links.first.wait_for(timeout=TIMEOUT)
    names = page.locator("#qa-eval-downloads").inner_text().replace("\n", "")
    for name in ("results.csv", "results.jsonl", "summary.json", "report.html"):
        assert name in names
    with page.expect_download() as dl:
        row = page.locator("#qa-eval-downloads tr", has=page.locator(".ext", has_text=".csv"))
        row.locator("a").first.click()
    assert "good" in Path(dl.value.path()).read_text(encoding="utf-8")
    shot(page, "evaluation-tab.png")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the table scrolls in its box, not the page
    page.wait_for_function("() => document.documentElement.scrollWidth <= 390", timeout=TIMEOUT)
    assert page.locator(".qa-eval-scroll").evaluate("d => d.scrollWidth > d.clientWidth")
    shot(page, "evaluation-tab-phone.png")
    page.set_viewport_size({"width": 1100, "height": 900})
    only_loopback(page)
    # the upload is removed when its session ends (the tab closes)
    from gradio.utils import get_upload_folder

    uploaded = [f for f in Path(get_upload_folder()).glob("*/questions.csv") if f.read_bytes() == qfile.read_bytes()]
    assert uploaded
    page.close()
    deadline = time.monotonic() + 30
    while any(f.exists() for f in uploaded) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(f.exists() for f in uploaded)


def test_evaluation_tab_refuses_too_many_questions_and_clears_the_last_results(page, live_url, web_app, tmp_path):
    limit = web_app.state.settings.web.max_eval_questions
    good = tmp_path / "good.jsonl"
    good.write_text('{"question": "Who designed the Plan Z-4?", "evidence": ["designed by the Ambassadors"]}\n',
                    encoding="utf-8")
    qfile = tmp_path / "many.jsonl"
    qfile.write_text("".join(f'{{"question": "Question number {i}?"}}\n' for i in range(limit + 1)), encoding="utf-8")
    page.goto(live_url + "/teacher/")
    page.locator("#qa-eval-file input[type=file]").set_input_files(str(good))
    page.locator("#qa-eval-run").click()
    page.locator("#qa-eval-summary .qa-eval-plain").wait_for(timeout=TIMEOUT)
    page.locator("#qa-eval-file button[aria-label='Clear']").first.click()
    page.locator("#qa-eval-file input[type=file]").set_input_files(str(qfile))
    page.locator("#qa-eval-run").click()
    page.get_by_text(f"the limit here is {limit}").first.wait_for(timeout=TIMEOUT)
    # the first file's results are not left under the second file's refusal
    assert page.locator("#qa-eval-summary .qa-eval-plain").count() == 0
    assert page.locator("#qa-eval-questions tr").count() == 0


def test_the_teachers_page_is_apart_from_the_students_and_linked_from_it(page, live_url):
    """A student sees no teacher's tab beside the question box; a link at the foot of the page,
    absolute (so it works where the page is embedded), leads to the teacher's page and back."""
    page.goto(live_url + "/")
    page.locator("#qa-question textarea").wait_for(timeout=TIMEOUT)
    assert page.get_by_role("tab").count() == 0 and page.locator("#qa-eval-file").count() == 0
    link = page.get_by_role("link", name="For teachers: check a question set")
    page.wait_for_function("() => /^http:\\/\\/127\\.0\\.0\\.1:\\d+\\/teacher\\/$/.test("
                           "document.querySelector('.qa-teacher-link a').href) && "
                           "document.querySelector('.qa-teacher-link a').getAttribute('href').startsWith('http')",
                           timeout=TIMEOUT)
    link.click()
    page.get_by_role("heading", name="Check a question set").wait_for(timeout=TIMEOUT)
    assert page.url == live_url + "/teacher/"
    page.get_by_role("link", name="the students' page").click()
    page.locator("#qa-question textarea").wait_for(timeout=TIMEOUT)
    assert page.url == live_url + "/"
    shot(page, "student-page-foot.png")


def test_the_teachers_page_offers_templates_that_read_as_question_files(page, live_url, tmp_path):
    from qa.evaluation.questions import EvalQuestion, read_questions

    page.goto(live_url + "/teacher/")
    for ext in ("csv", "jsonl"):
        with page.expect_download() as dl:
            page.get_by_role("link", name=ext.upper(), exact=True).click()
        saved = tmp_path / f"template.{ext}"
        Path(dl.value.path()).replace(saved)
        items, warnings = read_questions(saved)
        assert warnings == [] and len(items) == 4 and all(isinstance(q, EvalQuestion) for q in items)
        assert [q.answerable for q in items] == [True, True, True, False]


def test_copy_the_quote_with_its_page_the_citation_and_the_link(browser, live_url):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    try:
        pg = context.new_page()
        pg.goto(live_url + "/")
        ask_main(pg, QUESTION)
        card = pg.locator("#qa-conversation article.qa-best")
        card.wait_for(timeout=TIMEOUT)
        sentence = " ".join(card.locator("mark.qa-highlight").first.inner_text().split())
        where = card.locator(".qa-pages").inner_text()
        title = card.locator(".qa-doc").inner_text()
        button = card.get_by_role("button", name=re.compile("^Copy quote with its page"))
        button.click()
        pg.wait_for_function("() => [...document.querySelectorAll('#qa-conversation article.qa-best button.qa-copy')]"
                             ".some(b => b.textContent === 'Copied ✓')", timeout=TIMEOUT)  # the clipboard is async
        assert pg.evaluate("navigator.clipboard.readText()") == f"“{sentence}” ({title}, {where})"
        pg.wait_for_function("() => [...document.querySelectorAll('[role=status][aria-live=polite]')]"
                             ".some(e => e.textContent === 'Copied to the clipboard')", timeout=TIMEOUT)  # said aloud
        card.get_by_role("button", name=re.compile("^Copy citation of")).click()
        assert pg.evaluate("navigator.clipboard.readText()") == f"{title}, {where}."
        pg.get_by_role("button", name="Copy link to this question").first.click()
        link = pg.evaluate("navigator.clipboard.readText()")
        assert link == pg.locator(".qa-share").first.get_attribute("href") and link.startswith(f"{live_url}/?q=")
        shot(pg, "copy-buttons.png")
        pg.wait_for_function("b => b.textContent === 'Copy quote'", arg=button.element_handle(),
                             timeout=TIMEOUT)  # the label comes back
    finally:
        context.close()


def test_the_conversation_is_kept_in_the_browser_over_a_reload_a_new_tab_and_a_shared_link(page, live_url):
    second = "Who designed the Plan Z-4?"
    page.goto(live_url + "/")
    ask_main(page, QUESTION)
    page.locator("#qa-conversation article.qa-best").first.wait_for(timeout=TIMEOUT)
    ask_main(page, second)
    page.locator("#qa-conversation details.qa-earlier").first.wait_for(state="attached", timeout=TIMEOUT)

    def questions(pg) -> list[str]:
        pg.locator("#qa-conversation details.qa-earlier").first.wait_for(state="attached", timeout=TIMEOUT)
        return [t.replace("Question:", "").strip() for t in pg.locator("#qa-conversation .qa-question").all_text_contents()]

    # only the questions are kept, in this browser's storage
    assert page.evaluate("JSON.parse(localStorage.getItem('essay-qa:questions'))") == [QUESTION, second]
    page.reload()
    assert questions(page) == [second, QUESTION]  # newest first, each asked once
    other = page.context.new_page()  # a new tab of the same browser
    other.goto(live_url + "/")
    assert questions(other) == [second, QUESTION]
    # the page's own share link, opened in the new tab: the conversation stays, the question joins it
    other.goto(page.locator(".qa-share").last.get_attribute("href") or "")
    other.wait_for_function(
        "() => document.querySelectorAll('#qa-conversation .qa-question').length === 3", timeout=TIMEOUT)
    assert questions(other) == [QUESTION, second, QUESTION]
    # clearing forgets it: a reload starts empty (the address no longer asks)
    other.goto(live_url + "/")
    questions(other)  # the kept conversation is shown: the page has loaded (a click before that was lost in CI)
    other.get_by_role("button", name="Clear conversation").click()
    other.wait_for_function("() => localStorage.getItem('essay-qa:questions') === null", timeout=TIMEOUT)
    # (a question asked after the reload answers after the load's restoring: it is then the only turn)
    other.reload()
    ask_main(other, QUESTION)
    other.locator("#qa-conversation article.qa-best").first.wait_for(timeout=TIMEOUT)
    assert [t.replace("Question:", "").strip()
            for t in other.locator("#qa-conversation .qa-question").all_text_contents()] == [QUESTION]
    # a stored value that is not a list of questions is ignored, not an error
    other.evaluate("localStorage.setItem('essay-qa:questions', '{\"x\": 1}')")
    other.goto(live_url + "/")  # (not a reload: the address now asks the last question)
    ask_main(other, second)
    other.locator("#qa-conversation article.qa-best").first.wait_for(timeout=TIMEOUT)
    assert other.evaluate("JSON.parse(localStorage.getItem('essay-qa:questions'))") == [second]


def test_a_question_whose_request_dropped_comes_back_with_ask_again(page, live_url):
    """The connection drops as a question is sent (its queue requests fail): Gradio says so and
    rebuilds the page, which emptied the box. The question is back in it, with "Ask again",
    which asks it once the server answers again."""
    asked = "What did Jelcin say about NATO?"
    page.goto(live_url + "/")
    page.locator("html[data-qa-loaded]").wait_for(state="attached", timeout=TIMEOUT)  # the load's own requests went through
    page.route("**/gradio_api/queue/**", lambda r: r.abort())
    ask_main(page, asked)
    page.wait_for_function("() => sessionStorage.getItem('essay-qa:dropped') === '1'", timeout=TIMEOUT)
    with page.expect_navigation(timeout=TIMEOUT):  # reachable again: Gradio reloads the page
        page.unroute("**/gradio_api/queue/**")
    again = page.get_by_role("button", name="Ask again")
    again.wait_for(timeout=TIMEOUT)
    assert "the connection dropped" in page.get_by_role("alert").filter(has=again).inner_text()
    page.wait_for_function("(q) => document.querySelector('#qa-question textarea').value === q", arg=asked,
                           timeout=TIMEOUT)
    shot(page, "dropped-request.png")
    again.click()
    page.locator("#qa-conversation .qa-turn .qa-question", has_text=asked).wait_for(timeout=TIMEOUT)
    page.locator("#qa-conversation article.qa-best").wait_for(timeout=TIMEOUT)
    page.wait_for_function("() => !sessionStorage.getItem('essay-qa:pending') && !document.querySelector('.qa-retry')",
                           timeout=TIMEOUT)


def test_a_mistyped_doc_in_the_embed_is_said_when_the_widget_loads(page, live_url):
    page.goto(live_url + "/widget/?doc=serbia-russia-kosovoo")
    notice = page.locator("#qa-answer .qa-error")
    notice.wait_for(timeout=TIMEOUT)
    text = notice.inner_text()
    assert "serbia-russia-kosovoo" in text and "which is not here" in text and "serbia-russia-kosovo" in text
    assert page.evaluate("document.body.classList.contains('dark') || !!document.querySelector('.dark')") is False
    box = page.get_by_label("Ask the reading")
    box.fill(QUESTION)
    box.press("Enter")
    page.locator("#qa-answer mark.qa-highlight").first.wait_for(timeout=TIMEOUT)  # still answers, from all readings


@pytest.mark.parametrize(("accent", "text"), [("7c2d12", "rgb(255, 255, 255)"), ("fde68a", "rgb(17, 24, 39)")])
def test_the_widget_takes_the_course_pages_accent_and_keeps_its_text_readable(page, live_url, accent, text):
    """?accent= colours the widget's button, the answer's badge and its border; on a light accent
    the button's text turns dark (axe: no contrast failure)."""
    rgb = "rgb({}, {}, {})".format(*(int(accent[i:i + 2], 16) for i in (0, 2, 4)))
    page.goto(live_url + f"/widget/?accent={accent}")
    button = page.get_by_role("button", name="Ask")
    page.wait_for_function("(c) => { const b = document.querySelector('#qa-ask');"
                           " return !!b && getComputedStyle(b).backgroundColor === c; }", arg=rgb, timeout=TIMEOUT)
    assert button.evaluate("b => getComputedStyle(b).color") == text
    box = page.get_by_label("Ask the reading")
    box.fill(QUESTION)
    box.press("Enter")
    best = page.locator("#qa-answer article.qa-best")
    best.wait_for(timeout=TIMEOUT)
    assert best.evaluate("a => getComputedStyle(a).borderLeftColor") == rgb
    assert best.locator(".qa-best-label").evaluate("b => getComputedStyle(b).backgroundColor") == rgb
    assert axe_violations(page) == []
    shot(page, f"widget-accent-{accent}.png")


def test_an_accent_that_is_no_colour_is_said_when_the_widget_loads(page, live_url):
    page.goto(live_url + "/widget/?accent=red;}body{display:none")
    notice = page.locator("#qa-answer .qa-error")
    notice.wait_for(timeout=TIMEOUT)
    assert "is not a colour" in notice.inner_text()
    assert page.locator("#qa-accent style").count() == 0 and page.get_by_label("Ask the reading").is_visible()


AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(pg) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands (axe from npm, put in
    by the test: never a CDN; the test's context bypasses the page's CSP to inject it)."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/js` (the README's test command does)")
    pg.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = pg.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => v.id + ": " + v.help + " -- " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "))""")
    return list(found)


def test_no_serious_accessibility_violation_on_any_page(browser, live_url):
    """axe-core on the main page with an answer, the teacher's tab, the widget with an answer
    and the context view, in light and dark mode: no serious or critical violation."""
    for scheme in ("light", "dark"):
        context = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900}, color_scheme=scheme)
        try:
            pg = context.new_page()
            pg.goto(live_url + f"/?theme={scheme}&q=" + "Who+designed+the+Plan+Z-4%3F")
            pg.locator("#qa-conversation article.qa-best").wait_for(timeout=TIMEOUT)
            assert axe_violations(pg) == [], f"main page ({scheme})"
            href = pg.locator("a.qa-context").first.get_attribute("href")
            t = context.new_page()
            t.goto(live_url + f"/teacher/?theme={scheme}")
            t.get_by_role("button", name="Evaluate").wait_for(timeout=TIMEOUT)
            assert axe_violations(t) == [], f"teacher's page ({scheme})"
            w = context.new_page()
            w.goto(live_url + f"/widget/?theme={scheme}")
            box = w.get_by_label("Ask the reading")
            box.fill(QUESTION)
            box.press("Enter")
            w.locator("#qa-answer mark.qa-highlight").first.wait_for(timeout=TIMEOUT)
            assert axe_violations(w) == [], f"widget ({scheme})"
            c = context.new_page()
            c.goto(href or "")
            c.locator("mark.qa-highlight").first.wait_for(timeout=TIMEOUT)
            assert axe_violations(c) == [], f"context view ({scheme})"
        finally:
            context.close()
