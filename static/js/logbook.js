// Log form: the severe-pain advisory as soon as pain after reaches the threshold, and
// defaults that follow the chosen routine or kind. The page works without this file: a
// static note is always shown, and the server replaces stale defaults itself
// (forms.follow_choice, driven by the hidden defaults_from field).
"use strict";
(() => {
  const KIND_DEFAULTS = {
    self: { style: "", therapist: "", duration_minutes: "20" },
    professional: { tools: [], duration_minutes: "60" },
  };
  const LABELS = { self: "Self-massage", professional: "Professional" };

  const severe = () => {
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

  const follow = (form) => {
    const select = form.querySelector("[data-routine-select]");
    const summary = form.querySelector("[data-log-summary]");
    const field = (name) => form.elements[name];
    const get = (name) => {
      const el = field(name);
      if (!el) return undefined;
      if (name === "tools" || name === "focus_areas") {
        return Array.from(form.querySelectorAll(`input[name="${name}"]:checked`)).map((i) => i.value).sort();
      }
      if (el instanceof RadioNodeList || (el.length && el[0] && el[0].type === "radio")) {
        const on = form.querySelector(`input[name="${name}"]:checked`);
        return on ? on.value : "";
      }
      return el.value;
    };
    const set = (name, value) => {
      if (name === "tools" || name === "focus_areas") {
        form.querySelectorAll(`input[name="${name}"]`).forEach((i) => { i.checked = value.includes(i.value); });
      } else if (name === "kind") {
        form.querySelectorAll('input[name="kind"]').forEach((i) => { i.checked = i.value === value; });
      } else if (field(name)) {
        field(name).value = value;
      }
    };
    const same = (a, b) => JSON.stringify(Array.isArray(b) ? [...(a || [])].sort() : String(a ?? "")) ===
      JSON.stringify(Array.isArray(b) ? [...b].sort() : String(b ?? ""));
    const fromOption = (option) => {
      if (!option || !option.value) return null;
      const words = (s) => (s ? s.split(" ").filter(Boolean) : []);
      return {
        kind: option.dataset.kind, duration_minutes: option.dataset.duration, style: option.dataset.style,
        therapist: option.dataset.therapist, tools: words(option.dataset.tools), focus_areas: words(option.dataset.focus),
      };
    };
    // Replace only what still equals the previous choice's defaults; typed values stay.
    const replace = (previous, fresh) => {
      Object.entries(fresh).forEach(([name, value]) => {
        if (value !== undefined && same(get(name), previous[name])) set(name, value);
      });
    };
    const current = () => ({ kind: get("kind"), duration_minutes: get("duration_minutes"), style: get("style"),
      therapist: get("therapist"), tools: get("tools"), focus_areas: get("focus_areas") });
    let defaults = select ? (fromOption(select.selectedOptions[0]) || current()) : current();
    const describe = () => {
      if (!summary) return;
      const kind = get("kind");
      let text = LABELS[kind] || kind;
      if (kind !== "self" && get("therapist")) text += ` with ${get("therapist")}`;
      const parts = [text];
      const style = field("style");
      if (kind !== "self" && style && style.value) parts.push(style.selectedOptions[0].textContent);
      if (get("duration_minutes")) parts.push(`${get("duration_minutes")} min`);
      const routine = select ? select.selectedOptions[0] : null;
      parts.push(routine && routine.value ? `for ${routine.textContent.replace(/ \(.*\)$/, "")}` : (select ? "no routine" : ""));
      const when = field("occurred_at_local");
      summary.textContent = `${parts.filter(Boolean).join(" · ")}${when && when.value ? ` · ${when.value.replace("T", " ")}` : ""}`;
    };
    if (select) {
      select.addEventListener("change", () => {
        const fresh = fromOption(select.selectedOptions[0]);
        if (fresh) { replace(defaults, fresh); defaults = { ...defaults, ...fresh }; }
        form.elements.defaults_from.value = select.value;
        describe();
      });
    }
    form.querySelectorAll('input[name="kind"]').forEach((input) => input.addEventListener("change", () => {
      const kind = get("kind");
      if (select && select.value) {
        const option = select.selectedOptions[0];
        if (option.dataset.kind !== kind) {
          // The old kind's routine no longer fits: pick the first routine of this kind, if any.
          const match = Array.from(select.options).find((o) => o.value && o.dataset.kind === kind);
          select.value = match ? match.value : "";
          const fresh = fromOption(select.selectedOptions[0]);
          if (fresh) { delete fresh.kind; replace(defaults, fresh); defaults = { ...defaults, ...fresh }; }
          form.elements.defaults_from.value = select.value;
        }
      }
      if (KIND_DEFAULTS[kind] && defaults.kind !== kind) { replace(defaults, KIND_DEFAULTS[kind]); defaults = { ...defaults, ...KIND_DEFAULTS[kind], kind }; }
      describe();
    }));
    form.addEventListener("change", describe);
    form.addEventListener("input", describe);
  };

  document.addEventListener("DOMContentLoaded", () => {
    severe();
    const form = document.querySelector("form.log-form");
    if (form && form.elements.defaults_from) follow(form);
  });
})();
