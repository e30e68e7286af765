// One click per business value: the click replaces the objective's row (htmx outerHTML), which would
// drop keyboard focus to the page. Put it back on the same score button in the new row, so a
// Business Owner can correct a score without hunting for it again.
(function () {
  "use strict";
  let last = null;

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    const form = event.detail.elt;
    if (!form.matches || !form.matches("form.bv-scale")) return;
    const submitter = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent
      ? event.detail.requestConfig.triggeringEvent.submitter : null;
    last = { action: form.getAttribute("action"), value: submitter ? submitter.value : null };
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    // Only the score's own answer: another request settling meanwhile (the inbox count) is not it.
    const config = event.detail.requestConfig;
    const from = config && config.elt;
    if (!last || !from || !from.matches || !from.matches("form.bv-scale")) return;
    const form = document.querySelector('form.bv-scale[action="' + last.action + '"]');
    const again = form && (form.querySelector('button[value="' + last.value + '"]:not([disabled])') ||
      form.querySelector('button[aria-pressed="true"]') || form.querySelector("button"));
    if (again) again.focus();
    last = null;
  });
})();
