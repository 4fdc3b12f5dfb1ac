// Print buttons ([data-print]) for the therapist summary, and Copy buttons ([data-copy] naming
// the id of the field to copy) for its share link; both pages work without this script.
"use strict";
(() => {
  document.addEventListener("click", async (event) => {
    if (event.target.closest("[data-print]")) window.print();
    const copy = event.target.closest("[data-copy]");
    if (!copy) return;
    const field = document.getElementById(copy.dataset.copy);
    const status = document.querySelector("[data-copied]");
    try {
      await navigator.clipboard.writeText(field.value);
      if (status) status.textContent = "Copied.";
    } catch {
      // No clipboard access (an http page, or refused): select it for a manual copy.
      field.select();
      if (status) status.textContent = "Press Ctrl+C (or long-press) to copy the selected link.";
    }
  });
  document.querySelectorAll("[data-print], [data-copy]").forEach((button) => { button.hidden = false; });
})();
