// Progressive enhancement only: every page works without this file.
"use strict";
(() => {
  // Pre-fill time-zone fields from the device, unless the user already typed one.
  const detectTimezone = () => {
    let zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { return; }
    if (!zone) return;
    document.querySelectorAll("[data-detect-timezone]").forEach((input) => {
      if (!input.value || input.value === "UTC") input.value = zone;
    });
  };
  document.addEventListener("DOMContentLoaded", detectTimezone);
})();
