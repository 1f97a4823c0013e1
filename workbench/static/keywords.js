// Keyword highlighting in the coding view. The server wraps every keyword occurrence of a code
// in <span class="kw" data-kw="code ids">; this script only switches a class on those spans
// (never touching the text), per code or for all, and keeps the coder's choice in this browser.
(function () {
  "use strict";
  const list = document.getElementById("coding-list");
  const box = document.getElementById("keyword-toggles");
  if (!list || !box) return;
  const storeKey = box.dataset.store || "workbench-keywords";
  let on = new Set();
  try {
    const saved = JSON.parse(window.localStorage.getItem(storeKey) || "[]");
    if (Array.isArray(saved)) on = new Set(saved.map(String));
  } catch (e) { on = new Set(); }

  function save() {
    try { window.localStorage.setItem(storeKey, JSON.stringify(Array.from(on))); } catch (e) { /* private mode */ }
  }

  function apply() {
    const all = on.has("all");
    list.querySelectorAll("span.kw").forEach((span) => {
      const codes = (span.dataset.kw || "").split(" ");
      span.classList.toggle("on", all || codes.some((c) => on.has(c)));
    });
    document.querySelectorAll("button.kw-toggle").forEach((b) => {
      const code = b.dataset.kwCode;
      b.setAttribute("aria-pressed", on.has(code) || (all && code !== "all") ? "true" : "false");
    });
  }

  document.addEventListener("click", (evt) => {
    const button = evt.target.closest && evt.target.closest("button.kw-toggle");
    if (!button) return;
    const code = button.dataset.kwCode;
    if (on.has(code)) on.delete(code); else on.add(code);
    save();
    apply();
  });
  // A coding action swaps its passage in again: highlight the new copy the same way.
  document.addEventListener("htmx:after:swap", apply);
  apply();
})();
