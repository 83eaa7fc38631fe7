/* The printable draw record: the "打印" button (shown only when scripts run). */
(function () {
  "use strict";
  var button = document.getElementById("print-record");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
