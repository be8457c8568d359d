/* Safeplace pages: small progressive enhancements. Every page works without this script. */
(function () {
  "use strict";

  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }

  /* Hold countdowns: counted from the seconds the service gave, not the browser's clock. */
  function countdowns() {
    var timers = Array.prototype.slice.call(document.querySelectorAll("[data-countdown]"));
    if (!timers.length) { return; }
    var started = Date.now();
    timers.forEach(function (timer) {
      timer.dataset.start = timer.dataset.countdown;
    });
    function tick() {
      var passed = Math.floor((Date.now() - started) / 1000);
      timers.forEach(function (timer) {
        var left = Math.max(0, parseInt(timer.dataset.start, 10) - passed);
        timer.textContent = left > 0 ? clock(left) : timer.dataset.ended;
        var said = document.getElementById(timer.dataset.announce || "");
        if (said && [600, 300, 60].indexOf(left) >= 0) {
          said.textContent = timer.dataset.warning.replace("{minutes}", String(left / 60));
        }
        if (left === 0 && !timer.classList.contains("ended")) {
          timer.classList.add("ended");
          if (said) { said.textContent = timer.dataset.ended; }
          if (timer.dataset.reload) { window.setTimeout(function () { window.location.reload(); }, 3000); }
        }
      });
    }
    tick();
    window.setInterval(tick, 1000);
  }

  /* Parts of a page that refresh themselves (the capacity board). */
  function polling() {
    document.querySelectorAll("[data-poll]").forEach(function (region) {
      var every = parseInt(region.dataset.every || "15", 10) * 1000;
      window.setInterval(function () {
        if (region.contains(document.activeElement) && document.activeElement !== document.body) { return; }
        fetch(region.dataset.poll, { credentials: "same-origin", headers: { "Accept": "text/html" } })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) { if (html !== null) { region.innerHTML = html; } })
          .catch(function () { /* the next round tries again */ });
      }, every);
    });
  }

  /* A scenario run's progress, until it is done. */
  function runProgress() {
    var box = document.querySelector("[data-run-status]");
    if (!box) { return; }
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    var timer = window.setInterval(function () {
      fetch(box.dataset.runStatus, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (status) {
          if (status.total) { bar.max = status.total; bar.value = status.done; }
          if (text) { text.textContent = status.done + " / " + (status.total || "?"); }
          if (status.state === "done" || status.state === "failed") {
            window.clearInterval(timer);
            window.location.reload();
          }
        })
        .catch(function () { /* try again on the next tick */ });
    }, 1000);
  }

  /* More danger-zone rows on the referral form, up to the API's limit. */
  function zones() {
    var button = document.querySelector("[data-add-zone]");
    var template = document.getElementById("zone-template");
    var list = document.getElementById("zones");
    if (!button || !template || !list) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = list.querySelectorAll(".zone").length;
      if (index >= parseInt(button.dataset.max, 10)) { button.disabled = true; return; }
      var html = template.innerHTML.replace(/__i__/g, String(index)).replace(/__n__/g, String(index + 1));
      list.insertAdjacentHTML("beforeend", html);
      var added = document.getElementById("zone_" + index + "_place");
      if (added) { added.focus(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    countdowns();
    polling();
    runProgress();
    zones();
  });
}());
