// Keyboard shortcuts for the common path. No framework, nothing from elsewhere.
(function () {
  "use strict";
  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                      target.tagName === "SELECT" || target.isContentEditable);
  }
  function go(id) {
    var link = document.getElementById(id);
    if (link) { window.location.href = link.href; }
  }
  function click(id) {
    var button = document.getElementById(id);
    if (button && !button.disabled) { button.click(); }
  }

  // The queue: j/k move the selection, Enter opens it; a click on a row opens it.
  function queueKeys() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr[data-href]"));
    if (!rows.length) { return; }
    var at = -1;
    function select(n) {
      if (at >= 0) { rows[at].classList.remove("selected"); }
      at = Math.max(0, Math.min(rows.length - 1, n));
      rows[at].classList.add("selected");
      rows[at].scrollIntoView({block: "nearest"});
    }
    rows.forEach(function (row) {
      row.addEventListener("click", function (e) {
        if (e.target.tagName !== "A") { window.location.href = row.dataset.href; }
      });
    });
    document.addEventListener("keydown", function (e) {
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) { return; }
      if (e.key === "j") { select(at + 1); }
      else if (e.key === "k") { select(at - 1); }
      else if (e.key === "Enter" && at >= 0) { window.location.href = rows[at].dataset.href; }
    });
  }

  // The page viewer: zoom, fit to width, scroll to and flash a field's box, and words
  // that a click puts into the field being edited.
  function viewer() {
    var box = document.getElementById("viewer");
    var pages = document.getElementById("pages");
    var label = document.getElementById("zoom-level");
    if (!box || !pages) { return null; }
    var zoom = 1;
    function setZoom(z) {
      zoom = Math.max(0.5, Math.min(4, Math.round(z * 100) / 100));
      pages.style.width = (zoom * 100) + "%";
      if (label) { label.textContent = Math.round(zoom * 100) + " %"; }
    }
    function bind(id, fn) {
      var button = document.getElementById(id);
      if (button) { button.addEventListener("click", fn); }
    }
    bind("zoom-in", function () { setZoom(zoom * 1.25); });
    bind("zoom-out", function () { setZoom(zoom / 1.25); });
    bind("zoom-fit", function () { setZoom(1); });
    function showBox(rect) {
      // Scroll the viewer (not the whole page) so the box sits in its middle, then flash it.
      var outer = box.getBoundingClientRect(), r = rect.getBoundingClientRect();
      box.scrollTop += (r.top - outer.top) - (box.clientHeight - r.height) / 2;
      box.scrollLeft += (r.left - outer.left) - (box.clientWidth - r.width) / 2;
      rect.classList.remove("flash");
      void rect.getBoundingClientRect();  // restart the animation
      rect.classList.add("flash");
    }
    function focusField(name) {
      document.querySelectorAll(".box.focus").forEach(function (b) { b.classList.remove("focus"); });
      var rects = document.querySelectorAll('.box[data-field="' + name + '"]');
      rects.forEach(function (b) { b.classList.add("focus"); });
      if (rects.length) { showBox(rects[0]); }
    }
    return {zoomIn: function () { setZoom(zoom * 1.25); },
            zoomOut: function () { setZoom(zoom / 1.25); },
            fit: function () { setZoom(1); },
            focusField: focusField, box: box};
  }

  function clickableWords(view, target) {
    // Words are fetched once, after the page is shown: reading a scan takes a moment.
    var url = view.box.dataset.words;
    if (!url || !window.fetch) { return; }
    var NS = "http://www.w3.org/2000/svg";
    fetch(url, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.json() : {pages: {}};
    }).then(function (data) {
      Object.keys(data.pages).forEach(function (number) {
        var layer = document.querySelector('.page[data-page="' + number + '"] g.words');
        if (!layer) { return; }
        data.pages[number].forEach(function (w) {
          var rect = document.createElementNS(NS, "rect");
          rect.setAttribute("class", "word");
          rect.setAttribute("x", w.x); rect.setAttribute("y", w.y);
          rect.setAttribute("width", w.width); rect.setAttribute("height", w.height);
          rect.dataset.text = w.text;
          layer.appendChild(rect);
        });
      });
      view.box.classList.add("words-ready");
    }).catch(function () { /* no words: the clerk types */ });
    view.box.addEventListener("mousedown", function (e) {
      if (e.target.classList && e.target.classList.contains("word")) { e.preventDefault(); }
    });
    view.box.addEventListener("click", function (e) {
      var word = e.target;
      var input = target();
      if (!word.classList || !word.classList.contains("word") || !input || input.disabled) { return; }
      var text = word.dataset.text;
      input.value = e.shiftKey && input.value ? input.value + " " + text : text;
      input.dispatchEvent(new Event("input", {bubbles: true}));
      input.focus();
    });
  }

  // The validation view: j/k next/previous item, a approve, r reject, e the next field to
  // check (the ones the bot stopped on first), +/-/0 zoom.
  function itemKeys() {
    var form = document.getElementById("approve-form");
    var view = viewer();
    var lastField = null;
    var toCheck = [];  // where the bot stopped, then invalid values, then unsure fields
    [".fields tr.stopped input", ".fields tr.invalid input", ".fields input.low"].forEach(function (sel) {
      document.querySelectorAll(sel).forEach(function (el) {
        if (toCheck.indexOf(el) < 0) { toCheck.push(el); }
      });
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && typing(e.target)) { e.target.blur(); return; }
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) { return; }
      if (e.key === "j") { go("nav-next"); }
      else if (e.key === "k") { go("nav-prev"); }
      else if (e.key === "a") {
        var approve = document.getElementById("approve");
        if (approve && approve.dataset.main) { click("approve"); }
      }
      else if (e.key === "r") {
        var reason = document.getElementById("reject-reason");
        if (reason && !reason.disabled) { e.preventDefault(); reason.focus(); }
      } else if (e.key === "e") {
        var next = toCheck[(toCheck.indexOf(lastField) + 1) % Math.max(1, toCheck.length)] ||
                   document.querySelector(".fields input:not([type=hidden])");
        if (next && !next.disabled) { e.preventDefault(); next.focus(); next.select(); }
      } else if (document.querySelector('[data-route-key="' + e.key + '"]')) {
        // A mail: one key re-routes it (1-9, 0: the intents in the order shown).
        var target = document.querySelector('[data-route-key="' + e.key + '"]');
        if (!target.disabled) { e.preventDefault(); target.click(); }
      } else if (view && (e.key === "+" || e.key === "=")) { view.zoomIn(); }
      else if (view && e.key === "-") { view.zoomOut(); }
      else if (view && e.key === "0") { view.fit(); }
    });
    if (!form) { return; }
    // Show and flash a field's box on the page while its input has the focus.
    form.addEventListener("focusin", function (e) {
      var row = e.target.closest("tr[data-field]");
      if (!row) { return; }
      lastField = e.target;
      if (view) { view.focusField(row.dataset.field); }
    });
    if (view) {
      clickableWords(view, function () { return lastField; });
      // Open on the box of the first field the bot stopped on, once the pages are laid out.
      var first = document.querySelector(".fields tr.stopped");
      var show = function () { if (first && !lastField) { view.focusField(first.dataset.field); } };
      if (document.readyState === "complete") { show(); }
      else { window.addEventListener("load", show); }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("queue")) { queueKeys(); }
    if (document.body.classList.contains("validation")) { itemKeys(); }
  });
})();
