// The header's search box (templates/base.html, artops/search.py): htmx fills the panel under the box
// as the user types; this file makes it keyboard friendly. Arrow Down from the box enters the results,
// Arrow Up/Down move between them (Up from the first returns to the box), Home/End jump, Escape
// closes the panel and returns to the box, Tab moves on as everywhere. "/" anywhere but in a field
// goes to the box. Enter in the box submits the form: the full results page.
(function () {
  "use strict";

  const form = document.querySelector("[data-header-search]");
  if (!form) return;
  const input = form.querySelector("input[type=search]");
  const panel = document.getElementById("header-search-results");

  function links() {
    return Array.from(panel.querySelectorAll("a[href]"));
  }

  function hasResults() {
    return panel.children.length > 0;
  }

  function open() {
    panel.hidden = !hasResults();
  }

  let keepClosed = false; // the box gets focus back on Escape: that focus must not reopen the panel

  function close(backToBox) {
    panel.hidden = true;
    if (!backToBox) return;
    keepClosed = true;
    input.focus();
    keepClosed = false;
  }

  // htmx swapped new results in (or nothing, for an emptied box).
  panel.addEventListener("htmx:afterSwap", function () {
    if (document.activeElement === input || form.contains(document.activeElement)) open();
  });

  input.addEventListener("focus", function () {
    if (!keepClosed) open();
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && hasResults()) {
      const first = links()[0];
      if (!first) return;
      event.preventDefault();
      panel.hidden = false;
      first.focus();
    } else if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault(); // the browser would also clear the box: keep what was typed
      close(false);
    }
  });

  panel.addEventListener("keydown", function (event) {
    const all = links();
    const at = all.indexOf(document.activeElement);
    let next = null;
    if (event.key === "ArrowDown") next = all[Math.min(at + 1, all.length - 1)];
    else if (event.key === "ArrowUp") next = at <= 0 ? input : all[at - 1];
    else if (event.key === "Home") next = all[0];
    else if (event.key === "End") next = all[all.length - 1];
    else if (event.key === "Escape") {
      event.preventDefault();
      close(true);
      return;
    }
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });

  // Focus left the box and its results (Tab past the last one, a click elsewhere): close.
  form.addEventListener("focusout", function (event) {
    if (!form.contains(event.relatedTarget)) close(false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true'], dialog[open]")) return;
    event.preventDefault();
    input.focus();
    input.select();
  });
})();
