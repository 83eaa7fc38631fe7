/*
 * The receipt page's check, in the browser (bidding/templates/bidding/receipt.html):
 *
 *   1. the receipt (the very JSON offered as a download) is signed by the platform's receipt
 *      key: Ed25519 over the RFC 8785 bytes of {"type", "key_id", "fields"}, key id =
 *      SHA-256("ggzy-receipt-key/1" || 0x00 || public key)[:8] in hex (as
 *      bidding/sealing/crypto/receipts.py and `ggzy bid verify-receipt`);
 *   2. the receipt is this bid's (its id and envelope digest);
 *   3. once the entry is in the log and a signed checkpoint covers it: the checkpoint is
 *      signed by the log key (C2SP signed note), the entry's leaf SHA-256(0x00 || entry) is in
 *      that tree (RFC 9162 audit path), and the entry is this bid's `bid.submitted` entry
 *      (bid id, digest, the promise the receipt names).
 *
 * The RFC 8785 and RFC 9162 helpers are the notice check's (window.GgzyRecordCheck,
 * bidding/static/bidding/record-check.js). The keys are fetched from this platform: that
 * proves consistency; compare them with the ones the trading center publishes.
 */
(function () {
  "use strict";

  var page = document.getElementById("receipt");
  var button = document.getElementById("receipt-verify");
  var list = document.getElementById("receipt-check");
  if (!page || !button || !list || !window.GgzyRecordCheck || !window.crypto || !window.crypto.subtle) return;
  var subtle = window.crypto.subtle;
  var te = new TextEncoder();
  var english = document.documentElement.lang === "en";
  var check = window.GgzyRecordCheck;
  var concat = check.concat, equal = check.equal, sha256 = check.sha256, hex = check.hex;
  var bidId = page.dataset.bidId;

  function say(zh, en) { return english ? en : zh; }
  function line(cls, zh, en) {
    var item = document.createElement("li");
    if (cls) item.className = cls;
    item.textContent = say(zh, en);
    list.appendChild(item);
    return item;
  }
  function Failure(zh, en) { this.zh = zh; this.en = en; }

  function fromHex(text) {
    if (typeof text !== "string" || !/^([0-9a-f]{2})*$/.test(text)) throw new Failure("证明格式无效", "malformed proof");
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }
  function b64decode(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4) {
      throw new Failure("Base64 格式无效", "invalid base64");
    }
    var s = atob(text), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  async function ed25519(publicKey, signature, message) {
    var key = await subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return subtle.verify({ name: "Ed25519" }, key, signature, message);
  }
  async function getJson(path) {
    var answer;
    try {
      answer = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (e) {
      throw new Failure("网络错误，无法核验", "network error: cannot check");
    }
    if (!answer.ok) throw new Failure("平台未能提供核验所需数据（HTTP " + answer.status + "）",
                                      "the platform did not give what the check needs (HTTP " + answer.status + ")");
    return answer.json();
  }

  // ------------------------------------------------------------------ 1, 2: the receipt
  async function checkReceipt() {
    var receipt = await getJson("/bids/" + encodeURIComponent(bidId) + "/receipt.json");
    var published = await getJson("/api/v1/receipts/public-key");
    var publicKey = b64decode(String(published.public_key_b64 || ""));
    var keyId = hex(await sha256(concat([te.encode("ggzy-receipt-key/1"), new Uint8Array([0]), publicKey]))).slice(0, 16);
    if (receipt.key_id !== keyId || published.key_id !== keyId) {
      throw new Failure("回执不是由本平台公布的回执密钥签发的", "the receipt was not signed by the platform's published receipt key");
    }
    var fields = receipt.fields || {};
    var signed = te.encode(check.canonicalJson({ type: receipt.type, key_id: receipt.key_id, fields: fields }));
    var ok;
    try {
      ok = await ed25519(publicKey, b64decode(String(receipt.signature || "")), signed);
    } catch (e) {
      if (e instanceof Failure) throw e;
      throw new Failure("本浏览器不支持 Ed25519 核验，请使用命令行 ggzy bid verify-receipt",
                        "this browser cannot check Ed25519; use ggzy bid verify-receipt");
    }
    if (!ok) throw new Failure("回执签名无效（回执可能被改动）", "the receipt's signature is invalid (it may have been altered)");
    line("ok", "回执签名有效：由平台回执密钥 " + keyId + " 签发", "the receipt's signature is valid: signed by the platform receipt key " + keyId);
    var shown = document.getElementById("receipt-digest");
    if (fields.receipt_id !== bidId || (shown && fields.envelope_sha256 !== shown.textContent.trim())) {
      throw new Failure("回执与本页所示投标不符", "the receipt is not the bid shown on this page");
    }
    line("ok", "回执所载投标编号与信封摘要与本页一致", "the receipt names this bid and its envelope digest");
    return fields;
  }

  // ------------------------------------------------------------------ 3: the log
  async function logKey() {
    var text = String(((await getJson("/api/v1/log/key")) || {}).vkey || "");
    var first = text.indexOf("+"), second = text.indexOf("+", first + 1);
    if (first < 1 || second < 0) throw new Failure("日志公钥格式无效", "malformed log key");
    var name = text.slice(0, first), id = text.slice(first + 1, second);
    var raw = b64decode(text.slice(second + 1).trim());
    if (raw.length !== 33 || raw[0] !== 1) throw new Failure("日志公钥不是 Ed25519 公钥", "the log key is not an Ed25519 key");
    var keyId = (await sha256(concat([te.encode(name + "\n"), raw]))).slice(0, 4);
    if (hex(keyId) !== id.toLowerCase()) throw new Failure("日志公钥编号不符", "the log key's id does not match");
    return { name: name, keyId: keyId, raw: raw.slice(1) };
  }

  async function checkpointRoot(text, vkey, size) {
    var split = text.lastIndexOf("\n\n");
    if (split < 0 || text[text.length - 1] !== "\n") throw new Failure("检查点格式无效", "malformed checkpoint");
    var body = text.slice(0, split + 1), lines = body.split("\n");
    if (lines.length < 4 || lines[0] !== vkey.name) throw new Failure("检查点来源与日志公钥不符", "the checkpoint's origin is not the log key's");
    var signed = false, sigs = text.slice(split + 2, -1).split("\n"), prefix = "\u2014 " + vkey.name + " ";
    for (var i = 0; i < sigs.length && !signed; i++) {
      if (sigs[i].indexOf(prefix) !== 0) continue;
      var raw;
      try { raw = b64decode(sigs[i].slice(prefix.length)); } catch (e) { continue; }
      if (raw.length !== 68 || !equal(raw.slice(0, 4), vkey.keyId)) continue;
      signed = await ed25519(vkey.raw, raw.slice(4), te.encode(body));
    }
    if (!signed) throw new Failure("检查点签名无效（不是日志公钥所签）", "the checkpoint is not validly signed by the log key");
    if (lines[1] !== String(size)) throw new Failure("检查点的树大小与证明不符", "the checkpoint's size differs from the proof's");
    var root = b64decode(lines[2]);
    if (root.length !== 32) throw new Failure("检查点根哈希无效", "invalid checkpoint root");
    return root;
  }

  async function checkLog(fields) {
    var proof = await getJson("/bids/" + encodeURIComponent(bidId) + "/receipt/proof");
    if (proof.state === "pending") {
      line("", "监督日志已承诺写入本投标（承诺编号 " + fields.log_promise + "），尚未写入：稍后再核验",
           "the supervision log promised this bid's entry (promise " + fields.log_promise + "); not appended yet: check again later");
      return;
    }
    if (proof.state === "unsigned") {
      line("", "本投标已写入监督日志第 " + proof.log_index + " 条；尚无覆盖它的已签名检查点，稍后可核验存证证明",
           "this bid is supervision log entry " + proof.log_index + "; no signed checkpoint covers it yet: check the proof later");
      return;
    }
    var vkey = await logKey();
    var root = await checkpointRoot(String(proof.checkpoint || ""), vkey, proof.tree_size);
    line("ok", "检查点（共 " + proof.tree_size + " 条）由日志公钥 " + vkey.name + " 签名",
         "the checkpoint of " + proof.tree_size + " entries is signed by the log key " + vkey.name);
    var entry;
    try { entry = JSON.parse(proof.canonical_entry); } catch (e) { throw new Failure("日志条目格式无效", "malformed log entry"); }
    if (check.canonicalJson(entry) !== proof.canonical_entry) throw new Failure("日志条目不是规范格式", "the log entry is not in canonical form");
    var leaf = await sha256(concat([new Uint8Array([0]), te.encode(proof.canonical_entry)]));
    var path = (proof.audit_path || []).map(fromHex);
    if (!(await check.verifyInclusion(leaf, proof.log_index, proof.tree_size, path, root))) {
      throw new Failure("日志条目不在已签名的检查点中（根哈希不符，日志可能被改写）",
                        "the entry is not in the signed checkpoint (the root differs; the log may have been rewritten)");
    }
    var body = entry.body || {};
    var promised = body.promise === fields.log_promise;
    if (entry.seq !== proof.log_index || entry.action !== "bid.submitted" || body.bid !== fields.receipt_id ||
        body.envelope_sha256 !== fields.envelope_sha256 || !promised) {
      throw new Failure("日志条目不是本投标的递交记录", "the log entry is not this bid's submission");
    }
    line("ok", "存证证明有效：本投标是监督日志第 " + proof.log_index + " 条，包含在已签名的检查点中",
         "the inclusion proof is valid: this bid is supervision log entry " + proof.log_index + ", in the signed checkpoint");
  }

  async function run() {
    button.disabled = true;
    list.textContent = "";
    delete list.dataset.result;
    var busy = line("", "正在核验…", "checking…");
    try {
      var fields = await checkReceipt();
      await checkLog(fields);
      line("ok", "核验完成", "check complete");
      list.dataset.result = "valid";
    } catch (e) {
      var failure = e instanceof Failure ? e : new Failure("核验出错：" + e, "the check failed: " + e);
      line("bad", failure.zh, failure.en);
      list.dataset.result = "invalid";
    } finally {
      busy.remove();
      button.disabled = false;
    }
  }

  button.hidden = false;
  button.addEventListener("click", run);
})();
