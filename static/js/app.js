// Small behaviours for every page. No inline scripts: the Content Security Policy forbids them.
(function () {
  "use strict";
  // htmx requests carry the CSRF token from the meta tag.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
  });
  // Buttons with data-confirm ask before submitting.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // Selects with data-autosubmit submit their form on change.
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) { event.target.form.requestSubmit(); }
  });
})();
