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
