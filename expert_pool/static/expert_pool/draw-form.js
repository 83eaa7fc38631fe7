/*
 * The draw request form: after each change, ask the server how many experts are eligible per
 * specialty ("需要 N / 符合条件 M" next to each row), and refuse to send a request that cannot
 * be filled, with the numbers. Without this script the form's "查看符合条件人数" button gives
 * the same counts from the server.
 */
(function () {
  "use strict";
  var form = document.getElementById("draw-form");
  if (!form) return;
  var problem = document.getElementById("draw-form-problem");
  var timer = null;
  var short = [];

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  function show(result) {
    var byCode = {};
    (result.counts || []).forEach(function (c) { byCode[c.code] = c; });
    short = [];
    form.querySelectorAll("tr.draw-row").forEach(function (row) {
      var index = row.dataset.row;
      var code = form.elements["code_" + index].value;
      var out = document.getElementById("count-" + index);
      var found = byCode[code];
      out.textContent = "";
      if (!code || !found) return;
      var span = document.createElement("span");
      span.textContent = fill(form.dataset.countsText, found);
      if (found.eligible < found.needed) {
        span.className = "field-error";
        short.push(fill(form.dataset.shortText, found) + "（" + found.code + " " + found.name + "）");
      }
      out.appendChild(span);
    });
  }

  function refresh() {
    var body = new URLSearchParams(new FormData(form));
    body.delete("action");
    fetch(form.dataset.countsUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json",
                "X-CSRFToken": form.elements["_csrf_token"] ? form.elements["_csrf_token"].value : ""}
    }).then(function (answer) {
      return answer.ok ? answer.json() : null;
    }).then(function (result) {
      if (result) show(result);
    }).catch(function () { /* the no-JS button still works */ });
  }

  form.addEventListener("change", function () {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  });

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.value === "preview") return;
    if (short.length) {
      event.preventDefault();
      problem.textContent = short.join("；");
      problem.hidden = false;
      problem.scrollIntoView({block: "center"});
      return;
    }
    // Committing at once fixes the pool and logs it: asked like the draw page's commit button.
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });

  refresh();
})();
