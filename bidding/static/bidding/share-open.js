/*
 * A custodian opens its sealed share of a tender's opening key in its own browser and signs
 * the submission; the key file and the passphrase never leave the page.
 * Needs seal.js loaded first (it shares the HPKE code).
 *
 * Key file: the same JSON file that `ggzy custody keygen` writes (format
 * "ggzy-custodian-key/1"): PBKDF2-SHA256 + AES-256-GCM (AAD "ggzy-custodian-key/1") around
 * {"hpke_private_key": b64 P-256 scalar, "signing_private_key": b64 Ed25519 seed}.
 *
 * API (window.GgzyShareOpen):
 *   loadKeyFile(text, passphrase) -> Promise<{hpkeKey, signingKey, publicDocument}>
 *   openShare(keys, {sealedShareB64, tenderId, custodianId}) -> Promise<Uint8Array share>
 *   signSubmission(keys, share, tenderId, custodianId) -> Promise<Uint8Array signature>
 *   openAndSign(keyFileText, passphrase, {sealedShareB64, tenderId, custodianId})
 *     -> Promise<{share_b64, signature_b64}>   (the body of POST .../shares)
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

  async function openShare(keys, o) {
    var sealed = I.b64decode(o.sealedShareB64);
    if (sealed.length !== 1 + 65 + 33 + 16 || sealed[0] !== 1) throw fail("密封份额格式无效", "invalid sealed share");
    var info = I.concat([I.te.encode("ggzy-share/1\u0000"),
                         I.lengthPrefixed([I.te.encode(o.tenderId), I.te.encode(o.custodianId)])]);
    try {
      return await I.hpkeOpen(keys.hpkeKey, keys.hpkePublic, sealed.subarray(1, 66), info, sealed.subarray(66), null);
    } catch (e) {
      throw fail("无法解开份额：不是本人、本项目的份额，或密钥不符",
                 "cannot open the share: not sealed to this custodian for this tender, or the wrong key");
    }
  }

  async function signSubmission(keys, share, tenderId, custodianId) {
    var message = I.concat([I.te.encode("ggzy-share-submission/1\u0000"),
                            I.lengthPrefixed([I.te.encode(tenderId), I.te.encode(custodianId), share])]);
    return new Uint8Array(await subtle.sign({ name: "Ed25519" }, keys.signingKey, message));
  }

  async function openAndSign(keyFileText, passphrase, o) {
    var keys = await loadKeyFile(keyFileText, passphrase);
    var share = await openShare(keys, o);
    var signature = await signSubmission(keys, share, o.tenderId, o.custodianId);
    return { share_b64: I.b64encode(share), signature_b64: I.b64encode(signature) };
  }

  global.GgzyShareOpen = { loadKeyFile: loadKeyFile, openShare: openShare,
                           signSubmission: signSubmission, openAndSign: openAndSign };
})(window);
