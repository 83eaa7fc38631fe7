/*
 * Before a bid is sealed in this browser: is the opening key the one on the public record?
 * The same check as bidding/cli/record_check.py (`ggzy bid seal`), see docs/bidding.md, "The opening
 * key on the public record". The key on the bid page comes from the tender row, a database
 * value; the tender announcement names the key, its content hash is in the supervision log, and
 * the log's root is signed by a key kept outside the database. So, trusting only the log key:
 *
 *   1. the checkpoint of the proof's tree size has a valid Ed25519 signature of the log key
 *      (C2SP signed note; key id = SHA-256(name || 0x0A || 0x01 || public key)[:4]);
 *   2. the announcement's entry is in that tree: leaf = SHA-256(0x00 || canonical entry), and
 *      the RFC 9162 audit path leads to the signed root;
 *   3. the entry is the notice.published entry of this notice and tender, and its content hash
 *      is SHA-256 of the RFC 8785 (JCS) bytes of the notice's public document, recomputed here;
 *   4. the notice names exactly the key (and key id) about to be sealed to.
 *
 * API (window.GgzyRecordCheck):
 *   verifyTenderKey({tenderId, publicKeyB64, keyId, logKey?, base?})
 *     -> Promise<{noticeId, noticePath, logIndex, checkpointSize, logKey, keyId, transcriptHash}>
 *     rejects with an Error whose message is Chinese / English and whose .refused is true when
 *     the record disagrees (do not bid), false when it could not be fetched.
 *   canonicalJson(value) -> string (RFC 8785 for the JSON this platform writes)
 *   verifyInclusion(leaf, index, size, path, root) -> Promise<boolean>
 *   concat(parts), equal(a, b), sha256(bytes), hex(bytes) -> byte helpers (Uint8Array) for other checks
 */
