// Keyboard shortcuts for the review queue. Every action is also a button or a link; this
// file only adds keys (j/k move, p publish, r reject, m merge, e edit, s skip, x select).
(function () {
  "use strict";
  var INTENTS = { p: "publish", r: "reject", m: "merge" };

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll(".proposal:not(.done)"));
  }
  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest(".proposal:not(.done)") : null;
  }
  function focusCard(card) {
    if (!card) return;
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    var list = cards();
    if (!list.length) return;
    var index = list.indexOf(current());
    focusCard(list[Math.max(0, Math.min(list.length - 1, index + step))] || list[0]);
  }
  function button(card, action) {
    return card.querySelector('button[name="action"][value="' + action + '"]');
  }
  // The reason comes first: the key focuses it, remembering what Enter should then do.
  function act(card, action) {
    var target = button(card, action);
    var reason = card.querySelector("input.reason");
    if (!target || !reason) return;
    if (action === "merge") {
      card.dataset.intent = action;
      (card.querySelector("select[name=into]") || card.querySelector("input[name=into_other]")).focus();
      return;
    }
    if (reason.value.trim()) { target.click(); return; }
    card.dataset.intent = action;
    reason.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var field = event.target.closest && event.target.closest("input, select, textarea");
    if (field) {
      var card = field.closest(".proposal");
      if (event.key === "Enter" && card && card.dataset.intent && field.form && field.form.classList.contains("actions")) {
        var intent = button(card, card.dataset.intent);
        if (intent) { event.preventDefault(); intent.click(); }
      } else if (event.key === "Escape" && card) {
        delete card.dataset.intent;
        focusCard(card);
      }
      return;
    }
    var card = current();
    if (event.key === "j") { move(1); }
    else if (event.key === "k") { move(-1); }
    else if (!card) { if ("prsexm".indexOf(event.key) >= 0) { focusCard(cards()[0]); event.preventDefault(); } return; }
    else if (INTENTS[event.key]) { act(card, INTENTS[event.key]); }
    else if (event.key === "e") { card.querySelector('[data-key="e"]').click(); }
    else if (event.key === "s") { card.classList.add("skipped"); move(1); }
    else if (event.key === "x") {
      var box = card.querySelector("input.select");
      if (box) { box.checked = !box.checked; }
    } else { return; }
    event.preventDefault();
  });

  // Skip, with JavaScript, moves to the next card instead of reloading the queue.
  document.addEventListener("click", function (event) {
    var skip = event.target.closest && event.target.closest("a.skip");
    if (!skip) return;
    var card = skip.closest(".proposal");
    var list = cards();
    var next = list[list.indexOf(card) + 1];
    if (!next) return;
    event.preventDefault();
    card.classList.add("skipped");
    focusCard(next);
  });

  // After an action swaps a card for its outcome, keep the keyboard in the queue. The old
  // card is detached by then, so note which card is being swapped and act on htmx:load,
  // which the new content fires once it is in the page.
  var swapping = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    swapping = target && target.classList && target.classList.contains("proposal") ? target.id : null;
  });
  document.addEventListener("htmx:load", function (event) {
    var card = event.target;
    if (!swapping || !card || card.id !== swapping) return;
    swapping = null;
    if (card.classList.contains("done")) {
      var later = cards().filter(function (c) {
        return card.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING;
      });
      focusCard(later[0] || cards()[0] || card);
    } else {
      var first = card.querySelector("input:not([type=hidden]):not([type=checkbox]), select, textarea");
      if (first) { first.focus(); } else { focusCard(card); }
    }
  });
})();
