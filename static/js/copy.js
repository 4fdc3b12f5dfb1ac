// Copy buttons: <button data-copy-from="ID"> copies the value (or text) of element ID and says
// "Copied" in its [data-copy-status]. Without this script or a clipboard, the text stays
// selectable and the button stays hidden.
"use strict";
(() => {
  const select = (el) => {
    if (typeof el.select === "function") { el.select(); return; }
    const range = document.createRange();
    range.selectNodeContents(el);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  };
  const setup = () => {
    document.querySelectorAll("[data-copy-from]").forEach((button) => {
      const source = document.getElementById(button.dataset.copyFrom);
      if (!source || !navigator.clipboard) return;
      const status = document.querySelector(`[data-copy-status="${button.dataset.copyFrom}"]`);
      button.hidden = false;
      button.addEventListener("click", async () => {
        const text = ("value" in source ? source.value : source.textContent).trim();
        try {
          await navigator.clipboard.writeText(text);
          if (status) status.textContent = "Copied";
        } catch (error) {
          select(source);  // refused (permissions, insecure page): let the person copy it
          if (status) status.textContent = "Selected: copy it with your device's Copy command";
        }
      });
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
