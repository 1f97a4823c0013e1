// Coding suggestions: "=" accepts the first suggestion of the current passage by clicking its
// chip, so the key and the mouse share one code path. Nothing is ever applied without it.
(function () {
  "use strict";
  const list = document.getElementById("coding-list");
  if (!list) return;
  document.addEventListener("keydown", (evt) => {
    if (evt.key !== "=" || evt.ctrlKey || evt.metaKey || evt.altKey) return;
    const t = evt.target;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.tagName === "SELECT" || t.isContentEditable)) return;
    const li = list.querySelector("li.passage.current");
    const chip = li && li.querySelector(".suggestions button.suggestion");
    if (!chip) return;
    evt.preventDefault();
    evt.stopImmediatePropagation();
    chip.click();
  }, true);
})();
// A code applied with its own key or button while its suggestion chip is on screen: the request
// says so, and the server records the coding as made with a suggestion shown, not accepted.
(function () {
  "use strict";
  const list = document.getElementById("coding-list");
  if (!list) return;
  document.addEventListener("htmx:config:request", (evt) => {
    const ctx = evt.detail.ctx;
    const src = ctx.sourceElement;
    if (!src || !src.classList || !src.classList.contains("apply-code")) return;
    const li = list.querySelector("li.passage.current");
    const code = src.dataset.code;
    if (!li || !code) return;
    if (li.querySelector(`.suggestions button.suggestion[data-code="${CSS.escape(code)}"]`)) {
      ctx.request.body.set("suggestion_shown", "1");
    }
  });
})();
