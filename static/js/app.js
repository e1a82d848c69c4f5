// Small progressive enhancements; the pages work without this file.
(function () {
  "use strict";
  // The "Apply filters" button is for no-JavaScript use; with htmx, changes apply live.
  document.documentElement.classList.add("js");
  // After following a link to an evidence mark, move keyboard focus there too.
  function focusTarget() {
    if (!location.hash || location.hash.indexOf("#ev-") !== 0) return;
    var mark = document.getElementById(location.hash.slice(1));
    if (mark) { mark.focus({ preventScroll: false }); }
  }
  window.addEventListener("DOMContentLoaded", focusTarget);
  // On a phone the filters fold away so the results come first; the summary opens them.
  window.addEventListener("DOMContentLoaded", function () {
    var more = document.getElementById("more-filters");
    if (more && window.matchMedia("(max-width: 52rem)").matches) { more.open = false; }
  });
  window.addEventListener("hashchange", focusTarget);
  // Keep the pushed URL a tidy permalink: only the filters in use (the server redirects
  // the same way when the form is submitted without JavaScript).
  document.addEventListener("htmx:configRequest", function (event) {
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      var empty = Array.isArray(value) ? value.every(function (v) { return v === ""; }) : value === "";
      if (empty || (key === "sort" && value === "date")) { delete params[key]; }
    });
  });
})();
