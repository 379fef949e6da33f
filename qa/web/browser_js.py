"""The main page's small scripts, run by Gradio in the browser (``js=`` of an event), as
%-templates of the store key and the limits."""

from __future__ import annotations

__all__ = ["ADDRESS_JS", "ANSWERED_JS", "FORGET_JS", "LOADED_JS", "PENDING_JS", "RESTORE_JS", "STORE_KEY"]

# The conversation is kept in the student's browser, and only there: the questions asked, in
# localStorage (never the answers' HTML), so that a reload, a new tab or the page's own "Link to
# this question" asks them again. Where storage is refused (a private window, a sandboxed
# frame), the page works as before without it.
STORE_KEY = "essay-qa:questions"
KEEP_JS = """
    try {
      if (asked.length <= %(max_chars)d) {
        let kept = [];
        try { kept = JSON.parse(localStorage.getItem("%(key)s") || "[]"); } catch (e) {}
        if (!Array.isArray(kept)) kept = [];
        if (kept[kept.length - 1] !== asked) kept.push(asked);
        localStorage.setItem("%(key)s", JSON.stringify(kept.slice(-%(max_turns)d)));
      }
    } catch (e) {}"""
# A question on its way is marked in the tab's sessionStorage until its answer is shown: if the
# request drops, qa/web/static/page.js puts it back in the box with "Ask again".
PENDING_JS = """(...args) => {
  try { if (typeof args[0] === "string" && args[0].trim()) sessionStorage.setItem("essay-qa:pending", args[0]); } catch (e) {}
  return args;
}"""
_ANSWERED = """try { sessionStorage.removeItem("essay-qa:pending"); sessionStorage.removeItem("essay-qa:dropped"); } catch (e) {}
  document.querySelectorAll(".qa-retry").forEach((n) => n.remove());"""
ANSWERED_JS = "() => { " + _ANSWERED + " return []; }"
ADDRESS_JS = """(q) => {
  """ + _ANSWERED + """
  if (q && q.trim()) {
    const asked = q.trim();
    const u = new URL(window.location.href);
    u.searchParams.set("q", asked);
    window.history.replaceState(null, "", u.toString());""" + KEEP_JS + """
    // the answer comes into view when it landed below the fold (a phone), once it is on the page
    let tries = 0;
    const show = () => {
      const turn = document.querySelector("#qa-conversation .qa-turn");
      const head = turn && turn.querySelector(".qa-question");
      if (!head || !head.textContent.includes(asked)) {
        if (++tries < 30) setTimeout(show, 100);
        return;
      }
      const top = turn.getBoundingClientRect().top;  // a phone shows the answer from its top
      const fold = window.innerWidth <= 600 ? 0.25 : 0.6;
      if (top > window.innerHeight * fold || top < 0) turn.scrollIntoView({ block: "start" });
    };
    show();
  }
  return [];
}"""  # nothing asked (an empty box): the address stays
LOADED_JS = """() => {
  document.documentElement.dataset.qaLoaded = "1";  // the page's load has run (what waits on it: a test, a course page's script)
  const asked = (new URL(window.location.href).searchParams.get("q") || "").trim();
  if (asked) {""" + KEEP_JS + """
  }
  return [];
}"""  # a page opened with ?q= asked it: kept with the others
RESTORE_JS = """(k, d, h, s) => {
  let kept = "[]";
  try { kept = localStorage.getItem("%(key)s") || "[]"; } catch (e) {}
  return [k, d, h, kept];
}"""
FORGET_JS = """() => { try { localStorage.removeItem("%(key)s"); } catch (e) {} return []; }"""
