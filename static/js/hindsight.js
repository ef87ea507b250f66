// Hindsight's only script: small keyboard and scrolling conveniences. Everything works without it.
(function () {
  "use strict";

  // Ctrl+Enter (Cmd+Enter on a Mac) in a textarea submits its form: type an entry, send, type the
  // next. In the quick-add box it works from any field (time, kind or text).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var target = event.target;
    var form = target && target.form;
    if (form && (target instanceof HTMLTextAreaElement || form.id === "quick-add")) {
      event.preventDefault();
      form.requestSubmit();
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
    if (event.target && event.target.id === "timeline") {
      showLatest(event.target);
      announceAdded(event.target);
    }
  });

  // A screen reader hears that the entry was added (the list changed out of its sight).
  function announceAdded(timeline) {
    var added = timeline.querySelector(".event.just-added");
    var announcer = document.getElementById("live-announcer");
    if (!added || !announcer) return;
    var when = added.querySelector(".event-when");
    var body = added.querySelector(".event-body");
    announcer.textContent = "";
    window.setTimeout(function () {
      announcer.textContent = "Entry added at " + (when ? when.textContent.trim() : "") + ": " +
        (body ? body.textContent.trim().slice(0, 140) : "");
    }, 50);
  }

  // A session that expired mid-incident: htmx would follow the redirect and paste the sign-in
  // page into the timeline. Go to the sign-in page instead.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/login/") !== -1) {
      event.detail.shouldSwap = false;
      // Come back to this page after signing in, not to the fragment's URL.
      var here = window.location.pathname + window.location.search;
      window.location.href = xhr.responseURL.split("?")[0] + "?next=" + encodeURIComponent(here);
    }
  });

  // Times: shown in the viewer's zone (named), UTC on hover. The footer's toggle shows UTC
  // instead, everywhere and on every page, until it is switched back (remembered in this browser).
  var UTC_KEY = "hindsight.show-utc";
  function wantsUtc() {
    try { return window.localStorage.getItem(UTC_KEY) === "1"; } catch (error) { return false; }
  }
  function utcParts(iso) {
    var text = new Date(iso).toISOString(); // 2026-12-05T16:37:00.000Z
    return { date: text.slice(0, 10), clock: text.slice(11, 16) };
  }
  function showZone(root) {
    var utc = wantsUtc();
    var times = root.querySelectorAll ? root.querySelectorAll("time.when[datetime]") : [];
    for (var i = 0; i < times.length; i++) {
      var time = times[i];
      if (time.dataset.local === undefined) time.dataset.local = time.innerHTML;
      if (!utc) { time.innerHTML = time.dataset.local; continue; }
      var parts = utcParts(time.getAttribute("datetime"));
      var date = time.querySelector(".date"), clock = time.querySelector(".clock");
      if (date && clock) {
        date.textContent = parts.date;
        clock.textContent = parts.clock + " UTC";
      } else {
        time.textContent = (time.dataset.style === "date" ? parts.date : parts.date + " " + parts.clock) + " UTC";
      }
    }
    var toggle = document.getElementById("utc-toggle");
    if (toggle) {
      toggle.hidden = false;
      toggle.setAttribute("aria-pressed", utc ? "true" : "false");
      toggle.textContent = utc ? "Show times in my zone" : "Show times in UTC";
    }
  }
  document.addEventListener("DOMContentLoaded", function () { showZone(document); });
  document.addEventListener("htmx:load", function (event) { showZone(event.target); });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("#utc-toggle")) return;
    try { window.localStorage.setItem(UTC_KEY, wantsUtc() ? "0" : "1"); } catch (error) { return; }
    showZone(document);
  });

  // Keyboard shortcuts (listed in the `?` dialog, base.html). Never while typing in a field.
  var pendingG = 0;
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function follow(shortcut) {
    var link = document.querySelector('a[data-shortcut="' + shortcut + '"]');
    if (link) window.location.href = link.href;
  }
  function focusField(field) {
    field.scrollIntoView({ block: "center" });
    field.focus();
  }
  function openShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open && dialog.showModal) dialog.showModal();
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    var key = event.key;
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      if (key === "i") { event.preventDefault(); follow("g i"); return; }
      if (key === "a") { event.preventDefault(); follow("g a"); return; }
    }
    pendingG = 0;
    if (key === "g") { pendingG = Date.now(); return; }
    if (key === "?") { event.preventDefault(); openShortcuts(); return; }
    if (key === "n") {
      var body = document.querySelector("#quick-add textarea");
      if (body) { event.preventDefault(); focusField(body); }
      return;
    }
    if (key === "/") {
      var search = document.getElementById("timeline-filter-q") || document.getElementById("id_q");
      event.preventDefault();
      if (search) focusField(search);
      else {
        var incidents = document.querySelector('a[data-shortcut="g i"]');
        if (incidents) window.location.href = incidents.href + "#search";
      }
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (window.location.hash === "#search" && document.getElementById("id_q")) {
      document.getElementById("id_q").focus();
    }
    var opener = document.getElementById("shortcuts-open");
    if (opener) opener.hidden = false;
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#shortcuts-open")) openShortcuts();
  });

  // Refusals and server errors are not swapped in; say so rather than fail silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var text = status === 403
      ? "You may not do that (your role or the incident's privacy does not allow it)."
      : "That did not work (HTTP " + status + "). Reload the page and try again.";
    showProblem(text);
  });
  document.addEventListener("htmx:sendError", function () {
    showProblem("Hindsight could not be reached. Check the connection and try again.");
  });

  function showProblem(text) {
    var main = document.getElementById("main");
    if (!main) return;
    var box = document.getElementById("htmx-problem");
    if (!box) {
      box = document.createElement("p");
      box.id = "htmx-problem";
      box.className = "message error";
      box.setAttribute("role", "alert");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  }
})();
