// Ticks the server clock shown in the header. The page carries the database time at render;
// we keep the offset to the browser's clock so the display follows the server, not the
// browser, and re-synchronise every five minutes.
(function () {
  "use strict";
  var el = document.getElementById("server-clock");
  if (!el) { return; }
  var offset = Number(el.dataset.epochMs) - Date.now();
  var fmt = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false
  });
  function pad(parts, type) {
    for (var i = 0; i < parts.length; i++) { if (parts[i].type === type) { return parts[i].value; } }
    return "";
  }
  function resync() {
    fetch("/api/v1/time", { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) { offset = body.epoch_ms - Date.now(); } })
      .catch(function () { /* keep the last offset */ });
  }
  // Countdowns (e.g. the opening hall's): any element with data-deadline-ms counts down to it
  // by the same server offset; data-day is the word after the days, data-over the text at 0.
  var countdowns = document.querySelectorAll("[data-deadline-ms]");
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    for (var i = 0; i < countdowns.length; i++) {
      var c = countdowns[i];
      var left = Math.floor((Number(c.dataset.deadlineMs) - (Date.now() + offset)) / 1000);
      if (left <= 0) { c.textContent = c.dataset.over || "0"; continue; }
      var days = Math.floor(left / 86400);
      var rest = left % 86400;
      c.textContent = (days ? days + (c.dataset.day || "d ") : "") + two(Math.floor(rest / 3600)) +
        ":" + two(Math.floor(rest % 3600 / 60)) + ":" + two(rest % 60);
    }
  }
  function render() {
    var parts = fmt.formatToParts(new Date(Date.now() + offset));
    el.textContent = pad(parts, "year") + "-" + pad(parts, "month") + "-" + pad(parts, "day") +
      " " + pad(parts, "hour") + ":" + pad(parts, "minute") + ":" + pad(parts, "second");
    tick();
  }
  render();
  setInterval(render, 1000);
  setInterval(resync, 300000);
}());
