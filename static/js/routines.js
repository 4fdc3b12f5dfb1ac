// Routines: copy the private calendar link. Progressive enhancement only.
(function () {
  "use strict";
  function setup() {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-copy-target"));
      if (!input || !navigator.clipboard) return;
      button.classList.remove("hidden-until-js");
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(input.value).then(function () {
          button.textContent = "Copied";
        }, function () {
          input.select();
        });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
