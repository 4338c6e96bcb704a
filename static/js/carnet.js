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

  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail || {};
    if (detail.boosted) {
      var summary = document.querySelector(".error-summary");
      var target = summary || document.getElementById("contenu");
      if (target) { target.focus(); }
      announce(document.title);
      return;
    }
    var el = detail.elt || event.target;
    var message = el && el.querySelector ? el.querySelector("[data-announce]") : null;
    announce(message ? message.textContent : (el && el.textContent || "").trim().slice(0, 200));
    startSessionTimer();
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
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { dropzones(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    dropzones(event.detail && event.detail.elt);
  });
}());
