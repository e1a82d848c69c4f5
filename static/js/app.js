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
})();
