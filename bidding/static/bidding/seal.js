/*
 * ggzy sealed-bid envelope, version 1, in the browser (WebCrypto only, no libraries).
 *
 * The same format as bidding/sealing/crypto/envelope/ (specified in docs/envelope.md):
 *   magic "\x89GGZYENV" | version 1 | header length (u16) | JSON header | HPKE enc (65)
 *   | HPKE-sealed file key (48) | segments: flag (1) | AES-256-GCM ciphertext | tag (16)
 * HPKE is RFC 9180 base mode, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, written
 * out with ECDH deriveBits + HMAC-SHA256 sign (WebCrypto has no HPKE). SHA-256 of the plaintext
 * and of the envelope are computed incrementally in JavaScript (WebCrypto's digest is one-shot
 * and would need the whole 50 MB file in memory). The file is read one segment at a time with
 * File.slice and each sealed segment is handed to a Blob at once, so the JavaScript heap holds
 * about two segments whatever the size of the bid.
 *
 * Bidder-decrypts suite (version 2, "HPKE-P256-SHA256-AES256GCM-BD/1"): when sealFile gets
 * bidderPublicKeyB64, the header also carries bidder_key_id and the prefix a second slot
 *   ... | enc (65) | sealed platform half (48) | enc_b (65) | sealed bidder half (48) | segments
 * with file key = platform half XOR bidder half; the bidder half is sealed to the bidder's own
 * P-256 key with info "ggzy-envelope-bidder/1\0" | SHA-256(fixed).
 *
 * API (window.GgzySeal):
 *   sealFile(file, {openingPublicKeyB64, tenderId, sectionId, bidderId, keyId,
 *                   bidderPublicKeyB64?, segmentSize?, onProgress?({phase, done, total})})
 *     -> Promise<{blob, envelopeSha256, plaintextSha256, envelopeSize}>
 *   upload(url, blob, csrfToken, onProgress?({phase:'upload', done, total}), {method, headers}?)
 *     -> Promise<parsed JSON answer>   (rejects with Error carrying .status and .body)
 *   openEnvelope(blobOrBytes, {privateKeyB64, publicKeyB64}) -> Promise<{header, plaintext: Blob,
 *     envelopeSha256}>   (the 32-byte opening scalar; for re-decryption after the opening;
 *     a bidder-decrypts envelope also needs bidderHalfB64)
 *   generateBidderKey() -> Promise<{format, privateKeyB64, publicKeyB64, keyId}> (keep it!)
 *   openBidderHalf(blobOrBytes, {privateKeyB64, publicKeyB64}) -> Promise<halfB64>
 */
