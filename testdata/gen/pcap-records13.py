#!/usr/bin/env python3
"""pcap-records13.py PCAP PORT [KEYLOG C2S S2C] [--cid C2SLEN,S2CLEN] [--list] — the
DTLS 1.3 (RFC 9147) records of a one-connection capture, for the pion-dtls13-*
captures that TShark 4.0 can neither decrypt nor parse (it does not know the
unified header). Used by mkpcaps-pion.sh.

Walks every UDP datagram (classic pcap, Ethernet + IPv4 + UDP; c2s = to
PORT): DTLSPlaintext records (13-byte header) and DTLSCiphertext records
with a unified header (first byte 001CSLEE; the CID length of each direction
comes from --cid, default 0,0: c2s records carry the CID the server asked
for). Prints per direction the datagrams, the plaintext records by content
type and handshake message, and the unified-header records by epoch bits,
sequence number width (8/16 bits), length field and CID length.

With KEYLOG (the client's NSS key log: CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET,
CLIENT_/SERVER_TRAFFIC_SECRET_0) it also removes the record number
encryption (RFC 9147 4.2.3), decrypts every unified-header record (epoch 2:
handshake secrets; 3: traffic secret 0; 4, 5, ...: the "traffic upd" chain
of KeyUpdates), and prints the inner content types per epoch (handshake
messages, ACK, alerts, application data), then compares the application
data each way with C2S / S2C. The cipher suite is read from the ServerHello.
Exits 1 if a record does not decrypt or the application bytes differ.
--list also prints every record in capture order (datagram number, direction,
epoch, record sequence number, what it holds).
"""
import hashlib
import hmac
import struct
import sys
from collections import Counter

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.ciphers.modes import ECB

SUITES = {  # id: (name, hash, key length, AEAD)
    0x1301: ("TLS_AES_128_GCM_SHA256", hashlib.sha256, 16, AESGCM),
    0x1302: ("TLS_AES_256_GCM_SHA384", hashlib.sha384, 32, AESGCM),
    0x1303: ("TLS_CHACHA20_POLY1305_SHA256", hashlib.sha256, 32, ChaCha20Poly1305),
}
CT = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data", 25: "tls12_cid", 26: "ack"}
HS = {1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket", 5: "EndOfEarlyData", 8: "EncryptedExtensions",
      11: "Certificate", 13: "CertificateRequest", 15: "CertificateVerify", 20: "Finished", 24: "KeyUpdate"}
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def expand_label(h, secret, label, length):
    full = b"dtls13" + label.encode()  # RFC 9147 5.9
    info = struct.pack(">HB", length, len(full)) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), h).digest()
        out += t
        i += 1
    return out[:length]


