// Self-service kiosk (issue 12): sign the user out after a spell without a touch or a key, so
// the next person at the terminal does not find the last one's session. The server caps a kiosk
// session as well (trading.intake.kiosk); this timer only makes it end sooner.
(function () {
  "use strict";
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-kiosk-idle") || "120", 10);
  var timer = null;
  function leave() {
    var logout = document.querySelector('form[action="/logout"]');
    if (logout) {
      logout.submit();
    } else if (window.location.pathname !== "/intake/kiosk") {
      window.location.assign("/intake/kiosk");
    }
  }
  function reset() {
    if (timer !== null) { window.clearTimeout(timer); }
    timer = window.setTimeout(leave, seconds * 1000);
  }
  ["click", "keydown", "touchstart", "pointermove", "scroll"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true });
  });
  reset();
}());
