// The course page keeps its own look under a <gradio-app> embed. Gradio's stylesheet, which
// the loader adds to the host page's <head>, resets <html> and <body> ("body{margin:0}",
// its own font and line height): a page centred with "margin: 0 auto" jumped to the left.
// Here the host's own values of those properties are read with the app's sheets switched
// off, and set back on the two elements (again when the page's width changes: media queries,
// auto margins); the component keeps its own styles inside it.
(() => {
  const origin = new URL(import.meta.url).origin;
  const reset = { BODY: ["margin", "line-height"],
                  HTML: ["line-height", "font-family", "tab-size", "-webkit-text-size-adjust"] };
  const mine = new Map();  // element -> the properties set here (a page's own inline style stays)
  const keep = () => {
    const ours = [...document.querySelectorAll("link[rel=stylesheet]")].filter((s) => s.href.startsWith(origin + "/"));
    if (!ours.length || !document.body) return;
    const els = [document.documentElement, document.body];
    for (const el of els) for (const p of mine.get(el) || []) el.style.removeProperty(p);
    ours.forEach((s) => { s.disabled = true; });
    const host = els.map((el) => {
      const cs = getComputedStyle(el);
      return reset[el.tagName].filter((p) => !el.style.getPropertyValue(p)).map((p) => [p, cs.getPropertyValue(p)]);
    });
    ours.forEach((s) => { s.disabled = false; });
    els.forEach((el, i) => {
      for (const [p, v] of host[i]) el.style.setProperty(p, v);
      mine.set(el, host[i].map(([p]) => p));
    });
  };
  let pending = 0;
  const soon = () => { clearTimeout(pending); pending = setTimeout(keep, 50); };
  new MutationObserver((changes) => {
    for (const c of changes) for (const n of c.addedNodes) {
      if (n.tagName === "LINK" && n.href && n.href.startsWith(origin + "/")) {
        n.addEventListener("load", soon);
        soon();
      }
    }
  }).observe(document.head, { childList: true });
  window.addEventListener("resize", soon);
  if (window.ResizeObserver) new ResizeObserver(soon).observe(document.documentElement);  // a scrollbar came
})();
