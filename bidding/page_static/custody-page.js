/*
 * The custodian's page: derives the custodian's share from the key-ceremony transcript with
 * its key file in this browser (share-open.js), signs it, and submits it through the page's
 * ordinary form. The key file
 * and the passphrase never leave the page.
 */
(function () {
  "use strict";
  var form = document.getElementById("share-open");
  if (!form) return;
  var submitForm = document.getElementById("share-submit");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var error = form.querySelector(".share-error");
    error.hidden = true;
    try {
      var file = form.elements.keyfile.files[0];
      if (!file) throw new Error("请选择密钥文件 / choose your key file");
      var transcript = JSON.parse(document.getElementById("ceremony-transcript").textContent);
      var body = await window.GgzyShareOpen.openAndSign(await file.text(), form.elements.passphrase.value,
                                                        transcript);
      submitForm.elements.share_b64.value = body.share_b64;
      submitForm.elements.signature_b64.value = body.signature_b64;
      submitForm.submit();
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
  });
  form.querySelector("button").disabled = false;
})();
