// Log form: show the severe-pain advisory as soon as pain after reaches the threshold.
// The page works without this file (a static note is always shown and the server repeats it).
"use strict";
(() => {
  const init = () => {
    const advisory = document.querySelector("[data-severe-advisory]");
    if (!advisory) return;
    const threshold = parseInt(advisory.dataset.threshold, 10);
    const update = () => {
      const chosen = document.querySelector('input[name="pain_after"]:checked');
      advisory.hidden = !(chosen && parseInt(chosen.value, 10) >= threshold);
    };
    document.querySelectorAll('input[name="pain_after"]').forEach((input) => input.addEventListener("change", update));
    update();
  };
  document.addEventListener("DOMContentLoaded", init);
})();
