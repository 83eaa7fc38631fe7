/*
 * A confirmation before a destructive form is sent: any form with data-confirm="question".
 * (An external script: the pages' CSP allows no inline handlers.)
 */
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
