// Print buttons ([data-print]) for the therapist summary; the page works without this script.
"use strict";
(() => {
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });
  document.querySelectorAll("[data-print]").forEach((button) => { button.hidden = false; });
})();
