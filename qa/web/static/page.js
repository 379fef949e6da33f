// essay-qa: the pages' script, loaded in their head. The cards' copy buttons (quote with page,
// citation, link): where this does not run (a <gradio-app> embed on a course page) they stay
// hidden. And two accessible names Gradio's components get wrong (axe-core's rules).
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
  new MutationObserver(names).observe(document.documentElement, { subtree: true, childList: true });
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
