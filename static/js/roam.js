// ROAM board: native HTML5 drag and drop onto a column submits the card's own "Move to…" form
// (the keyboard and no-JavaScript way to move it), so both paths go through the same server
// request and the same rules. After a move, focus follows the card and the move is announced.
(function () {
  "use strict";

  const board = document.querySelector("[data-roam-board]");
  if (!board) return;
  let dragged = null;

  function columnOf(element) {
    return element && element.closest ? element.closest("[data-drop-status]") : null;
  }

  board.addEventListener("dragstart", function (event) {
    const card = event.target.closest && event.target.closest(".risk-card[draggable='true']");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    board.querySelectorAll(".drop-target").forEach(function (col) { col.classList.remove("drop-target"); });
  });

  board.addEventListener("dragover", function (event) {
    const column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault(); // allow the drop
    event.dataTransfer.dropEffect = "move";
    board.querySelectorAll(".drop-target").forEach(function (col) {
      if (col !== column) col.classList.remove("drop-target");
    });
    column.classList.add("drop-target");
  });

  board.addEventListener("dragleave", function (event) {
    const column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });

  board.addEventListener("drop", function (event) {
    const column = columnOf(event.target);
    const cardId = event.dataTransfer.getData("text/plain");
    const card = (dragged && dragged.id === cardId) ? dragged : document.getElementById(cardId);
    if (!column || !card) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    const status = column.getAttribute("data-drop-status");
    if (card.getAttribute("data-status") === status) return;
    const form = document.getElementById(card.getAttribute("data-move-form"));
    if (!form) return;
    form.querySelector("select[name='status']").value = status;
    form.requestSubmit(); // htmx posts it; without htmx the browser would
  });

  // A refused move comes back as the card with its menu open: put the keyboard on what to fix.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    const xhr = event.detail && event.detail.xhr;
    if (!xhr || xhr.status !== 422) return;
    const invalid = board.querySelector(".risk-card details[open] [aria-invalid='true']");
    if (invalid) invalid.focus();
  });

  // Sent by the server after a move (HX-Trigger-After-Settle).
  document.body.addEventListener("roam:moved", function (event) {
    const detail = event.detail || {};
    const card = document.getElementById(detail.card);
    if (card) card.focus();
    window.artops.say(detail.message); // the page's alert area, as for every refusal (app.js)
  });
})();
