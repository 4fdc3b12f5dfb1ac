// Routines: copy the private calendar link. Progressive enhancement only.
"use strict";
(() => {
  const setup = () => {
    document.querySelectorAll("[data-copy-target]").forEach((button) => {
      const input = document.getElementById(button.dataset.copyTarget);
      if (!input || !navigator.clipboard) return;
      button.classList.remove("hidden-until-js");
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(input.value);
          button.textContent = "Copied";
        } catch (error) {
          input.select();
        }
      });
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
