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
      // find_* are the facets' type-ahead boxes: they search a list, not the events.
      var typeAhead = key.indexOf("find_") === 0 && event.detail.elt.id === "filters";
      if (empty || typeAhead || (key === "sort" && value === "-date")) { delete params[key]; }
    });
  });
  // One request per change of the filter. Enter in the search box fires "change" and
  // "submit" together, and the typing delay fires after them: each would send the same
  // query again (and push a duplicate history entry). A form request whose query is the
  // one already in flight, or the page's own, is dropped.
  var inFlight = null;
  var lastDone = null;
  function canonical(pairs) {
    return pairs.filter(function (pair) {
      return pair[1] !== "" && !(pair[0] === "sort" && pair[1] === "-date") &&
        pair[0] !== "pages" && pair[0] !== "cursor" && pair[0].indexOf("find_") !== 0;
    }).map(function (pair) {
      return encodeURIComponent(pair[0]) + "=" + encodeURIComponent(pair[1]);
    }).sort().join("&");
  }
  function formQuery(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, key) { pairs.push([key, value]); });
    return canonical(pairs);
  }
  function pageQuery() {
    return canonical(Array.from(new URLSearchParams(location.search).entries()));
  }
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "filters") return;
    var query = formQuery(form);
    if (query === inFlight || query === lastDone || query === pageQuery()) {
      event.preventDefault();
      return;
    }
    inFlight = query;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "filters") {
      // Until its URL is pushed, the page's address does not say what it shows.
      lastDone = event.detail.successful ? inFlight : null;
      inFlight = null;
    } else {
      lastDone = null;
    }
  });
  document.addEventListener("htmx:pushedIntoHistory", function () { lastDone = null; });
  // Back and Forward change the page under the form: its last request says nothing now.
  window.addEventListener("popstate", function () { lastDone = null; });
  document.addEventListener("htmx:historyRestore", function () { lastDone = null; });
  // On a phone the chart scrolls sideways: start at its right end, the latest dates.
  function showLatest(root) {
    (root || document).querySelectorAll(".chart-scroll").forEach(function (box) {
      box.scrollLeft = box.scrollWidth;
    });
  }
  window.addEventListener("DOMContentLoaded", function () { showLatest(); });
  document.addEventListener("htmx:afterSettle", function (event) { showLatest(event.detail.elt); });
})();