(function (global) {
  "use strict";

  var subtle = global.crypto.subtle;
  var MAGIC = new Uint8Array([0x89, 0x47, 0x47, 0x5a, 0x59, 0x45, 0x4e, 0x56]); // \x89GGZYENV
  var VERSION = 1;
  var SUITE = "HPKE-P256-SHA256-AES256GCM/1";
  var VERSION_BD = 2;
  var SUITE_BD = "HPKE-P256-SHA256-AES256GCM-BD/1";
  var DEFAULT_SEGMENT = 1 << 20;
  var ENC_LEN = 65;
  var SEALED_KEY_LEN = 48;
  var TAG_LEN = 16;
  var ID_RE = /^[A-Za-z0-9._:\-]{1,128}$/;
  var te = new TextEncoder();

  // ------------------------------------------------------------------ bytes
  function concat(parts) {
    var n = 0, i;
    for (i = 0; i < parts.length; i++) n += parts[i].length;
    var out = new Uint8Array(n), o = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], o); o += parts[i].length; }
    return out;
  }
  function u16(n) { return new Uint8Array([(n >>> 8) & 255, n & 255]); }
  function u32(n) { return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]); }
  function hex(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }
  function b64encode(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
  }
  function b64decode(text) {
    var s = atob(text), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function b64url(bytes) {
    return b64encode(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  /* Length-prefixed fields (u16 big-endian length each), as common.length_prefixed. */
  function lengthPrefixed(parts) {
    var out = [];
    for (var i = 0; i < parts.length; i++) { out.push(u16(parts[i].length), parts[i]); }
    return concat(out);
  }

  // ------------------------------------------------------------------ incremental SHA-256
  var K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

  function Sha256() {
    this.h = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    this.w = new Int32Array(64);
    this.buf = new Uint8Array(64);
    this.bufLen = 0;
    this.length = 0;
  }
  Sha256.prototype.update = function (data) {
    var pos = 0, n = data.length;
    this.length += n;
    if (this.bufLen > 0) {
      var take = Math.min(64 - this.bufLen, n);
      this.buf.set(data.subarray(0, take), this.bufLen);
      this.bufLen += take; pos = take;
      if (this.bufLen === 64) { this.block(this.buf, 0); this.bufLen = 0; }
    }
    while (pos + 64 <= n) { this.block(data, pos); pos += 64; }
    if (pos < n) { this.buf.set(data.subarray(pos), 0); this.bufLen = n - pos; }
    return this;
  };
  Sha256.prototype.block = function (p, off) {
    var w = this.w, h = this.h, i, j, x, y;
    for (i = 0; i < 16; i++) {
      j = off + i * 4;
      w[i] = (p[j] << 24) | (p[j + 1] << 16) | (p[j + 2] << 8) | p[j + 3];
    }
    for (i = 16; i < 64; i++) {
      x = w[i - 15]; y = w[i - 2];
      w[i] = (w[i - 16] + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) +
              w[i - 7] + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    }
    var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7], t1, t2;
    for (i = 0; i < 64; i++) {
      t1 = (k + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
            ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
            ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
  };
  Sha256.prototype.digest = function () {
    var len = this.length, r = len % 64;
    var pad = new Uint8Array((r < 56 ? 56 - r : 120 - r) + 8);  // 0x80, zeros, 64-bit length
    pad[0] = 0x80;
    var hi = Math.floor(len / 0x20000000), lo = (len % 0x20000000) * 8, e = pad.length;
    pad[e - 8] = hi >>> 24; pad[e - 7] = hi >>> 16; pad[e - 6] = hi >>> 8; pad[e - 5] = hi;
    pad[e - 4] = lo >>> 24; pad[e - 3] = lo >>> 16; pad[e - 2] = lo >>> 8; pad[e - 1] = lo;
    this.update(pad);
    var out = new Uint8Array(32);
    for (var i = 0; i < 8; i++) {
      out[i * 4] = this.h[i] >>> 24; out[i * 4 + 1] = this.h[i] >>> 16;
      out[i * 4 + 2] = this.h[i] >>> 8; out[i * 4 + 3] = this.h[i];
    }
    return out;
  };
  function sha256(bytes) { return new Sha256().update(bytes).digest(); }

  // ------------------------------------------------------------------ HKDF and HPKE (RFC 9180)
  async function hmac(key, data) {
    // HMAC pads its key with zeros, so an empty key (HKDF's default salt) equals 32 zero bytes;
    // WebCrypto refuses zero-length HMAC keys, hence the substitution.
    var k = await subtle.importKey("raw", key.length ? key : new Uint8Array(32),
                                   { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await subtle.sign("HMAC", k, data));
  }
  function hkdfExtract(salt, ikm) { return hmac(salt, ikm); }
  async function hkdfExpand(prk, info, length) {
    var out = [], prev = new Uint8Array(0), n = Math.ceil(length / 32);
    for (var i = 1; i <= n; i++) {
      prev = await hmac(prk, concat([prev, info, new Uint8Array([i])]));
      out.push(prev);
    }
    return concat(out).subarray(0, length);
  }
  var HPKE_V1 = te.encode("HPKE-v1");
  var KEM_SUITE = concat([te.encode("KEM"), u16(0x0010)]);
  var HPKE_SUITE = concat([te.encode("HPKE"), u16(0x0010), u16(0x0001), u16(0x0002)]);
  function labeledExtract(salt, label, ikm, suite) {
    return hkdfExtract(salt, concat([HPKE_V1, suite, te.encode(label), ikm]));
  }
  function labeledExpand(prk, label, info, length, suite) {
    return hkdfExpand(prk, concat([u16(length), HPKE_V1, suite, te.encode(label), info]), length);
  }
  var EMPTY = new Uint8Array(0);

  async function kemSharedSecret(dh, enc, pkRm) {
    var eaePrk = await labeledExtract(EMPTY, "eae_prk", dh, KEM_SUITE);
    return labeledExpand(eaePrk, "shared_secret", concat([enc, pkRm]), 32, KEM_SUITE);
  }
  /* Key schedule, base mode: returns {key (CryptoKey AES-GCM), baseNonce}. */
  async function keySchedule(sharedSecret, info) {
    var pskIdHash = await labeledExtract(EMPTY, "psk_id_hash", EMPTY, HPKE_SUITE);
    var infoHash = await labeledExtract(EMPTY, "info_hash", info, HPKE_SUITE);
    var context = concat([new Uint8Array([0]), pskIdHash, infoHash]);
    var secret = await labeledExtract(sharedSecret, "secret", EMPTY, HPKE_SUITE);
    var key = await labeledExpand(secret, "key", context, 32, HPKE_SUITE);
    var baseNonce = await labeledExpand(secret, "base_nonce", context, 12, HPKE_SUITE);
    return { key: await aesKey(key), baseNonce: baseNonce };
  }
  function aesKey(raw) {
    return subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  }
  function importP256Public(raw) {
    return subtle.importKey("raw", raw, { name: "ECDH", namedCurve: "P-256" }, true, []);
  }
  /* HPKE SetupBaseS + one Seal (sequence 0). */
  async function hpkeSeal(pkRm, info, plaintext, aad) {
    var pkR = await importP256Public(pkRm);
    var eph = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    var enc = new Uint8Array(await subtle.exportKey("raw", eph.publicKey));
    var dh = new Uint8Array(await subtle.deriveBits({ name: "ECDH", public: pkR }, eph.privateKey, 256));
    var ctx = await keySchedule(await kemSharedSecret(dh, enc, pkRm), info);
    var params = { name: "AES-GCM", iv: ctx.baseNonce, tagLength: 128 };
    if (aad && aad.length) params.additionalData = aad;
    var ct = new Uint8Array(await subtle.encrypt(params, ctx.key, plaintext));
    return { enc: enc, ciphertext: ct };
  }
  /* HPKE SetupBaseR + one Open (sequence 0). skR: ECDH CryptoKey; pkRm: its raw public key. */
  async function hpkeOpen(skR, pkRm, enc, info, ciphertext, aad) {
    var pkE = await importP256Public(enc);
    var dh = new Uint8Array(await subtle.deriveBits({ name: "ECDH", public: pkE }, skR, 256));
    var ctx = await keySchedule(await kemSharedSecret(dh, enc, pkRm), info);
    var params = { name: "AES-GCM", iv: ctx.baseNonce, tagLength: 128 };
    if (aad && aad.length) params.additionalData = aad;
    return new Uint8Array(await subtle.decrypt(params, ctx.key, ciphertext));
  }
  /* An ECDH private key from its 32-byte scalar and 65-byte uncompressed public point. */
  function importP256Private(scalar, publicRaw) {
    var jwk = { kty: "EC", crv: "P-256", d: b64url(scalar), x: b64url(publicRaw.subarray(1, 33)),
                y: b64url(publicRaw.subarray(33, 65)), ext: false };
    return subtle.importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  }

  // ------------------------------------------------------------------ the envelope
  async function segmentKeys(fileKey, prefixDigest) {
    var prk = await hkdfExtract(prefixDigest, fileKey);
    var key = await hkdfExpand(prk, te.encode("ggzy-envelope/1 segment key"), 32);
    var noncePrefix = await hkdfExpand(prk, te.encode("ggzy-envelope/1 nonce prefix"), 7);
    return { key: await aesKey(key), noncePrefix: noncePrefix };
  }
  function segmentNonce(prefix, index, final) {
    return concat([prefix, u32(index), new Uint8Array([final ? 1 : 0])]);
  }
  function hpkeInfo(fixed) {
    return concat([te.encode("ggzy-envelope/1\u0000"), sha256(fixed)]);
  }
  function bidderInfo(fixed) {
    return concat([te.encode("ggzy-envelope-bidder/1\u0000"), sha256(fixed)]);
  }
  function xor(a, b) {
    var out = new Uint8Array(a.length);
    for (var i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
    return out;
  }
  function headerBytes(h) {
    // Keys in sorted order and no spaces: byte-identical to Python's json.dumps(sort_keys=True).
    // bidder_key_id is undefined (so left out) except in the bidder-decrypts suite.
    return te.encode(JSON.stringify({
      bidder_id: h.bidder_id, bidder_key_id: h.bidder_key_id, key_id: h.key_id, plaintext_length: h.plaintext_length,
      plaintext_sha256: h.plaintext_sha256, section_id: h.section_id,
      segment_size: h.segment_size, suite: h.suite, tender_id: h.tender_id }));
  }
  async function readSlice(blob, start, end) {
    return new Uint8Array(await blob.slice(start, end).arrayBuffer());
  }
  function progress(cb, phase, done, total) { if (cb) cb({ phase: phase, done: done, total: total }); }

  async function sealFile(file, options) {
    var o = options || {};
    var ids = { tender_id: o.tenderId, section_id: o.sectionId, bidder_id: o.bidderId, key_id: o.keyId };
    Object.keys(ids).forEach(function (name) {
      if (typeof ids[name] !== "string" || !ID_RE.test(ids[name])) throw new Error("invalid " + name + ": " + ids[name]);
    });
    var segmentSize = o.segmentSize || DEFAULT_SEGMENT;
    if (!(Number.isInteger(segmentSize) && segmentSize >= 64 && segmentSize <= (1 << 24))) {
      throw new Error("segmentSize must be an integer from 64 to 16 MiB");
    }
    var pkRm = b64decode(o.openingPublicKeyB64);
    if (pkRm.length !== 65 || pkRm[0] !== 4) throw new Error("the opening public key must be a 65-byte P-256 point");
    // The key id is the start of the key's SHA-256 (set by the custody ceremony): a page that
    // shows a key and an id that do not belong together must not be trusted with a bid.
    if (ids.key_id !== hex(sha256(pkRm)).slice(0, 32)) {
      throw new Error("开标公钥与其编号不符，请勿投标并联系交易中心 / the opening key does not match its key id; do not bid, contact the trading center");
    }
    var pkB = null;
    if (o.bidderPublicKeyB64) {
      pkB = b64decode(o.bidderPublicKeyB64);
      if (pkB.length !== 65 || pkB[0] !== 4) throw new Error("the bidder's decryption key must be a 65-byte P-256 point");
    }
    var total = file.size;
    if (total === 0) throw new Error("投标文件为空 / the bid file is empty");

    // Pass 1: the plaintext digest goes into the header.
    var plainHash = new Sha256(), off;
    for (off = 0; off < total; off += segmentSize) {
      plainHash.update(await readSlice(file, off, Math.min(total, off + segmentSize)));
      progress(o.onProgress, "hash", Math.min(total, off + segmentSize), total);
    }
    var header = { suite: pkB ? SUITE_BD : SUITE, tender_id: ids.tender_id, section_id: ids.section_id,
                   bidder_id: ids.bidder_id, key_id: ids.key_id, segment_size: segmentSize,
                   plaintext_length: total, plaintext_sha256: hex(plainHash.digest()),
                   bidder_key_id: pkB ? hex(sha256(pkB)).slice(0, 32) : undefined };
    var hb = headerBytes(header);
    var fixed = concat([MAGIC, new Uint8Array([pkB ? VERSION_BD : VERSION]), u16(hb.length), hb]);
    var fileKey = global.crypto.getRandomValues(new Uint8Array(32));
    var prefix;
    if (pkB) {
      var bidderHalf = global.crypto.getRandomValues(new Uint8Array(32));
      var sealedP = await hpkeSeal(pkRm, hpkeInfo(fixed), xor(fileKey, bidderHalf), null);
      var sealedB = await hpkeSeal(pkB, bidderInfo(fixed), bidderHalf, null);
      bidderHalf.fill(0);
      prefix = concat([fixed, sealedP.enc, sealedP.ciphertext, sealedB.enc, sealedB.ciphertext]);
    } else {
      var sealedKey = await hpkeSeal(pkRm, hpkeInfo(fixed), fileKey, null);
      prefix = concat([fixed, sealedKey.enc, sealedKey.ciphertext]);
    }
    var aad = sha256(prefix);
    var keys = await segmentKeys(fileKey, aad);
    fileKey.fill(0);

    // Pass 2: encrypt one segment at a time; each sealed segment goes straight into a Blob.
    var envHash = new Sha256().update(prefix);
    var parts = [new Blob([prefix])];
    var size = prefix.length;
    var n = Math.ceil(total / segmentSize);
    for (var i = 0; i < n; i++) {
      var final = i === n - 1;
      var plain = await readSlice(file, i * segmentSize, Math.min(total, (i + 1) * segmentSize));
      var ct = new Uint8Array(await subtle.encrypt(
        { name: "AES-GCM", iv: segmentNonce(keys.noncePrefix, i, final), additionalData: aad, tagLength: 128 },
        keys.key, plain));
      var flag = new Uint8Array([final ? 1 : 0]);
      envHash.update(flag); envHash.update(ct);
      parts.push(new Blob([flag, ct]));
      size += 1 + ct.length;
      progress(o.onProgress, "encrypt", Math.min(total, (i + 1) * segmentSize), total);
    }
    return { blob: new Blob(parts, { type: "application/octet-stream" }),
             envelopeSha256: hex(envHash.digest()), plaintextSha256: header.plaintext_sha256,
             envelopeSize: size };
  }

  function fail(zh, en) { return new Error(zh + " / " + en); }

  async function openEnvelope(source, keys) {
    var blob = source instanceof Blob ? source : new Blob([source]);
    var envHash = new Sha256();
    var parsed = await readPrefix(blob);
    var fixed = parsed.fixed, header = parsed.header, keyPart = parsed.keyPart;
    var enc = keyPart.subarray(0, ENC_LEN);
    var pkRm = b64decode(keys.publicKeyB64);
    var skR = await importP256Private(b64decode(keys.privateKeyB64), pkRm);
    var fileKey;
    try {
      fileKey = await hpkeOpen(skR, pkRm, enc, hpkeInfo(fixed), keyPart.subarray(ENC_LEN, ENC_LEN + SEALED_KEY_LEN), null);
    } catch (e) {
      throw fail("无法解开文件密钥", "cannot unseal the file key");
    }
    if (parsed.version === VERSION_BD) {
      if (!keys.bidderHalfB64) throw fail("缺少投标人的密钥半份", "the bidder's key half is missing");
      fileKey = xor(fileKey, b64decode(keys.bidderHalfB64));
    }
    var prefix = concat([fixed, keyPart]);
    envHash.update(prefix);
    var aad = sha256(prefix);
    var sk = await segmentKeys(fileKey, aad);
    var n = Math.ceil(header.plaintext_length / header.segment_size);
    var pos = prefix.length, out = [], plainHash = new Sha256(), written = 0;
    for (var i = 0; i < n; i++) {
      var final = i === n - 1;
      var len = final ? header.plaintext_length - written : header.segment_size;
      var frame = await readSlice(blob, pos, pos + 1 + len + TAG_LEN);
      if (frame.length < 1 + len + TAG_LEN) throw fail("信封被截断", "the envelope is truncated");
      if (frame[0] !== (final ? 1 : 0)) throw fail("分段标志错误", "wrong segment flag");
      var plain;
      try {
        plain = new Uint8Array(await subtle.decrypt(
          { name: "AES-GCM", iv: segmentNonce(sk.noncePrefix, i, final), additionalData: aad, tagLength: 128 },
          sk.key, frame.subarray(1)));
      } catch (e) {
        throw fail("第 " + (i + 1) + " 段认证失败", "segment " + (i + 1) + " fails authentication");
      }
      envHash.update(frame);
      plainHash.update(plain);
      out.push(new Blob([plain]));
      written += len; pos += frame.length;
    }
    if (pos !== blob.size) throw fail("信封末尾有多余数据", "trailing bytes after the final segment");
    if (hex(plainHash.digest()) !== header.plaintext_sha256) throw fail("明文摘要不符", "plaintext digest mismatch");
    return { header: header, plaintext: new Blob(out), envelopeSha256: hex(envHash.digest()) };
  }

  /* The prefix of a v1 or v2 envelope: {version, fixed, header, keyPart (1 or 2 slots)}. */
  async function readPrefix(blob) {
    var fixedHead = await readSlice(blob, 0, 11);
    if (fixedHead.length < 11 || !equal(fixedHead.subarray(0, 8), MAGIC)) throw fail("不是加密的投标文件", "not an encrypted bid envelope");
    var version = fixedHead[8];
    if (version !== VERSION && version !== VERSION_BD) throw fail("不支持的信封版本", "unsupported envelope version");
    var hl = (fixedHead[9] << 8) | fixedHead[10];
    var fixed = await readSlice(blob, 0, 11 + hl);
    var header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fixed.subarray(11)));
    if (header.suite !== (version === VERSION_BD ? SUITE_BD : SUITE)) throw fail("不支持的加密套件", "unsupported suite");
    var slots = version === VERSION_BD ? 2 : 1;
    var keyPart = await readSlice(blob, 11 + hl, 11 + hl + slots * (ENC_LEN + SEALED_KEY_LEN));
    return { version: version, fixed: fixed, header: header, keyPart: keyPart };
  }

  /* A fresh P-256 key for the bidder-decrypts mode; the bidder must keep it (download). */
  async function generateBidderKey() {
    var pair = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    var jwk = await subtle.exportKey("jwk", pair.privateKey);
    var pub = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
    var d = b64decode(jwk.d.replace(/-/g, "+").replace(/_/g, "/") + "=");
    return { format: "ggzy-bidder-decrypt-key/1", privateKeyB64: b64encode(d),
             publicKeyB64: b64encode(pub), keyId: hex(sha256(pub)).slice(0, 32) };
  }

  /* The bidder's half of the file key, unsealed with its own key (what POST .../halves takes). */
  async function openBidderHalf(source, keys) {
    var blob = source instanceof Blob ? source : new Blob([source]);
    var parsed = await readPrefix(blob);
    if (parsed.version !== VERSION_BD) throw fail("该信封不是“投标人解密”方式", "not a bidder-decrypts envelope");
    var pkB = b64decode(keys.publicKeyB64);
    if (parsed.header.bidder_key_id !== hex(sha256(pkB)).slice(0, 32)) {
      throw fail("该信封是用另一把投标人密钥加密的", "the envelope was sealed to another bidder key");
    }
    var skB = await importP256Private(b64decode(keys.privateKeyB64), pkB);
    var slot = parsed.keyPart.subarray(ENC_LEN + SEALED_KEY_LEN);
    try {
      return b64encode(await hpkeOpen(skB, pkB, slot.subarray(0, ENC_LEN), bidderInfo(parsed.fixed),
                                      slot.subarray(ENC_LEN), null));
    } catch (e) {
      throw fail("无法解开投标人的密钥半份", "cannot unseal the bidder's key half");
    }
  }

  // ------------------------------------------------------------------ upload
  /* A refusal without problem details (a proxy's page, say): the status in words. */
  function statusMessage(status) {
    var en = document.documentElement.lang === "en";
    var words = {
      401: ["登录已过期，请重新登录", "you are signed out; sign in again"],
      403: ["您无权执行此操作", "you may not do this"],
      404: ["地址不存在", "not found"],
      409: ["当前状态不允许此操作", "not allowed in the current state"],
      413: ["文件超过大小上限", "the file exceeds the size limit"],
      429: ["请求过于频繁，请稍后再试", "too many requests; try again later"]
    }[status] || ["服务器未能处理请求（" + status + "），请稍后再试",
                  "the server could not handle the request (" + status + "); try again later"];
    return en ? words[1] : words[0];
  }

  function upload(url, blob, csrfToken, onProgress, options) {
    var o = options || {};
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(o.method || "PUT", url);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      // Refusals come back as problem details (application/problem+json), not an HTML page.
      xhr.setRequestHeader("Accept", "application/json");
      if (csrfToken) xhr.setRequestHeader("X-CSRFToken", csrfToken);
      var headers = o.headers || {};
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      xhr.responseType = "text";
      xhr.upload.onprogress = function (event) {
        if (onProgress) onProgress({ phase: "upload", done: event.loaded, total: event.lengthComputable ? event.total : blob.size });
      };
      xhr.onload = function () {
        var body = null;
        try { body = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch (e) { body = xhr.responseText; }
        if (xhr.status >= 200 && xhr.status < 300) { resolve(body); return; }
        var message = (body && typeof body === "object" && (body.detail || body.title)) ||
          statusMessage(xhr.status);
        var error = new Error(message);
        error.status = xhr.status; error.body = body;
        // 503: the database or the queue is briefly away; the caller may retry after this.
        error.retryAfter = parseFloat(xhr.getResponseHeader("Retry-After")) || null;
        reject(error);
      };
      xhr.onerror = function () {
        var error = new Error("网络错误，上传未完成 / network error, the upload did not complete");
        error.status = 0; reject(error);
      };
      xhr.send(blob);
    });
  }

  global.GgzySeal = {
    SUITE: SUITE,
    SUITE_BD: SUITE_BD,
    sealFile: sealFile,
    openEnvelope: openEnvelope,
    generateBidderKey: generateBidderKey,
    openBidderHalf: openBidderHalf,
    upload: upload,
    // Shared with share-open.js (and useful for tests); not a stable public interface.
    _internal: { Sha256: Sha256, sha256: sha256, hex: hex, b64encode: b64encode, b64decode: b64decode,
                 b64url: b64url, concat: concat, lengthPrefixed: lengthPrefixed, hpkeOpen: hpkeOpen,
                 hpkeSeal: hpkeSeal, importP256Private: importP256Private, te: te }
  };
})(window);
