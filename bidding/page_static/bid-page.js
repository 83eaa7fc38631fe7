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
      { check: "核对开标公钥 / checking the opening key", hash: "计算摘要 / hashing",
        encrypt: "加密中 / sealing", upload: "上传中 / uploading" }[phase] || phase;
  }

  /* The opening key must be the one the logged tender announcement names (record-check.js):
   * checked when the page opens, for the bidder to see, and again before every seal. */
  var recordBox = document.getElementById("record-check");
  async function checkRecord(data) {
    try {
      var checked = await window.GgzyRecordCheck.verifyTenderKey({
        tenderId: data.tenderId, publicKeyB64: data.publicKey, keyId: data.keyId });
    } catch (e) {
      if (recordBox) {
        recordBox.textContent = e.message;
        recordBox.className = "record-check error-message";
        recordBox.setAttribute("role", "alert");
      }
      throw e;
    }
    if (recordBox) {
      recordBox.className = "record-check record-ok";
      recordBox.textContent = "开标公钥已与招标公告核对一致（监督日志第 " + checked.logIndex + " 条，已签名检查点大小 " +
        checked.checkpointSize + "，公钥编号 " + checked.keyId.replace(/(.{4})(?!$)/g, "$1 ") +
        "）/ the opening key matches the tender announcement on the public record ";
      var link = document.createElement("a");
      link.href = checked.noticePath;
      link.textContent = "招标公告 / announcement";
      recordBox.appendChild(link);
    }
    return checked;
  }

  async function submit(event) {
    event.preventDefault();
    var form = event.target, data = form.dataset;
    var error = form.querySelector(".bid-error");
    error.hidden = true;
    form.querySelector("button[type=submit]").disabled = true;
    try {
      // Bidder-decrypts tenders: half of the file key is sealed to the bidder's own key.
      var bidderKey = form.elements.bidder_key ? await readKeyFile(form.elements.bidder_key) : null;
      show(form, "check", 0, 0);
      await checkRecord(data);  // refuses (throws) unless the key is the one on the record
      var sealed = await window.GgzySeal.sealFile(plaintext(form), {
        openingPublicKeyB64: data.publicKey, tenderId: data.tenderId, sectionId: data.sectionId,
        bidderId: data.bidderId, keyId: data.keyId,
        bidderPublicKeyB64: bidderKey ? bidderKey.publicKeyB64 : undefined,
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
      form.querySelector("button[type=submit]").disabled = false;
    }
  }

  async function readKeyFile(input) {
    var file = input.files[0];
    if (!file) throw new Error("请选择您的解密密钥文件 / choose your decryption key file");
    var key = JSON.parse(await file.text());
    if (key.format !== "ggzy-bidder-decrypt-key/1" || !key.privateKeyB64 || !key.publicKeyB64) {
      throw new Error("不是投标人解密密钥文件 / not a bidder decryption key file");
    }
    return key;
  }

  async function keygen(event) {
    var key = await window.GgzySeal.generateBidderKey();
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([JSON.stringify(key, null, 2)], { type: "application/json" }));
    link.download = "ggzy-bidder-key-" + key.keyId + ".json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    event.target.textContent = "已下载 " + key.keyId + "，请妥善保存后在上方选择该文件 / downloaded: keep it and choose it above";
  }

  /* The key half: the envelope's prefix comes from the platform, the key stays here. */
  async function submitHalf(event) {
    var form = event.target;
    if (form.elements.half_b64.value.trim() || !form.elements.bidder_key.files[0]) return;
    event.preventDefault();
    var error = form.querySelector(".half-error");
    error.hidden = true;
    try {
      var key = await readKeyFile(form.elements.bidder_key);
      var answer = await fetch(form.dataset.prefixUrl, { credentials: "same-origin",
                                                         headers: { Accept: "application/json" } });
      if (!answer.ok) throw new Error("HTTP " + answer.status);
      var prefix = window.GgzySeal._internal.b64decode((await answer.json()).prefix_b64);
      form.elements.half_b64.value = await window.GgzySeal.openBidderHalf(prefix, key);
      form.elements.bidder_key.value = "";  // the key file is not sent
      form.submit();
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
  }

  document.querySelectorAll("button.bidder-keygen").forEach(function (button) {
    button.addEventListener("click", keygen);
  });
  document.querySelectorAll("form.half-form").forEach(function (form) {
    form.addEventListener("submit", submitHalf);
  });
  if (recordBox) checkRecord(recordBox.dataset).catch(function () {});  // shown in the box
  document.querySelectorAll("form.bid-form").forEach(function (form) {
    form.addEventListener("submit", submit);
    form.querySelector("button[type=submit]").disabled = false;  // enabled once the script runs
  });
})();
