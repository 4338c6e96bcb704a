/* Carnet's only script: announces htmx results, manages focus after swaps, and warns before
   the session expires. Everything works without it. */
(function () {
  "use strict";
  var live = function () { return document.getElementById("annonces"); };

  function announce(text) {
    var region = live();
    if (!region || !text) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  /* Focused and said first after a swapped page (autofocus does it on a full load). */
  var FIRST = ".error-summary, main [data-shown-once]";

  function collapse(text) { return (text || "").replace(/\s+/g, " ").trim(); }

  /* What a screen reader hears once a whole page was swapped in: the error summary (a refused
     form, a lockout), else the error page's message, else the page's title. */
  function pageMessage() {
    var summary = document.querySelector(FIRST);
    if (summary) { return collapse(summary.textContent); }
    var message = document.querySelector("main [data-page-message]");
    var heading = document.querySelector("main h1");
    if (message && heading) {
      return collapse(heading.textContent) + ". " + collapse(message.textContent);
    }
    return document.title;
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail || {};
    /* A boosted navigation, or a whole page the server sent to replace the body (a refusal
       answered to a targeted request: HX-Retarget body). */
    if (detail.boosted || detail.target === document.body) {
      var target = document.querySelector(FIRST) || document.getElementById("contenu");
      if (target) { target.focus(); }
      announce(pageMessage());
      startSessionTimer();
      return;
    }
    var el = detail.elt || event.target;
    var message = el && el.querySelector ? el.querySelector("[data-announce]") : null;
    announce(message ? message.textContent : (el && el.textContent || "").trim().slice(0, 200));
    startSessionTimer();
  });

  /* A refusal (4xx) is swapped in (layout.html's responseHandling), except for a poll (it
     comes back on its own and must not replace the page under the person's eyes) and for a
     form marked data-keep-page (the session box: what the person typed stays on the page). */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    var elt = detail.requestConfig && detail.requestConfig.elt;  /* who asked (elt: the target) */
    if (!detail.xhr || detail.xhr.status < 400 || !elt || !elt.closest) { return; }
    var poll = /\bevery\b/.test(elt.getAttribute("data-hx-trigger") || "");
    var keep = elt.closest("[data-keep-page]");
    if (!poll && !keep) { return; }
    detail.shouldSwap = false;
    var box = keep && keep.closest("[data-expired-text]");
    var text = box && box.querySelector("p");
    if (text) {
      text.textContent = box.getAttribute("data-expired-text");
      announce(text.textContent);
    }
  });

  /* Session expiry warning, two minutes before the idle timeout. */
  var warnTimer = null, endTimer = null;
  function startSessionTimer() {
    var idle = parseInt(document.body.getAttribute("data-session-idle") || "0", 10);
    var box = document.getElementById("session-warning");
    if (!idle || !box) { return; }
    window.clearTimeout(warnTimer); window.clearTimeout(endTimer);
    box.hidden = true;
    var margin = 60; /* the server records activity at most once a minute */
    warnTimer = window.setTimeout(function () {
      box.hidden = false;
      var button = box.querySelector("button");
      if (button) { button.focus(); }
      announce(box.querySelector("p").textContent);
    }, Math.max(0, idle - margin - 120) * 1000);
    endTimer = window.setTimeout(function () {
      /* Never navigate away: whatever the person typed stays on the page. */
      var text = box.getAttribute("data-expired-text");
      if (text) { box.querySelector("p").textContent = text; announce(text); }
    }, (idle + margin) * 1000);
  }
  document.addEventListener("DOMContentLoaded", startSessionTimer);
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.boosted) { startSessionTimer(); }
  });

  /* Documents: a file dropped on the upload zone goes into its file input (which works alone). */
  function dropzones(root) {
    var zones = (root && root.querySelectorAll ? root : document).querySelectorAll("[data-dropzone]");
    Array.prototype.forEach.call(zones, function (zone) {
      var input = zone.querySelector("input[type=file]");
      if (!input || zone.hasAttribute("data-ready") || !window.DataTransfer) { return; }
      zone.setAttribute("data-ready", "");
      var hint = document.createElement("p");
      hint.className = "hint";
      hint.textContent = zone.getAttribute("data-drop-text");
      zone.appendChild(hint);
      zone.addEventListener("dragover", function (event) {
        event.preventDefault();
        zone.classList.add("dropzone--over");
      });
      zone.addEventListener("dragleave", function () { zone.classList.remove("dropzone--over"); });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        zone.classList.remove("dropzone--over");
        var files = event.dataTransfer && event.dataTransfer.files;
        if (!files || !files.length) { return; }
        var chosen = new DataTransfer();
        chosen.items.add(files[0]);
        input.files = chosen.files;
        announce(files[0].name);
        checkSize(input);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { dropzones(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    dropzones(event.detail && event.detail.elt);
  });

  /* A file over the size limit is said at once, in the field's error slot, and not sent: the
     server would refuse it (a JPEG or PNG photo is only reduced, so it is sent with a note). */
  function checkSize(input) {
    var max = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    var cap = parseInt(input.getAttribute("data-max-request-bytes") || "0", 10);
    var field = input.closest(".field") || input.parentNode;
    var id = input.id + "-taille";
    var old = document.getElementById(id);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(
      function (token) { return token && token !== id; });
    if (old) { old.parentNode.removeChild(old); }
    if (field.classList.contains("field--size")) {
      field.classList.remove("field--error", "field--size");
    }
    input.removeAttribute("aria-invalid");
    var file = input.files && input.files[0];
    var ok = !file || !max || file.size <= max;
    var photo = file && /^image\/(jpeg|png)$/.test(file.type) && file.size <= cap;
    if (!ok) {
      var note = document.createElement("p");
      note.id = id;
      note.className = photo ? "hint" : "error-message";
      note.textContent = input.getAttribute(photo ? "data-will-shrink" : "data-too-large");
      input.parentNode.insertBefore(note, input);
      described.push(id);
      if (!photo) {
        if (!field.classList.contains("field--error")) {
          field.classList.add("field--error", "field--size");
        }
        input.setAttribute("aria-invalid", "true");
      }
      announce(note.textContent);
    }
    if (described.length) { input.setAttribute("aria-describedby", described.join(" ")); }
    return ok || photo;
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches("input[type=file][data-max-bytes]")) {
      checkSize(input);
    }
  });
  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll ?
      event.target.querySelectorAll("input[type=file][data-max-bytes]") : [];
    Array.prototype.forEach.call(inputs, function (input) {
      if (!event.defaultPrevented && !checkSize(input)) {
        event.preventDefault();
        input.focus();
      }
    });
  }, true);
}());
