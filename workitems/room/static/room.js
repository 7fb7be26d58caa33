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

  // The validation view: j/k next/previous item, a approve, r reject, e first low field.
  function itemKeys() {
    var form = document.getElementById("approve-form");
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && typing(e.target)) { e.target.blur(); return; }
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) { return; }
      if (e.key === "j") { go("nav-next"); }
      else if (e.key === "k") { go("nav-prev"); }
      else if (e.key === "a") { click("approve"); }
      else if (e.key === "r") {
        var reason = document.getElementById("reject-reason");
        if (reason && !reason.disabled) { e.preventDefault(); reason.focus(); }
      } else if (e.key === "e") {
        var field = document.querySelector(".fields tr.invalid input, .fields input.low") ||
                    document.querySelector(".fields input:not([type=hidden])");
        if (field && !field.disabled) { e.preventDefault(); field.focus(); field.select(); }
      }
    });
    if (!form) { return; }
    // Highlight a field's box on the page while its input has the focus.
    form.addEventListener("focusin", function (e) {
      var row = e.target.closest("tr[data-field]");
      document.querySelectorAll(".box.focus").forEach(function (b) { b.classList.remove("focus"); });
      if (!row) { return; }
      document.querySelectorAll('.box[data-field="' + row.dataset.field + '"]').forEach(function (b) {
        b.classList.add("focus");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("queue")) { queueKeys(); }
    if (document.body.classList.contains("validation")) { itemKeys(); }
  });
})();
