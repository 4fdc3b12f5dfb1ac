// Log form: show the severe-pain advisory as soon as pain after reaches the threshold.
// The page works without this file (a static note is always shown and the server repeats it).
(function () {
  "use strict";
  function init() {
    var advisory = document.querySelector("[data-severe-advisory]");
    if (!advisory) return;
    var threshold = parseInt(advisory.getAttribute("data-threshold"), 10);
    function update() {
      var chosen = document.querySelector('input[name="pain_after"]:checked');
      advisory.hidden = !(chosen && parseInt(chosen.value, 10) >= threshold);
    }
    document.querySelectorAll('input[name="pain_after"]').forEach(function (input) {
      input.addEventListener("change", update);
    });
    update();
  }
  document.addEventListener("DOMContentLoaded", init);
})();
