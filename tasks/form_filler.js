// Runs inside the page for the spreadsheet form filler (tasks/form_filler.py).
// One call does one job on the live DOM, so a row costs one round trip, not one per field.
//   ({mode: "scan"})               -> {fields: [...], answer: {...}}
//   ({mode: "answer"})             -> {answer: {...}}
//   ({mode: "fill", values: [...]}) -> {answer: {...}} after filling and submitting;
//                                     throws "FIELDS_MISSING: ...", "INVALID: ..." or
//                                     "STILL_SUBMITTING" (the last submit has not settled).
//   ({mode: "settled"})            -> true once the last submit has been answered: a new
//                                     document, or (forms that answer in place) the page
//                                     changed, went quiet and the form was reset or the
//                                     answer changed.
(args) => {
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
  const SKIP = new Set(["hidden", "submit", "button", "reset", "image", "file"]);

  function ownText(label) {
    const copy = label.cloneNode(true);
    copy.querySelectorAll("input, select, textarea").forEach((c) => c.remove());
    return copy.textContent;
  }
  function labelOf(el) {
    if (el.labels && el.labels.length) return norm(Array.from(el.labels).map(ownText).join(" "));
    if (el.getAttribute("aria-label")) return norm(el.getAttribute("aria-label"));
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      return norm(by.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || "").join(" "));
    }
    return norm(el.placeholder || el.name || "");
  }
  function groupLabel(radio) {
    const set = radio.closest("fieldset");
    const legend = set && set.querySelector("legend");
    if (legend) return norm(legend.textContent);
    const group = radio.closest("[role=radiogroup]");
    if (group) return labelOf(group);
    return norm(radio.name);
  }
  function mainForm() {
    const forms = Array.from(document.forms);
    forms.sort((a, b) => b.elements.length - a.elements.length);
    return forms[0] || null;
  }
  function scan(form) {
    const fields = new Map();
    if (!form) return fields;
    for (const el of form.querySelectorAll("input, select, textarea")) {
      const type = el.tagName === "INPUT" ? (el.type || "text").toLowerCase() : el.tagName.toLowerCase();
      if (SKIP.has(type) || el.disabled) continue;
      if (type === "radio") {
        const label = groupLabel(el);
        if (!fields.has(label)) fields.set(label, { label, kind: "radio", els: [], options: [] });
        const f = fields.get(label);
        f.els.push(el);
        f.options.push({ value: el.value, text: labelOf(el) });
      } else {
        const label = labelOf(el);
        const options = type === "select"
          ? Array.from(el.options).map((o) => ({ value: o.value, text: norm(o.textContent) }))
          : [];
        if (!fields.has(label)) fields.set(label, { label, kind: type, els: [el], options });
      }
    }
    return fields;
  }
  function answer() {
    const texts = (sel) => Array.from(document.querySelectorAll(sel)).map((e) => norm(e.innerText)).filter(Boolean);
    const bad = texts("[role=alert], .alert-danger, .error-message");
    if (bad.length) return { level: "REJECTED", text: bad.join(" | ") };
    const ok = texts("[role=status], .alert-success, .success-message");
    if (ok.length) return { level: "OK", text: ok.join(" | ") };
    const heading = texts("h1, h2");
    return { level: "UNKNOWN", text: heading[0] || document.title };
  }
  function setValue(el, value) {
    // The native setter, so frameworks that watch the property see the change too.
    const proto = el.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype
      : el.tagName === "SELECT" ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, "value").set.call(el, value);
  }
  function fire(el) {
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function fill(form, fields, values, before) {
    if (window.__ffPending) throw new Error("STILL_SUBMITTING");
    const missing = values.filter((v) => !fields.has(v.label)).map((v) => v.label);
    if (missing.length) throw new Error("FIELDS_MISSING: " + JSON.stringify(missing));
    for (const v of values) {
      const f = fields.get(v.label);
      if (f.kind === "radio") {
        const radio = f.els.find((r) => r.value === v.value);
        if (!radio) throw new Error("FIELDS_MISSING: " + JSON.stringify([v.label + " = " + v.value]));
        radio.checked = true;
        fire(radio);
      } else if (f.kind === "checkbox") {
        f.els[0].checked = Boolean(v.value);
        fire(f.els[0]);
      } else {
        setValue(f.els[0], String(v.value));
        fire(f.els[0]);
      }
    }
    if (!form.checkValidity()) {
      const problems = Array.from(form.elements).filter((e) => e.willValidate && !e.checkValidity())
        .map((e) => (labelOf(e) || e.name) + ": " + e.validationMessage);
      throw new Error("INVALID: " + problems.join(" | "));
    }
    watch(fields, before);
    form.requestSubmit();
  }
  function watch(fields, before) {
    // Remember what the page looked like at submit time, to tell when it has answered.
    const filled = [];
    for (const f of fields.values()) {
      if (f.kind !== "radio" && f.kind !== "checkbox") filled.push([f.els[0], f.els[0].value]);
    }
    const pending = { answer: before.text, filled, mutations: 0, last: 0 };
    pending.observer = new MutationObserver((list) => {
      pending.mutations += list.length;
      pending.last = performance.now();
    });
    pending.observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    window.__ffPending = pending;
  }
  function settled() {
    const p = window.__ffPending;
    if (!p) return document.readyState !== "loading"; // a new document has been parsed
    if (!p.mutations || performance.now() - p.last < 30) return false;
    const reset = p.filled.some(([el, value]) => !el.isConnected || el.value !== value);
    if (!reset && answer().text === p.answer) return false; // e.g. a spinner before navigating
    p.observer.disconnect();
    window.__ffPending = null;
    return true;
  }

  if (args.mode === "settled") return settled();
  const form = mainForm();
  if (args.mode === "answer") return { answer: answer() };
  const fields = scan(form);
  if (args.mode === "scan") {
    return { answer: answer(), fields: Array.from(fields.values()).map((f) => ({ label: f.label, kind: f.kind, options: f.options })) };
  }
  const before = answer();
  fill(form, fields, args.values, before);
  return { answer: before };
}