def datagrams(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 14 or frame[12:14] != b"\x08\x00":
            continue
        ihl = (frame[14] & 0x0F) * 4
        if frame[23] != 17:
            continue
        udp = frame[14 + ihl:]
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        yield sport, dport, udp[8:ulen]


class Keys:
    def __init__(self, suite, secret):
        name, self.h, klen, aead = SUITES[suite]
        self.aes = aead is AESGCM
        self.secret = secret
        self.aead = aead(expand_label(self.h, secret, "key", klen))
        self.iv = expand_label(self.h, secret, "iv", 12)
        self.sn = expand_label(self.h, secret, "sn", klen)

    def mask(self, sample):
        if self.aes:
            e = Cipher(algorithms.AES(self.sn), ECB()).encryptor()
            return e.update(sample[:16]) + e.finalize()
        e = Cipher(algorithms.ChaCha20(self.sn, sample[:16]), None).encryptor()  # counter LE || nonce
        return e.update(b"\x00" * 16)

    def next(self):
        n = self.h().digest_size
        return expand_label(self.h, self.secret, "traffic upd", n)


def main():
    args = sys.argv[1:]
    cidlen = {"c2s": 0, "s2c": 0}
    if "--cid" in args:
        i = args.index("--cid")
        a, b = args[i + 1].split(",")
        cidlen = {"c2s": int(a), "s2c": int(b)}
        del args[i:i + 2]
    listing = "--list" in args
    if listing:
        args.remove("--list")
    path, port = args[0], int(args[1])
    keylog = args[2] if len(args) > 2 else None
    want = {"c2s": open(args[3], "rb").read(), "s2c": open(args[4], "rb").read()} if len(args) > 4 else None

    secrets = {}
    if keylog:
        for line in open(keylog):
            f = line.split()
            if len(f) == 3:
                secrets[f[0]] = bytes.fromhex(f[2])

    dgrams = {"c2s": 0, "s2c": 0}
    uni_dgrams = {"c2s": 0, "s2c": 0}
    plain = {"c2s": Counter(), "s2c": Counter()}
    uni = {"c2s": Counter(), "s2c": Counter()}
    inner = {"c2s": Counter(), "s2c": Counter()}
    app = {"c2s": b"", "s2c": b""}
    suite = None
    keys = {}  # (dir, epoch) -> Keys
    nextseq = Counter()
    failures = 0

    def keys_for(d, epoch):
        if (d, epoch) in keys:
            return keys[(d, epoch)]
        side = "CLIENT" if d == "c2s" else "SERVER"
        if epoch == 2:
            s = secrets.get(side + "_HANDSHAKE_TRAFFIC_SECRET")
        elif epoch == 3:
            s = secrets.get(side + "_TRAFFIC_SECRET_0")
        else:
            prev = keys_for(d, epoch - 1)
            s = prev.next() if prev else None
        k = Keys(suite, s) if s and suite else None
        keys[(d, epoch)] = k
        return k

    ndg = 0

    def note(d, what):
        if listing:
            print("#%d %s %s" % (ndg, d, what))

    for sport, dport, p in datagrams(path):
        ndg += 1
        d = "c2s" if dport == port else "s2c"
        dgrams[d] += 1
        seen_uni = False
        while p:
            b0 = p[0]
            if b0 & 0xE0 == 0x20:
                seen_uni = True
                c = cidlen[d] if b0 & 0x10 else 0
                seqlen = 2 if b0 & 0x08 else 1
                hl = 1 + c + seqlen + (2 if b0 & 0x04 else 0)
                if b0 & 0x04:
                    n = struct.unpack(">H", p[hl - 2:hl])[0]
                else:
                    n = len(p) - hl
                hdr, body, p = bytearray(p[:hl]), p[hl:hl + n], p[hl + n:]
                ebits = b0 & 3
                uni[d]["epoch bits %d, %d-bit seq, %s, CID %d" % (
                    ebits, 8 * seqlen, "length" if b0 & 0x04 else "no length", c)] += 1
                if not secrets or suite is None:
                    continue
                ok = False
                for epoch in range(2, 12):
                    if epoch & 3 != ebits:
                        continue
                    k = keys_for(d, epoch)
                    if k is None:
                        continue
                    m = k.mask(body[:16])
                    h2 = bytearray(hdr)
                    for i in range(seqlen):
                        h2[1 + c + i] ^= m[i]
                    low = int.from_bytes(h2[1 + c:1 + c + seqlen], "big")
                    exp = nextseq[(d, epoch)]
                    span = 1 << (8 * seqlen)
                    seq = (exp & ~(span - 1)) | low
                    if seq + span // 2 < exp:
                        seq += span
                    elif seq > exp + span // 2 and seq >= span:
                        seq -= span
                    nonce = bytearray(k.iv)
                    for i, x in enumerate(seq.to_bytes(8, "big")):
                        nonce[4 + i] ^= x
                    try:
                        pt = k.aead.decrypt(bytes(nonce), body, bytes(h2))
                    except Exception:
                        continue
                    nextseq[(d, epoch)] = max(exp, seq + 1)
                    pt = pt.rstrip(b"\x00")
                    ct, content = pt[-1], pt[:-1]
                    ok = True
                    note(d, "unified epoch %d seq %d (bits %d, wire seq %d): %s, %d bytes" % (
                        epoch, seq, ebits, low, CT.get(ct, ct), len(content)))
                    if ct == 22:
                        q = content
                        while len(q) >= 12:
                            flen = int.from_bytes(q[9:12], "big")
                            inner[d]["epoch %d handshake %s%s" % (epoch, HS.get(q[0], q[0]),
                                     " (KeyUpdate request_update=%d)" % q[12] if q[0] == 24 else "")] += 1
                            q = q[12 + flen:]
                    elif ct == 21:
                        inner[d]["epoch %d alert %d/%d" % (epoch, content[0], content[1])] += 1
                    elif ct == 23:
                        inner[d]["epoch %d application_data" % epoch] += 1
                        app[d] += content
                    elif ct == 26:
                        nrec = struct.unpack(">H", content[:2])[0] // 16
                        acked = [struct.unpack(">QQ", content[2 + 16 * i:18 + 16 * i]) for i in range(nrec)]
                        inner[d]["epoch %d ack [%s]" % (epoch, " ".join("%d/%d" % e for e in acked))] += 1
                    else:
                        inner[d]["epoch %d %s" % (epoch, CT.get(ct, ct))] += 1
                    break
                if not ok:
                    failures += 1
                    inner[d]["epoch bits %d UNDECRYPTABLE" % ebits] += 1
            else:
                if len(p) < 13:
                    plain[d]["short %d bytes" % len(p)] += 1
                    break
                ct = b0
                epoch = struct.unpack(">H", p[3:5])[0]
                n = struct.unpack(">H", p[11:13])[0]
                frag, p = p[13:13 + n], p[13 + n:]
                label = "epoch %d %s" % (epoch, CT.get(ct, ct))
                if ct == 22 and len(frag) >= 12:
                    t = frag[0]
                    name = HS.get(t, str(t))
                    if t == 2 and frag[14:46] == HRR_RANDOM:
                        name = "HelloRetryRequest"
                    if t == 2 and len(frag) > 47:
                        sidlen = frag[46]
                        s = struct.unpack(">H", frag[47 + sidlen:49 + sidlen])[0]
                        if name == "ServerHello" or suite is None:
                            suite = s
                    label += " " + name
                plain[d][label] += 1
                note(d, "plaintext " + label)
        if seen_uni:
            uni_dgrams[d] += 1

    if suite is not None:
        print("cipher suite %s" % SUITES.get(suite, (hex(suite),))[0])
    for d in ("c2s", "s2c"):
        print("%s: %d datagrams, %d with unified-header records" % (d, dgrams[d], uni_dgrams[d]))
        for k, v in sorted(plain[d].items()):
            print("%s:   plaintext %s x%d" % (d, k, v))
        for k, v in sorted(uni[d].items()):
            print("%s:   unified header, %s x%d" % (d, k, v))
        for k, v in sorted(inner[d].items()):
            print("%s:   decrypted %s x%d" % (d, k, v))
    bad = failures > 0
    if want is not None and secrets:
        for d in ("c2s", "s2c"):
            same = app[d] == want[d]
            bad |= not same
            print("%s: decrypted application data %d bytes, %s %s (%d bytes)" % (
                d, len(app[d]), "equals" if same else "DIFFERS FROM", d, len(want[d])))
    if failures:
        print("%d records did not decrypt" % failures)
    sys.exit(1 if bad else 0)


main()
