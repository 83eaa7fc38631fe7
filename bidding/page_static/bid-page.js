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

  var english = document.documentElement.lang === "en";
  function say(zh, en) { return english ? en : zh; }

  var PHASES = {
    check: ["核对开标公钥", "checking the opening key"], hash: ["计算摘要", "hashing"],
    encrypt: ["加密中", "sealing"], upload: ["上传中", "uploading"],
    failed: ["未提交", "not submitted"], done: ["已提交", "submitted"]
  };

  function show(form, phase, done, total) {
    var bar = form.querySelector(".bid-progress");
    bar.value = total ? Math.round(100 * done / total) : 0;
    var words = PHASES[phase];
    form.querySelector(".bid-phase").textContent = words ? say(words[0], words[1]) : phase;
  }

  /* The envelope adds its header, the sealed file key and 17 bytes a segment (seal.js). */
  var SEGMENT = 1 << 20, FRAMING = 4096;
  function envelopeSize(plainSize) { return plainSize + 17 * Math.ceil(plainSize / SEGMENT) + FRAMING; }

  function checkSize(form, blob) {
    var limit = parseInt(form.dataset.maxBytes, 10);
    if (!limit || envelopeSize(blob.size) <= limit) return;
    var mib = function (n) { return (n / 1048576).toFixed(1); };
    throw new Error(say(
      "投标文件过大：加密后约 " + mib(envelopeSize(blob.size)) + " MB，超过上限 " + mib(limit) +
        " MB，未加密、未上传。请压缩附件后重试",
      "The bid is too large: about " + mib(envelopeSize(blob.size)) + " MB sealed, over the limit of " +
        mib(limit) + " MB; nothing was sealed or uploaded. Make the attachment smaller and try again"));
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
    form.querySelector(".bid-landing").hidden = true;
    form.querySelector("button[type=submit]").disabled = true;
    try {
      // Bidder-decrypts tenders: half of the file key is sealed to the bidder's own key.
      var bidderKey = form.elements.bidder_key ? await readKeyFile(form.elements.bidder_key) : null;
      var plain = plaintext(form);
      checkSize(form, plain);  // before anything is sealed: the limit the page states
      show(form, "check", 0, 0);
      await checkRecord(data);  // refuses (throws) unless the key is the one on the record
      var sealed = await window.GgzySeal.sealFile(plain, {
        openingPublicKeyB64: data.publicKey, tenderId: data.tenderId, sectionId: data.sectionId,
        bidderId: data.bidderId, keyId: data.keyId,
        bidderPublicKeyB64: bidderKey ? bidderKey.publicKeyB64 : undefined,
        onProgress: function (p) { show(form, p.phase, p.done, p.total); }
      });
      var receipt = await uploadChecked(form, data, sealed);
      var text = JSON.stringify(receipt, null, 2);
      var box = form.querySelector(".bid-receipt");
      box.querySelector("pre").textContent = text;
      var link = box.querySelector(".receipt-link");
      link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
      link.download = "receipt-" + receipt.fields.receipt_id + ".json";
      box.querySelector(".receipt-page-link").href =
        "/bids/" + encodeURIComponent(receipt.fields.receipt_id) + "/receipt";
      box.hidden = false;
      show(form, "done", 1, 1);
      refreshMyBids();
    } catch (e) {
      show(form, "failed", 0, 0);  // the bar and the phase leave "uploading"
      error.textContent = e.message;
      error.hidden = false;
    } finally {
      form.querySelector("button[type=submit]").disabled = false;
    }
  }

  /* After a lost connection (or a 503), the bid may have landed all the same: the server can
   * commit it while the answer is lost. Look it up in "My bids" (by the envelope's SHA-256)
   * before sending again, and tell the bidder which it was (issue 17, part 7d). */
  var RESENDS = 2, LOOKUPS = 5, WAIT_MS = 2000;

  function landing(form, zh, en) {
    var note = form.querySelector(".bid-landing");
    if (!note) return;
    note.textContent = say(zh, en);
    note.hidden = false;
  }

  function pause(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  async function findLanded(data, digest) {
    var answer = await fetch(window.location.pathname, { credentials: "same-origin",
                                                         headers: { Accept: "text/html" } });
    if (!answer.ok) throw new Error("my bids: " + answer.status);
    var page = new DOMParser().parseFromString(await answer.text(), "text/html");
    var rows = page.querySelectorAll("#my-bids tr[data-sha256]");
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i].dataset;
      if (row.sha256 === digest && row.sectionId === data.sectionId && row.status === "submitted") {
        var receipt = await fetch(row.receiptUrl, { credentials: "same-origin" });
        if (!receipt.ok) throw new Error("receipt: " + receipt.status);
        return await receipt.json();
      }
    }
    return null;
  }

  async function lookUp(form, data, digest, waitMs) {
    for (var attempt = 0; ; attempt++) {
      try {
        return await findLanded(data, digest);
      } catch (e) {
        if (attempt >= LOOKUPS - 1) {
          throw new Error(say(
            "连接中断，且无法确认投标是否已送达。请稍后刷新本页，在“我的投标”中查看摘要 " + digest.slice(0, 16) + "… 是否在列，再决定是否重新提交",
            "The connection was lost and whether the bid arrived cannot be confirmed. Reload this page later " +
              "and look for digest " + digest.slice(0, 16) + "… under My bids before submitting again"));
        }
        await pause(waitMs);
      }
    }
  }

  async function uploadChecked(form, data, sealed) {
    var progress = function (p) { show(form, p.phase, p.done, p.total); };
    for (var attempt = 0; attempt <= RESENDS; attempt++) {
      try {
        return await window.GgzySeal.upload(data.url, sealed.blob, data.csrf, progress);
      } catch (e) {
        if (e.status !== 0 && e.status !== 503) throw e;  // a refusal: the reason is shown
        var waitMs = e.retryAfter ? Math.min(e.retryAfter, 30) * 1000 : WAIT_MS;
        landing(form, "连接中断，正在查询投标是否已送达……",
                "Connection lost; checking whether the bid arrived…");
        await pause(waitMs);
        var landed = await lookUp(form, data, sealed.envelopeSha256, waitMs);
        if (landed) {
          landing(form, "投标已送达平台，未重复上传；下方回执取自“我的投标”",
                  "The bid had arrived; it was not sent again. The receipt below is the one under My bids");
          return landed;
        }
        if (attempt === RESENDS) break;
        landing(form, "平台未收到该投标，正在重新上传……",
                "The platform does not have this bid; sending it again…");
      }
    }
    throw new Error(say("多次上传均未送达，平台没有该投标；请检查网络后重新提交",
                        "The bid did not arrive after several attempts; the platform does not have it. " +
                          "Check the network and submit again"));
  }

  /* "My bids" is rendered by the server: after a submission, take the fresh table. */
  async function refreshMyBids() {
    var table = document.getElementById("my-bids");
    if (!table) return;
    try {
      var answer = await fetch(window.location.pathname, { credentials: "same-origin",
                                                           headers: { Accept: "text/html" } });
      if (!answer.ok) return;
      var page = new DOMParser().parseFromString(await answer.text(), "text/html");
      var fresh = page.getElementById("my-bids");
      if (fresh) table.replaceWith(document.importNode(fresh, true));
    } catch (e) { /* the receipt is shown; the table refreshes on the next visit */ }
  }

  async function problemMessage(answer) {
    try {
      var body = await answer.json();
      if (body && (body.detail || body.title)) return body.detail || body.title;
    } catch (e) { /* not problem details */ }
    return say("服务器拒绝了请求（" + answer.status + "）", "the server refused the request (" + answer.status + ")");
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
      if (!answer.ok) throw new Error(await problemMessage(answer));
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
    // enabled once the script runs, unless bidding is closed (the reason is on the page)
    if (!form.dataset.closed) form.querySelector("button[type=submit]").disabled = false;
  });
})();
