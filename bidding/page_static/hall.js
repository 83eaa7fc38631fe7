/*
 * The opening hall's live progress: polls the hall's JSON (with its ETag) while the opening
 * runs, updates the counts in place, and reloads the page once the record is out so that it
 * shows the record and the confirmation forms. Without JavaScript the page refreshes itself
 * (a meta refresh in <noscript>) and has a reload link.
 */
(function () {
  "use strict";
  var hall = document.getElementById("hall");
  if (!hall || hall.dataset.poll !== "1") { return; }
  var url = hall.dataset.liveUrl;
  var etag = null;
  var timer = null;
  function set(id, text) {
    var el = document.getElementById(id);
    if (el) { el.textContent = text; }
  }
  function show(body) {
    set("hall-state", body.state_label);
    set("hall-shares", body.shares + " / " + body.need);
    set("hall-done", body.done + " / " + body.total);
    var bar = document.getElementById("hall-progress");
    if (bar) { bar.max = body.total || 1; bar.value = body.done; }
    // The record is out: load the page anew (without an earlier action's success message).
    if (body.record_ready && hall.dataset.recordReady !== "1") { window.location.replace(window.location.pathname); }
    if (body.state !== "published" && body.state !== "closed") { window.clearInterval(timer); }
  }
  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, { credentials: "omit", headers: headers })
      .then(function (r) {
        if (r.status === 304) { return null; }
        if (!r.ok) {
          // A problem-details answer: say it in words, keep polling.
          return r.json().then(function (p) { set("hall-refresh", p.detail || String(r.status)); return null; });
        }
        etag = r.headers.get("ETag");
        return r.json();
      })
      .then(function (body) { if (body) { show(body); } })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }
  timer = window.setInterval(poll, 3000);
  poll();
}());
