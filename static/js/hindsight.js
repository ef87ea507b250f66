// Hindsight's only script: small keyboard and scrolling conveniences. Everything works without it.
(function () {
  "use strict";

  // Ctrl+Enter (Cmd+Enter on a Mac) in a textarea submits its form: type an entry, send, type the next.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var target = event.target;
    if (target instanceof HTMLTextAreaElement && target.form) {
      event.preventDefault();
      target.form.requestSubmit();
    }
  });

  // Keep the newest timeline entries in view: the list is oldest first and scrolls inside its card.
  function showLatest(root) {
    var lists = root.querySelectorAll ? root.querySelectorAll(".timeline-scroll") : [];
    for (var i = 0; i < lists.length; i++) lists[i].scrollTop = lists[i].scrollHeight;
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.location.hash || window.location.hash === "#timeline") showLatest(document);
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.id === "timeline") showLatest(event.target);
  });
})();
