// essay-qa: the pages' script, loaded in their head. The cards' copy buttons (quote with page,
// citation, link): where this does not run they stay hidden. A question whose request dropped,
// back in the box with "Ask again". And two accessible names Gradio's components get wrong
// (axe-core's rules).
(() => {
  // Gradio's upload area is named "Click to upload or drop files" while it shows "Drop File
  // Here - or - Click to Upload" (label-content-name-mismatch): name it by what it shows. Its
  // empty file list puts aria-label on a bare div (aria-prohibited-attr): drop it.
  function names() {
    for (const b of document.querySelectorAll("button.upload-container[aria-label]")) {
      const shown = (b.innerText || "").replace(/\s+/g, " ").trim();
      if (shown && !b.getAttribute("aria-label").includes(shown)) b.setAttribute("aria-label", shown);
    }
    for (const e of document.querySelectorAll("div.empty[aria-label]:not([role])")) e.removeAttribute("aria-label");
  }
  // A question whose request dropped (the connection lost) comes back to the box, with a way to
  // ask it again: the page marks a question pending as it sends it (qa.web.browser_js) and clears
  // the mark when its answer is shown. An error toast while one is pending marks it dropped;
  // Gradio then rebuilds the page (empty box, no conversation), and the question is put back.
  const PENDING = "essay-qa:pending", DROPPED = "essay-qa:dropped";
  const store = (k, v) => { try { if (v === null) sessionStorage.removeItem(k); else sessionStorage.setItem(k, v); } catch (e) {} };
  const stored = (k) => { try { return sessionStorage.getItem(k) || ""; } catch (e) { return ""; } };
  let retrying = false;
  const seen = new WeakSet();
  function offer() {
    const q = stored(PENDING);
    if (retrying) return;
    const input = document.querySelector("#qa-question textarea, #qa-question input");
    const anchor = document.querySelector("#qa-conversation, #qa-answer");
    if (!q || !stored(DROPPED) || !input || !anchor) return;
    if (!input.value.trim()) {
      input.value = q;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (document.querySelector(".qa-retry")) return;
    const note = document.createElement("div");
    note.className = "qa-retry";
    note.setAttribute("role", "alert");
    note.textContent = "Your question did not reach the reading: the connection dropped. It is back in the box. ";
    const again = document.createElement("button");
    again.type = "button";
    again.textContent = "Ask again";
    again.addEventListener("click", () => {
      retrying = true;  // still dropped until its answer is shown: a reload before then offers it again
      note.remove();
      const ask = document.querySelector("#qa-ask");
      if (ask) ask.click();
    });
    note.appendChild(again);
    anchor.parentElement.insertBefore(note, anchor);
  }
  function watch() {
    names();
    for (const toast of document.querySelectorAll("[data-testid=toast-body].error")) {
      if (seen.has(toast)) continue;  // a toast counts once, when it comes
      seen.add(toast);
      if (stored(PENDING)) {
        store(DROPPED, "1");
        retrying = false;
      }
    }
    if (stored(DROPPED)) offer();
  }
  new MutationObserver(watch).observe(document.documentElement, { subtree: true, childList: true });
  document.documentElement.classList.add("qa-can-copy");
  let live = null;
  function say(text) {  // one polite live region for the page: "Copied"
    if (!live) {
      live = document.createElement("div");
      live.className = "qa-sr-only";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    live.textContent = "";
    setTimeout(() => { live.textContent = text; }, 50);
  }
  function fallback(text) {  // a frame without clipboard-write permission
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }
  document.addEventListener("click", async (event) => {
    const button = event.target.closest && event.target.closest("button.qa-copy");
    if (!button) return;
    const text = button.dataset.copy || "";
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch (e) {
      ok = fallback(text);
    }
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = ok ? "Copied ✓" : "Select and copy by hand";
    button.classList.toggle("qa-copied", ok);
    say(ok ? "Copied to the clipboard" : "The browser did not allow copying");
    setTimeout(() => { button.textContent = label; button.classList.remove("qa-copied"); }, 2000);
  });
})();
