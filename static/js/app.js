// The one way the browser says why a request was refused (trains/refusals.py is the server side).
//
// A refusal answered with a message alone (403 not allowed, 409 changed meanwhile or conflicting
// with the PI's state, 422 not valid) comes as text/plain with HX-Reswap: none. Its text goes in the
// page's alert area ([data-alert-area]: base.html has one, a layout may have its own) and the page
// stays as it was. Then `artops:refused` fires on the body ({status, message}) for a page that does
// more than show it: the program board closes its dialog and, after a 409, reloads the plan.
// Any other failure (a server error, a lost connection) is said there too, never as a bare status.
(function () {
  "use strict";

  function alertArea() {
    return document.querySelector("[data-alert-area]");
  }

  // Pages with messages of their own (a moved risk, a stale card) say them here too, so there is
  // one place to look. kind "error" is read out at once (role=alert), others politely.
  function say(text, kind) {
    const area = alertArea();
    if (!area || !text) return;
    const p = document.createElement("p");
    p.className = kind === "error" ? "message error" : "message";
    if (kind === "error") p.setAttribute("role", "alert");
    p.textContent = text; // plain text from the server: never parsed as HTML
    area.replaceChildren(p);
  }

  function isRefusal(xhr) {
    return xhr && xhr.status >= 400 && (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0;
  }

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    const xhr = event.detail.xhr;
    if (!isRefusal(xhr)) return;
    event.detail.shouldSwap = false;
    event.detail.isError = false; // handled: no generic error on top
    const message = xhr.responseText.trim();
    say(message, "error");
    document.body.dispatchEvent(
      new CustomEvent("artops:refused", { detail: { status: xhr.status, message: message } })
    );
  });

  // A poll (hx-trigger "every …") that fails says nothing: the next one tries again.
  function isPoll(elt) {
    return !!elt && /\bevery\b/.test(elt.getAttribute("hx-trigger") || "");
  }

  // Not a refusal: the server failed (a programming error stays a 500) or answered nothing usable.
  document.body.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    if (isRefusal(xhr) || isPoll(event.detail.elt)) return;
    say("The server could not do that (error " + xhr.status + "). Reload the page to see what was saved.", "error");
  });

  // A write that went through makes an earlier refusal old news (polls, GETs, leave it alone).
  document.body.addEventListener("htmx:afterRequest", function (event) {
    const config = event.detail.requestConfig;
    const xhr = event.detail.xhr;
    if (!xhr || xhr.status >= 400 || !config || config.verb === "get") return;
    const area = alertArea();
    if (area) area.replaceChildren();
  });

  document.body.addEventListener("htmx:sendError", function (event) {
    if (isPoll(event.detail.elt)) return;
    say("The server could not be reached: nothing was sent. Check the connection and try again.", "error");
  });

  // Behaviour the templates once wrote inline (onclick=, onchange=, hx-on): the Content Security Policy
  // runs no inline script, so it is declared with data attributes and lives here.

  // After a save the keyboard user is put back where they were (data-focus-after="<id>" on the form
  // that saved), unless they have moved on meanwhile; the swap may have replaced the focused element.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    const elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    const id = elt && elt.dataset ? elt.dataset.focusAfter : null;
    if (!id || document.activeElement !== document.body) return;
    const target = document.getElementById(id);
    if (target) target.focus();
  });

  // A filter that applies as soon as it is chosen (a plain GET form, which still works without scripts).
  document.addEventListener("change", function (event) {
    const field = event.target;
    if (field.matches && field.matches("[data-submit-on-change]") && field.form) field.form.submit();
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });

  window.artops = { say: say };
})();
