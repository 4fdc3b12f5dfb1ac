// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Pre-fill time-zone fields from the device, unless the user already typed one.
  function detectTimezone() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    document.querySelectorAll("[data-detect-timezone]").forEach(function (input) {
      if (!input.value || input.value === "UTC") {
        input.value = zone;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", detectTimezone);
})();
