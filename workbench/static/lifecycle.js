// Split a passage where the lead clicks: the cursor position, counted in code points (as the
// workbench counts offsets, so an emoji or a rare CJK character counts once), fills the form.
(function () {
  "use strict";
  function setup() {
    var text = document.getElementById("split-text");
    var at = document.getElementById("split-at");
    if (!text || !at) return;
    function follow() {
      var before = text.value.slice(0, text.selectionStart);
      at.value = String(Array.from(before).length);
    }
    text.addEventListener("click", follow);
    text.addEventListener("keyup", follow);
    text.addEventListener("select", follow);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
