// LinkStar console: small progressive enhancements. Every action also works without this file.
(function () {
  "use strict";

  // Ask before destructive form posts. HTMX asks itself (hx-confirm) for forms it submits.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (!question || (window.htmx && form.hasAttribute("hx-post"))) return;
    if (!window.confirm(question)) event.preventDefault();
  }, true);

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // Copy buttons (shown only when the clipboard is available).
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.querySelector(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.value || source.textContent || "").then(function () {
          button.textContent = "Copied";
          window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
        });
      });
    });
    // In the scrolling strips of narrow windows, keep the current page's entry in view.
    document.querySelectorAll(".sidenav a.active, .tabs a.active").forEach(function (link) {
      var strip = link.closest("ul").parentElement;
      if (strip.scrollWidth > strip.clientWidth) {
        var box = link.getBoundingClientRect();
        var frame = strip.getBoundingClientRect();
        strip.scrollLeft += box.left - frame.left - (strip.clientWidth - box.width) / 2;
      }
    });
    // "Select all" of a bulk form: ticks or clears the form's checkboxes of that name.
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var form = all.form || all.closest("form");
      if (!form) return;
      var boxes = form.querySelectorAll(
        "input[type=checkbox][name='" + all.getAttribute("data-select-all") + "']");
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
      });
      boxes.forEach(function (box) {
        box.addEventListener("change", function () {
          var ticked = Array.prototype.filter.call(boxes, function (b) { return b.checked; });
          all.checked = ticked.length === boxes.length;
          all.indeterminate = ticked.length > 0 && ticked.length < boxes.length;
        });
      });
    });
    document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  });

  // A request that never reached the server: say so where messages appear.
  document.addEventListener("htmx:sendError", function () {
    var flash = document.getElementById("flash");
    if (!flash) return;
    var note = document.createElement("div");
    note.className = "notice notice-error";
    note.setAttribute("role", "alert");
    note.textContent = "The server could not be reached. Check your connection and try again.";
    flash.replaceChildren(note);
  });
})();
