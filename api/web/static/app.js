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

  /* Hold countdowns: counted from the seconds the service gave, not the browser's clock. Each
     timer counts from when it appeared, so that those a refresh brings in count too. */
  var ticking = false;

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (timer) {
      var passed = Math.floor((now - parseInt(timer.dataset.since, 10)) / 1000);
      var left = Math.max(0, parseInt(timer.dataset.countdown, 10) - passed);
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

  function countdowns() {
    var timers = document.querySelectorAll("[data-countdown]:not([data-since])");
    if (!timers.length) { return; }
    var now = String(Date.now());
    timers.forEach(function (timer) { timer.dataset.since = now; });
    tick();
    if (!ticking) {
      ticking = true;
      window.setInterval(tick, 1000);
    }
  }

  /* Whether someone is using this part of a page: it has the focus, a field in it differs from
     what the page brought, or it is marked data-keep (the entries of a save that was refused). */
  function inUse(part) {
    var focused = document.activeElement;
    if (part.hasAttribute("data-keep") || part.querySelector("[data-keep]")) { return true; }
    if (focused && focused !== document.body && part.contains(focused)) { return true; }
    return Array.prototype.some.call(part.querySelectorAll("input, textarea, select"), function (field) {
      if (field.type === "checkbox" || field.type === "radio") { return field.checked !== field.defaultChecked; }
      if (field.tagName === "SELECT") {
        return Array.prototype.some.call(field.options, function (option) { return option.selected !== option.defaultSelected; });
      }
      return field.value !== field.defaultValue;
    });
  }

  /* The fetched fragment into the region: where the region is made of parts (data-part), each
     part nobody is using on its own, else the whole region unless someone is using it. True
     when all of it was swapped in. */
  function swap(region, html) {
    var parts = region.querySelectorAll("[data-part]");
    var whole = true;
    if (!parts.length) {
      if (inUse(region)) { whole = false; } else { region.innerHTML = html; }
    } else {
      var fresh = document.createElement("template");
      fresh.innerHTML = html;
      parts.forEach(function (part) {
        var next = fresh.content.querySelector('[data-part="' + part.dataset.part + '"]');
        if (!next) { return; }
        if (inUse(part)) { whole = false; } else { part.replaceWith(next); }
      });
    }
    countdowns();
    return whole;
  }

  /* Parts of a page that refresh themselves (the capacity board, the waiting list, the shelter's
     page). A region's data-tag names what it shows; sent back, the server answers 304 while
     nothing changed, without reading (or auditing) it again. A part left alone because someone
     is using it keeps the old tag, so it is fetched again next time. A fragment answered with a
     redirect (to the login page: the session ended) is not swapped in; the page is reloaded
     instead, to the login page, once nobody is using any of it. */
  function polling() {
    document.querySelectorAll("[data-poll]").forEach(function (region) {
      var every = parseInt(region.dataset.every || "15", 10) * 1000;
      window.setInterval(function () {
        var headers = { "Accept": "text/html" };
        if (region.dataset.tag) { headers["If-None-Match"] = region.dataset.tag; }
        var tag = null;
        fetch(region.dataset.poll, { credentials: "same-origin", headers: headers, cache: "no-store" })
          .then(function (response) {
            if (response.redirected) {
              if (!inUse(region)) { window.location.reload(); }
              return null;
            }
            tag = response.headers.get("ETag");
            return response.ok ? response.text() : null;
          })
          .then(function (html) {
            if (html !== null && swap(region, html) && tag) { region.dataset.tag = tag; }
          })
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
