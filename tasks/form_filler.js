// Runs inside the page for the spreadsheet form filler (tasks/form_filler.py).
// One call does one job on the live DOM, so a row costs one round trip, not one per field.
//   ({mode: "scan"})               -> {fields: [...], unlabelled: n, answer: {...}}
//   ({mode: "answer"})             -> {answer: {...}}
//   ({mode: "lines"})              -> {lines: [...]}: the page's visible text, line by line
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

  // Labels as a person sees them, strongest link first: a <label> tied to the field, the
  // element named by aria-labelledby, the visible text right before it (or above it) in
  // reading order, the table header of its cell, aria-label, placeholder, title. Never
  // the element's id or name: those are often random, and a person never sees them.
  const CONTROLS = "input:not([type=hidden]), select, textarea, button";
  const MAX_LABEL = 80; // characters; longer text is a paragraph, not a label
  function ownText(label) {
    const copy = label.cloneNode(true);
    copy.querySelectorAll("input, select, textarea").forEach((c) => c.remove());
    return copy.textContent;
  }
  function shown(el) {
    return Boolean(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }
  function hasWords(text) { return /[\p{L}\p{N}]/u.test(text); }
  function rectOf(node) {
    if (node.nodeType === Node.ELEMENT_NODE) return node.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(node);
    return range.getBoundingClientRect();
  }
  function near(text, el, after) {
    // Right before on the same line, or above within a few lines (after: right after).
    const a = rectOf(text), b = el.getBoundingClientRect();
    if (!a.width && !a.height) return true; // not laid out (e.g. a closed <details>): trust order
    const sameLine = a.top < b.bottom && a.bottom > b.top;
    if (after) return sameLine && a.left >= b.right - 2 && a.left - b.right < 300;
    if (sameLine) return a.right <= b.left + 2 && b.left - a.right < 400;
    return a.bottom <= b.top + 2 && b.top - a.bottom < 80 && a.left < b.right && a.right > b.left - 200;
  }
  function textBlock(node, el) {
    // The whole label a text node belongs to ("First <b>name</b>"), not the word alone;
    // the text node itself when its element holds the field too ("<p>Name <input></p>").
    let block = node.parentElement;
    if (block.contains(el)) return node;
    while (block.parentElement && !block.parentElement.contains(el)
           && !block.parentElement.querySelector(CONTROLS)
           && norm(block.parentElement.textContent).length <= MAX_LABEL) {
      block = block.parentElement;
    }
    return block;
  }
  function textBeside(el, root, after) {
    // The nearest visible text before (or after) el in document order, unless another
    // control stands between them or the text is another field's <label>.
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    walker.currentNode = el;
    for (let steps = 0; steps < 300; steps++) {
      const node = after ? walker.nextNode() : walker.previousNode();
      if (!node) return "";
      if (node.nodeType === Node.ELEMENT_NODE) {
        if (node !== el && !node.contains(el) && !el.contains(node) && node.matches(CONTROLS) && shown(node)) return "";
        continue;
      }
      if (!hasWords(node.nodeValue)) continue;
      const parent = node.parentElement;
      if (!parent || parent.closest("script, style, template, option, button, [aria-hidden=true]") || !shown(parent)) continue;
      const owner = parent.closest("label");
      if (owner && owner.control && owner.control !== el) return "";
      const block = textBlock(node, el);
      const text = norm(block.textContent);
      return text.length <= MAX_LABEL && near(block, el, after) ? text : "";
    }
    return "";
  }
  function tableHeader(cell) {
    // A row header (<th> before the cell in its row), else the column's header.
    const row = cell.parentElement;
    for (let c = cell.previousElementSibling; c; c = c.previousElementSibling) {
      if (c.tagName === "TH" && hasWords(c.textContent)) return norm(c.textContent);
    }
    const table = cell.closest("table");
    let column = 0;
    for (let c = row.firstElementChild; c && c !== cell; c = c.nextElementSibling) column += c.colSpan || 1;
    for (const r of table.rows) {
      if (r === row) break;
      let at = 0;
      for (const c of r.cells) {
        if (c.tagName === "TH" && at <= column && column < at + (c.colSpan || 1) && hasWords(c.textContent)) {
          return norm(c.textContent);
        }
        at += c.colSpan || 1;
      }
    }
    return "";
  }
  function labelOf(el, root) {
    if (el.labels && el.labels.length) {
      const text = norm(Array.from(el.labels).map(ownText).join(" "));
      if (text) return text;
    }
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const text = norm(by.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || "").join(" "));
      if (text) return text;
    }
    const toggle = el.type === "checkbox" || el.type === "radio";
    const cell = el.closest("td, th");
    const scope = cell || root || document.body;
    const visible = (toggle && textBeside(el, scope, true)) || textBeside(el, scope, false)
      || (cell && tableHeader(cell));
    return norm(visible || el.getAttribute("aria-label") || el.placeholder || el.title || "");
  }
  function groupLabel(radio, root) {
    const set = radio.closest("fieldset");
    const legend = set && set.querySelector("legend");
    if (legend) return norm(legend.textContent);
    const group = radio.closest("[role=radiogroup]");
    if (group) return labelOf(group, root);
    const first = (root || document).querySelector(`input[type=radio][name="${CSS.escape(radio.name)}"]`) || radio;
    return textBeside(first, first.closest("td, th") || root || document.body, false);
  }
  function mainForm() {
    const forms = Array.from(document.forms);
    forms.sort((a, b) => b.elements.length - a.elements.length);
    return forms[0] || null;
  }
  function scan(form) {
    const fields = new Map();
    // Fields with no visible label are never filled; they are counted for the messages.
    let unlabelled = 0;
    const groups = new Set(); // radio groups without a label, by name
    fields.unlabelled = 0;
    if (!form) return fields;
    for (const el of form.querySelectorAll("input, select, textarea")) {
      const type = el.tagName === "INPUT" ? (el.type || "text").toLowerCase() : el.tagName.toLowerCase();
      if (SKIP.has(type) || el.matches(":disabled")) continue; // its own or its fieldset's
      if (type === "radio") {
        const label = groupLabel(el, form);
        if (!label) { groups.add(el.name); continue; }
        if (!fields.has(label)) fields.set(label, { label, kind: "radio", els: [], options: [] });
        const f = fields.get(label);
        f.els.push(el);
        f.options.push({ value: el.value, text: labelOf(el, form) });
      } else {
        const label = labelOf(el, form);
        if (!label) { unlabelled += 1; continue; }
        const options = type === "select"
          ? Array.from(el.options).map((o) => ({ value: o.value, text: norm(o.textContent) }))
          : [];
        if (!fields.has(label)) fields.set(label, { label, kind: type, els: [el], options });
      }
    }
    fields.unlabelled = unlabelled + groups.size;
    return fields;
  }
  function answer() {
    const texts = (sel) => Array.from(document.querySelectorAll(sel)).map((e) => norm(e.innerText)).filter(Boolean);
    const bad = texts("[role=alert], .alert-danger, .error-message");
    if (bad.length) return { level: "REJECTED", text: bad.join(" | ") };
    const ok = texts("[role=status], .alert-success, .success-message");
    if (ok.length) return { level: "OK", text: ok.join(" | ") };
    const heading = texts("h1, h2");
    return { level: "UNKNOWN", text: heading[0] || document.title, silent: true };
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
        .map((e) => (labelOf(e, form) || "a field without a label") + ": " + e.validationMessage);
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
  if (args.mode === "lines") {
    return { lines: (document.body ? document.body.innerText : "").split("\n").map(norm).filter(Boolean) };
  }
  const form = mainForm();
  if (args.mode === "answer") return { answer: answer() };
  const fields = scan(form);
  if (args.mode === "scan") {
    return { answer: answer(), unlabelled: fields.unlabelled, fields: Array.from(fields.values()).map((f) => ({ label: f.label, kind: f.kind, options: f.options })) };
  }
  const before = answer();
  fill(form, fields, args.values, before);
  return { answer: before };
}
