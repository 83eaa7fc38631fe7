/*
 * The bidder's page: builds the bid plaintext (format "ggzy-bid/1": one JSON line with the
 * announced items, then the attachment's bytes), seals it in this browser with seal.js and
 * uploads the envelope with a progress bar. The plaintext never leaves the browser.
 */
(function () {
  "use strict";

  function yuanToFen(text) {
    var m = /^\s*(\d+)(?:\.(\d{1,2}))?\s*$/.exec(String(text).replace(/,/g, ""));
    if (!m) throw new Error("报价格式应为元，最多两位小数 / the price is yuan with at most two decimals");
    return parseInt(m[1], 10) * 100 + parseInt((m[2] || "0").padEnd(2, "0"), 10);
  }

  function plaintext(form) {
    var header = {
      format: "ggzy-bid/1",
      price_fen: yuanToFen(form.elements.price.value),
      duration_days: parseInt(form.elements.duration_days.value, 10),
      quality: form.elements.quality.value,
      items: {}
    };
    var parts = [JSON.stringify(header) + "\n"];
    var file = form.elements.attachment.files[0];
    if (file) parts.push(file);
    return new Blob(parts, { type: "application/octet-stream" });
  }

  function show(form, phase, done, total) {
    var bar = form.querySelector(".bid-progress");
    bar.value = total ? Math.round(100 * done / total) : 0;
    form.querySelector(".bid-phase").textContent =
      { hash: "计算摘要 / hashing", encrypt: "加密中 / sealing", upload: "上传中 / uploading" }[phase] || phase;
  }

  async function submit(event) {
    event.preventDefault();
    var form = event.target, data = form.dataset;
    var error = form.querySelector(".bid-error");
    error.hidden = true;
    form.querySelector("button").disabled = true;
    try {
      var sealed = await window.GgzySeal.sealFile(plaintext(form), {
        openingPublicKeyB64: data.publicKey, tenderId: data.tenderId, sectionId: data.sectionId,
        bidderId: data.bidderId, keyId: data.keyId,
        onProgress: function (p) { show(form, p.phase, p.done, p.total); }
      });
      var receipt = await window.GgzySeal.upload(data.url, sealed.blob, data.csrf,
        function (p) { show(form, p.phase, p.done, p.total); });
      var text = JSON.stringify(receipt, null, 2);
      var box = form.querySelector(".bid-receipt");
      box.querySelector("pre").textContent = text;
      var link = box.querySelector(".receipt-link");
      link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
      link.download = "receipt-" + receipt.fields.receipt_id + ".json";
      box.hidden = false;
      form.querySelector(".bid-phase").textContent = "已提交 / submitted";
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    } finally {
      form.querySelector("button").disabled = false;
    }
  }

  document.querySelectorAll("form.bid-form").forEach(function (form) {
    form.addEventListener("submit", submit);
    form.querySelector("button").disabled = false;  // enabled once the script runs
  });
})();