(function (global) {
  "use strict";

  var subtle = global.crypto.subtle;
  var te = new TextEncoder();
  var ANNOUNCEMENT = "tender_announcement";

  function refuse(zh, en) {
    var error = new Error("开标公钥未通过公开记录核对：" + zh + "。请勿投标，并联系交易中心。 / " +
      "The opening key failed the check against the public record: " + en +
      ". Do not bid; contact the trading center.");
    error.refused = true;
    return error;
  }
  function unavailable(zh, en) {
    var error = new Error("无法核对开标公钥：" + zh + "；未加密投标文件 / cannot check the opening key: " +
      en + "; nothing was sealed");
    error.refused = false;
    return error;
  }

  // ------------------------------------------------------------------ bytes
  function hex(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }
  function fromHex(text) {
    if (typeof text !== "string" || !/^([0-9a-f]{2})*$/.test(text)) throw new Error("not hex");
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }
  function b64decode(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4) {
      throw new Error("not base64");
    }
    var s = atob(text), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function concat(parts) {
    var n = 0, i, o = 0;
    for (i = 0; i < parts.length; i++) n += parts[i].length;
    var out = new Uint8Array(n);
    for (i = 0; i < parts.length; i++) { out.set(parts[i], o); o += parts[i].length; }
    return out;
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  async function sha256(bytes) { return new Uint8Array(await subtle.digest("SHA-256", bytes)); }

  // ------------------------------------------------------------------ RFC 8785
  // Keys sorted by UTF-16 code units (the default sort of JavaScript strings); strings and
  // finite numbers as ECMAScript's JSON.stringify writes them, which is the JCS rule.
  function canonicalJson(value) {
    if (value === null || typeof value === "boolean") return JSON.stringify(value);
    if (typeof value === "number") {
      if (!isFinite(value)) throw new Error("JCS: not a finite number");
      return JSON.stringify(value);
    }
    if (typeof value === "string") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
    if (typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (key) {
        return JSON.stringify(key) + ":" + canonicalJson(value[key]);
      }).join(",") + "}";
    }
    throw new Error("JCS: unsupported value");
  }

  // ------------------------------------------------------------------ RFC 9162 §2.1.3.2
  async function nodeHash(left, right) {
    return sha256(concat([new Uint8Array([1]), left, right]));
  }
  async function verifyInclusion(leaf, index, size, path, root) {
    if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) return false;
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < path.length; i++) {
      if (path[i].length !== 32 || sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(path[i], r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await nodeHash(r, path[i]);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(r, root);
  }

  // ------------------------------------------------------------------ signed notes
  // Verifier key "name+hexkeyid+base64(0x01 || Ed25519 public key)", as Go's note package.
  async function parseVkey(text) {
    var first = text.indexOf("+"), second = text.indexOf("+", first + 1);
    if (first < 1 || second < 0) throw new Error("bad vkey");
    var name = text.slice(0, first), id = text.slice(first + 1, second);
    var raw = b64decode(text.slice(second + 1).trim());
    if (raw.length !== 33 || raw[0] !== 1) throw new Error("not an Ed25519 vkey");
    var keyId = (await sha256(concat([te.encode(name + "\n"), raw]))).slice(0, 4);
    if (hex(keyId) !== id.toLowerCase()) throw new Error("vkey id mismatch");
    var key = await subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    return { name: name, keyId: keyId, key: key, text: text.trim() };
  }

  // The root of the checkpoint note `text` (size `size`) signed by `vkey`, else a refusal.
  async function openCheckpoint(text, vkey, size) {
    var split = text.lastIndexOf("\n\n");
    if (split < 0 || text[text.length - 1] !== "\n") throw refuse("检查点格式无效", "malformed checkpoint");
    var body = text.slice(0, split + 1);
    var lines = body.split("\n");
    if (lines.length < 4 || lines[0] !== vkey.name) {
      throw refuse("检查点来源与日志公钥不符", "the checkpoint's origin is not the log key's name");
    }
    var signed = false, sigs = text.slice(split + 2, -1).split("\n");
    for (var i = 0; i < sigs.length && !signed; i++) {
      var prefix = "\u2014 " + vkey.name + " ";
      if (sigs[i].indexOf(prefix) !== 0) continue;
      var raw;
      try { raw = b64decode(sigs[i].slice(prefix.length)); } catch (e) { continue; }
      if (raw.length !== 68 || !equal(raw.slice(0, 4), vkey.keyId)) continue;
      signed = await subtle.verify({ name: "Ed25519" }, vkey.key, raw.slice(4), te.encode(body));
    }
    if (!signed) throw refuse("检查点签名无效（不是日志公钥所签）", "the checkpoint is not validly signed by the log key");
    if (lines[1] !== String(size)) {
      throw refuse("检查点的树大小与证明不符", "the checkpoint's tree size differs from the proof's");
    }
    var root;
    try { root = b64decode(lines[2]); } catch (e) { root = new Uint8Array(0); }
    if (root.length !== 32) throw refuse("检查点根哈希无效", "invalid checkpoint root");
    return root;
  }

  // ------------------------------------------------------------------ fetching
  async function getJson(base, path) {
    var answer;
    try {
      answer = await fetch(base + path, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (e) {
      throw unavailable("网络错误", "network error");
    }
    if (answer.status === 404) return null;
    if (!answer.ok) throw unavailable("平台返回 HTTP " + answer.status, "the platform answered HTTP " + answer.status);
    return answer.json();
  }

  async function announcementOf(base, tenderId) {
    var page = await getJson(base, "/api/v1/notices?tender_ref=" + encodeURIComponent(tenderId) +
                                   "&type=" + ANNOUNCEMENT);
    var items = ((page && page.items) || []).filter(function (n) {
      return n && n.tender_ref === tenderId && n.notice_type === ANNOUNCEMENT;
    });
    if (!items.length) throw refuse("未找到本项目的招标公告", "no announcement of this tender was found");
    if (items.length > 1 || page.next_cursor) {
      throw refuse("本项目有多份招标公告，无法确定开标公钥", "the tender has several announcements: the key cannot be decided");
    }
    return items[0];
  }

  async function contentHash(notice) {
    var doc = {};
    ["id", "notice_type", "tender_ref", "title", "region", "category", "corrects", "data"].forEach(function (k) {
      doc[k] = notice[k] === undefined ? null : notice[k];
    });
    return hex(await sha256(te.encode(canonicalJson(doc))));
  }

  // ------------------------------------------------------------------ the check
  async function verifyTenderKey(options) {
    var o = options || {}, base = o.base || "";
    var given = b64decode(o.publicKeyB64);
    var vkey;
    try {
      var logKey = o.logKey || ((await getJson(base, "/api/v1/log/key")) || {}).vkey;
      vkey = await parseVkey(String(logKey));
    } catch (e) {
      if (e.refused !== undefined) throw e;
      throw unavailable("无法读取日志公钥", "cannot read the log key");
    }
    var notice = await announcementOf(base, o.tenderId);
    var proof = await getJson(base, "/api/v1/notices/" + encodeURIComponent(notice.id) + "/proof");
    if (!proof || proof.log_index !== notice.log_index || !Number.isSafeInteger(proof.tree_size)) {
      throw refuse("公告的存证证明缺失或不符", "the notice's proof is missing or wrong");
    }
    var signed = await getJson(base, "/api/v1/log/checkpoints/" + proof.tree_size);
    if (!signed || typeof signed.note !== "string") {
      throw refuse("没有覆盖该公告的已签名检查点", "no signed checkpoint covers the announcement");
    }
    var root = await openCheckpoint(signed.note, vkey, proof.tree_size);

    var entry, path;
    try {
      entry = JSON.parse(proof.canonical_entry);
      path = proof.audit_path.map(fromHex);
    } catch (e) {
      throw refuse("日志条目或证明格式无效", "malformed log entry or proof");
    }
    // One spelling only: the parsed entry must say exactly what the hashed bytes say.
    if (canonicalJson(entry) !== proof.canonical_entry) {
      throw refuse("日志条目不是规范格式", "the log entry is not in canonical form");
    }
    var leaf = await sha256(concat([new Uint8Array([0]), te.encode(proof.canonical_entry)]));
    if (!(await verifyInclusion(leaf, proof.log_index, proof.tree_size, path, root))) {
      throw refuse("公告的日志条目不在已签名的检查点中（根哈希不符，日志可能被改写）",
                   "the notice's log entry is not in the signed checkpoint (the root differs; the log may have been rewritten)");
    }
    var body = entry.body || {};
    if (entry.seq !== proof.log_index || entry.action !== "notice.published" ||
        entry.subject !== "notice/" + notice.id || body.notice_id !== notice.id) {
      throw refuse("日志条目不是该公告的发布记录", "the log entry is not this notice's publication");
    }
    if (body.notice_type !== ANNOUNCEMENT || body.tender_ref !== o.tenderId) {
      throw refuse("该公告不是本项目的招标公告", "the notice is not this tender's announcement");
    }
    if (body.content_hash !== await contentHash(notice)) {
      throw refuse("公告内容与监督日志记录的摘要不符（公告可能被篡改）",
                   "the notice's content differs from the hash in the supervision log (the notice may have been altered)");
    }

    var data = notice.data || {}, published;
    try { published = b64decode(String(data.opening_public_key || "")); } catch (e) { published = new Uint8Array(0); }
    if (!published.length || !data.opening_key_id) {
      throw refuse("招标公告未载明开标公钥", "the announcement names no opening key");
    }
    var givenId = hex(await sha256(given)).slice(0, 32);
    if (!equal(published, given)) {
      throw refuse("本页的开标公钥与招标公告载明的开标公钥不同（公告：" + data.opening_key_id + "，本页：" + givenId + "）",
                   "the opening key on this page differs from the key in the announcement (announcement: " +
                   data.opening_key_id + ", page: " + givenId + ")");
    }
    if (data.opening_key_id !== o.keyId || o.keyId !== givenId) {
      throw refuse("开标公钥编号与招标公告不符", "the key id differs from the announcement's");
    }
    return { noticeId: notice.id, noticePath: "/notices/" + notice.id, logIndex: proof.log_index,
             checkpointSize: proof.tree_size, logKey: vkey.text, keyId: data.opening_key_id,
             transcriptHash: data.ceremony_transcript_hash || null };
  }

  global.GgzyRecordCheck = {
    verifyTenderKey: verifyTenderKey,
    canonicalJson: canonicalJson,
    verifyInclusion: verifyInclusion,
    concat: concat,
    equal: equal,
    sha256: sha256,
    hex: hex
  };
})(window);
