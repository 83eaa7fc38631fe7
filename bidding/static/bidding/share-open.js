/*
 * After the deadline a custodian derives its share of a tender's opening key in its own
 * browser from the public key-ceremony transcript (docs/dkg.md: it opens the shares dealt to
 * it and adds them up) and signs the submission; the key file and the passphrase never leave
 * the page.
 * Needs seal.js loaded first (it shares the HPKE code).
 *
 * Key file: the same JSON file that `ggzy custody keygen` writes (format
 * "ggzy-custodian-key/1"): PBKDF2-SHA256 + AES-256-GCM (AAD "ggzy-custodian-key/1") around
 * {"hpke_private_key": b64 P-256 scalar, "signing_private_key": b64 Ed25519 seed}.
 *
 * API (window.GgzyShareOpen):
 *   loadKeyFile(text, passphrase) -> Promise<{hpkeKey, signingKey, publicDocument}>
 *   shareFromTranscript(keys, transcript) -> Promise<{share, custodianId, tenderId}>
 *   signSubmission(keys, share, tenderId, custodianId) -> Promise<Uint8Array signature>
 *   openAndSign(keyFileText, passphrase, transcript)
 *     -> Promise<{share_b64, signature_b64, custodian_id}>   (the body of POST .../shares)
 */
(function (global) {
  "use strict";

  var subtle = global.crypto.subtle;
  var I = global.GgzySeal._internal;
  var FORMAT = "ggzy-custodian-key/1";

  function fail(zh, en) { return new Error(zh + " / " + en); }

  async function loadKeyFile(text, passphrase) {
    var doc;
    try { doc = JSON.parse(text); } catch (e) { throw fail("不是有效的保管人密钥文件", "not a valid custodian key file"); }
    if (!doc || doc.format !== FORMAT || !doc.kdf || doc.kdf.name !== "PBKDF2-SHA256" ||
        !doc.cipher || doc.cipher.name !== "AES-256-GCM") {
      throw fail("不是有效的保管人密钥文件", "not a valid custodian key file");
    }
    var base = await subtle.importKey("raw", I.te.encode(String(passphrase).normalize("NFC")),
                                      "PBKDF2", false, ["deriveBits"]);
    var bits = await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: I.b64decode(doc.kdf.salt),
                                         iterations: doc.kdf.iterations }, base, 256);
    var aes = await subtle.importKey("raw", bits, { name: "AES-GCM" }, false, ["decrypt"]);
    var secret;
    try {
      secret = JSON.parse(new TextDecoder().decode(await subtle.decrypt(
        { name: "AES-GCM", iv: I.b64decode(doc.cipher.iv), additionalData: I.te.encode(FORMAT), tagLength: 128 },
        aes, I.b64decode(doc.ciphertext))));
    } catch (e) {
      throw fail("口令错误或密钥文件已损坏", "wrong passphrase or damaged key file");
    }
    var hpkePublic = I.b64decode(doc.public.hpke_public_key);
    var signingPublic = I.b64decode(doc.public.signing_public_key);
    var hpkeKey = await I.importP256Private(I.b64decode(secret.hpke_private_key), hpkePublic);
    var signingKey = await subtle.importKey(
      "jwk", { kty: "OKP", crv: "Ed25519", d: I.b64url(I.b64decode(secret.signing_private_key)),
               x: I.b64url(signingPublic), ext: false },
      { name: "Ed25519" }, false, ["sign"]);
    return { hpkeKey: hpkeKey, hpkePublic: hpkePublic, signingKey: signingKey, publicDocument: doc.public };
  }

  var Q = BigInt("0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

  function bytesToBig(bytes) {
    var value = BigInt(0);
    for (var i = 0; i < bytes.length; i++) value = (value << BigInt(8)) | BigInt(bytes[i]);
    return value;
  }

  function bigTo32(value) {
    var out = new Uint8Array(32);
    for (var i = 31; i >= 0; i--) { out[i] = Number(value & BigInt(255)); value >>= BigInt(8); }
    return out;
  }

  function uint(value, size) {
    var out = new Uint8Array(size);
    for (var i = size - 1; i >= 0; i--) { out[i] = value & 255; value = Math.floor(value / 256); }
    return out;
  }

  function fromHex(text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }

  // docs/dkg.md: info_ij binds tender, ceremony, round, dealer, recipient and roster digest.
  function shareInfo(ceremony, digestHex, dealer, recipient) {
    return I.concat([I.te.encode("ggzy-dkg-share/1\u0000"), I.lengthPrefixed([
      I.te.encode(ceremony.tender_id), I.te.encode(ceremony.ceremony_id), uint(ceremony.round, 4),
      uint(dealer, 2), uint(recipient, 2), fromHex(digestHex)])]);
  }

  function myIndex(transcript, keys) {
    var mine = I.b64encode(keys.hpkePublic);
    var found = transcript.ceremony.custodians.filter(function (c) { return c.hpke_public_key === mine; });
    if (found.length !== 1) throw fail("您的密钥不在本项目的保管人名单中", "your key is not on this tender's roster");
    return found[0];
  }

  async function openDealt(keys, transcript, contribution, index) {
    var sealed = I.b64decode(contribution.sealed_shares[index - 1]);
    if (sealed.length !== 114 || sealed[0] !== 1) throw fail("密封份额格式无效", "invalid sealed share");
    var info = shareInfo(transcript.ceremony, contribution.ceremony, contribution.dealer, index);
    return await I.hpkeOpen(keys.hpkeKey, keys.hpkePublic, sealed.subarray(1, 66), info, sealed.subarray(66), null);
  }

  // x_j = Σ_{i∈QUAL} s_ij mod q: each s_ij opened here, or revealed after a complaint. The
  // platform checks the result against this custodian's public share point on submission.
  async function shareFromTranscript(keys, transcript) {
    var me = myIndex(transcript, keys);
    var total = BigInt(0);
    for (var n = 0; n < transcript.qual.length; n++) {
      var dealer = transcript.qual[n];
      var contribution = transcript.contributions.filter(function (c) { return c.dealer === dealer; })[0];
      var revealed = transcript.reveals.filter(function (r) { return r.dealer === dealer && r.recipient === me.index; });
      var share;
      if (revealed.length) {
        share = I.b64decode(revealed[0].share);
      } else {
        try {
          share = await openDealt(keys, transcript, contribution, me.index);
        } catch (e) {
          throw fail("无法解开第 " + dealer + " 号保管人发来的份额，请改用 ggzy custody open-share",
                     "cannot open the share dealt by custodian " + dealer + "; use ggzy custody open-share");
        }
      }
      total = (total + bytesToBig(share)) % Q;
    }
    return { share: bigTo32(total), custodianId: me.custodian_id, tenderId: transcript.ceremony.tender_id };
  }

  async function signSubmission(keys, share, tenderId, custodianId) {
    var message = I.concat([I.te.encode("ggzy-share-submission/1\u0000"),
                            I.lengthPrefixed([I.te.encode(tenderId), I.te.encode(custodianId), share])]);
    return new Uint8Array(await subtle.sign({ name: "Ed25519" }, keys.signingKey, message));
  }

  async function openAndSign(keyFileText, passphrase, transcript) {
    var keys = await loadKeyFile(keyFileText, passphrase);
    var mine = await shareFromTranscript(keys, transcript);
    var signature = await signSubmission(keys, mine.share, mine.tenderId, mine.custodianId);
    return { share_b64: I.b64encode(mine.share), signature_b64: I.b64encode(signature),
             custodian_id: mine.custodianId };
  }

  global.GgzyShareOpen = { loadKeyFile: loadKeyFile, shareFromTranscript: shareFromTranscript,
                           signSubmission: signSubmission, openAndSign: openAndSign };
})(window);
