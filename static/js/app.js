// A refused htmx request (403 not allowed, 409 changed by someone else, 422 not valid) that escaped
// its view is answered with its message as text/plain (artops/middleware.py). Show that message in
// the page's alert area, whichever the page has, and leave the rest of the page as it was.
// Pages without an alert area (the program board) show it their own way (board.js).
(function () {
  "use strict";

  const ALERT_AREAS = "[data-alert-area], #risks-alert, #planning-alert";

  function showRefusal(area, text) {
    const p = document.createElement("p");
    p.className = "message error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    area.replaceChildren(p);
  }

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    const xhr = event.detail.xhr;
    if (!xhr || xhr.status < 400) return;
    if ((xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") !== 0) return;
    const area = document.querySelector(ALERT_AREAS);
    if (!area) return;
    event.detail.shouldSwap = false;
    event.detail.isError = false; // handled: no generic error handling on top
    showRefusal(area, xhr.responseText.trim() || "The server refused that (" + xhr.status + ").");
  });
})();
