// Behaviour shared by every page, kept out of the templates so the Content-Security-Policy
// can refuse inline script.
"use strict";

// "Go back" links on error pages.
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("[data-back]") : null;
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
