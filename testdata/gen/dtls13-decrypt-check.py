#!/usr/bin/env python3
"""dtls13-decrypt-check.py PCAP KEYLOG [C2S S2C] — an independent check of a
DTLS 1.3 (RFC 9147) capture that TShark 4.0 cannot decrypt: every record
decrypts with the NSS key log, and (with C2S / S2C) the application data
each side sent is exactly those files. Used by mkpcaps-dtls13.sh.

Reads classic pcap, Ethernet + IPv4 + UDP, one connection (the client is the
sender of the first datagram). DTLSPlaintext records (epoch 0) are read in
clear; DTLSCiphertext records (unified header, RFC 9147 4) are decrypted:
record number encryption (4.2.3: AES-ECB or ChaCha20 with the "sn" key),
AEAD nonce from the 64-bit record sequence number alone (RFC 9147 4: unlike
DTLS 1.2, the epoch is not included), additional data the
unified header with the sequence number bits in clear (as wolfSSL does:
record number encryption comes after the AEAD), labels "dtls13"+label (5.9), epochs 2
(handshake), 3 (traffic_0), 4... (KeyUpdate: "traffic upd"). Connection IDs
(RFC 9146, C bit) are skipped with the lengths the client's ClientHello and
the server's ServerHello (or EncryptedExtensions) announce (extension 54).

Prints per direction and epoch the records (unified-header ones decrypted),
their content types, handshake messages, ACKs (with the record numbers they
acknowledge) and alerts; exits 1 if anything failed to decrypt or the data
differs.
"""
import hashlib
import hmac
import struct
import sys
from collections import Counter, defaultdict

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

SUITES = {0x1301: ("gcm", 16, hashlib.sha256), 0x1302: ("gcm", 32, hashlib.sha384),
          0x1303: ("chacha", 32, hashlib.sha256)}
CT = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data", 25: "tls12_cid", 26: "ack"}
HS = {1: "client_hello", 2: "server_hello", 4: "new_session_ticket", 8: "encrypted_extensions",
      11: "certificate", 13: "certificate_request", 15: "certificate_verify", 20: "finished", 24: "key_update"}
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def expand_label(h, secret, label, length):
    full = b"dtls13" + label.encode()
    info = struct.pack(">HB", length, len(full)) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), h).digest()
        out += t
        i += 1
    return out[:length]


class Keys:
    def __init__(self, secret, suite):
        self.secret, self.suite = secret, suite
        kind, klen, h = SUITES[suite]
        self.kind, self.h = kind, h
        key = expand_label(h, secret, "key", klen)
        self.iv = expand_label(h, secret, "iv", 12)
        self.sn = expand_label(h, secret, "sn", klen)
        self.aead = AESGCM(key) if kind == "gcm" else ChaCha20Poly1305(key)

    def mask(self, sample):
        if self.kind == "gcm":
            e = Cipher(algorithms.AES(self.sn), modes.ECB()).encryptor()
        else:  # RFC 9147 4.2.3: counter = sample[0:4] (little endian), nonce = sample[4:16]
            e = Cipher(algorithms.ChaCha20(self.sn, sample[:16]), None).encryptor()
            return e.update(b"\x00" * 16)
        return e.update(sample[:16]) + e.finalize()

    def next(self):
        return Keys(expand_label(self.h, self.secret, "traffic upd", self.h().digest_size), self.suite)


def datagrams(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    i = 24
    while i + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[i:i + 16])
        pkt = data[i + 16:i + 16 + incl]
        i += 16 + incl
        if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 17:
            continue
        src, dst = ip[12:16], ip[16:20]
        udp = ip[ihl:]
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        yield (src, sport), (dst, dport), udp[8:ulen]


def read_keylog(path):
    keys = {}
    for line in open(path):
        p = line.split()
        if len(p) == 3:
            keys[p[0]] = bytes.fromhex(p[2])
    return keys


def extensions(body, off):
    """Yields (type, data) of a ClientHello/ServerHello/EE extension block at off."""
    n = struct.unpack(">H", body[off:off + 2])[0]
    off += 2
    end = off + n
    while off + 4 <= end:
        t, l = struct.unpack(">HH", body[off:off + 4])
        yield t, body[off + 4:off + 4 + l]
        off += 4 + l


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    secrets = read_keylog(sys.argv[2])
    want = {}
    if len(sys.argv) == 5:
        want = {"c2s": open(sys.argv[3], "rb").read(), "s2c": open(sys.argv[4], "rb").read()}
    client = None
    suite = None
    cidlen = {"c2s": None, "s2c": None}  # CID length in records of that direction
    epochs = {"c2s": {}, "s2c": {}}  # epoch -> Keys
    nextseq = defaultdict(int)  # (dir, epoch) -> next expected seq
    app = {"c2s": b"", "s2c": b""}
    stats = defaultdict(Counter)  # (dir, epoch) -> Counter of what
    acks, hsmsgs, alerts, fails = [], [], [], 0
    frag = defaultdict(bytes)  # (dir, msg_seq) -> reassembled handshake body prefix

    def handshake(d, epoch, payload):
        nonlocal suite
        off = 0
        while off + 12 <= len(payload):
            t = payload[off]
            ln = int.from_bytes(payload[off + 1:off + 4], "big")
            mseq = struct.unpack(">H", payload[off + 4:off + 6])[0]
            foff = int.from_bytes(payload[off + 6:off + 9], "big")
            flen = int.from_bytes(payload[off + 9:off + 12], "big")
            fr = payload[off + 12:off + 12 + flen]
            off += 12 + flen
            name = HS.get(t, str(t))
            if t == 2 and fr[2:34] == HRR_RANDOM:
                name = "hello_retry_request"
            hsmsgs.append((d, epoch, name, mseq, foff, flen, ln))
            if foff == len(frag[d, mseq]):
                frag[d, mseq] += fr
            body = frag[d, mseq]
            if len(body) < ln:
                continue
            if t == 1:  # ClientHello: the CID the client wants to receive
                sid = body[34]
                o = 35 + sid
                o += 1 + body[o]  # legacy_cookie
                o += 2 + struct.unpack(">H", body[o:o + 2])[0]
                o += 1 + body[o]
                for et, ed in extensions(body, o):
                    if et == 54:
                        cidlen["s2c"] = ed[0]
            elif t == 2:
                sid = body[34]
                suite = struct.unpack(">H", body[35 + sid:37 + sid])[0]
                for et, ed in extensions(body, 38 + sid):
                    if et == 54:  # the CID the server wants to receive (RFC 9147 9)
                        cidlen["c2s"] = ed[0]
                if name == "server_hello":
                    epochs["c2s"][2] = Keys(secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"], suite)
                    epochs["s2c"][2] = Keys(secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"], suite)
                    epochs["c2s"][3] = Keys(secrets["CLIENT_TRAFFIC_SECRET_0"], suite)
                    epochs["s2c"][3] = Keys(secrets["SERVER_TRAFFIC_SECRET_0"], suite)
            elif t == 8:
                for et, ed in extensions(body, 0):
                    if et == 54:
                        cidlen["c2s"] = ed[0]

    def content(d, epoch, ctype, payload, rn):
        stats[d, epoch][CT.get(ctype, str(ctype))] += 1
        if ctype == 22:
            handshake(d, epoch, payload)
        elif ctype == 26:
            n = struct.unpack(">H", payload[:2])[0]
            rns = [struct.unpack(">QQ", payload[2 + i:18 + i]) for i in range(0, n, 16)]
            acks.append((d, epoch, rn, rns))
        elif ctype == 21:
            alerts.append((d, epoch, payload[0], payload[1]))
        elif ctype == 23:
            app[d] += payload

    for src, dst, dg in datagrams(sys.argv[1]):
        if client is None:
            client = src
        d = "c2s" if src == client else "s2c"
        i = 0
        while i < len(dg):
            b0 = dg[i]
            if b0 & 0xE0 == 0x20:  # unified header
                o = i + 1
                cid = b""
                if b0 & 0x10:
                    if cidlen[d] is None:
                        print("%s: CID record before the CID length is known" % d)
                        fails += 1
                        break
                    cid = dg[o:o + cidlen[d]]
                    o += cidlen[d]
                snlen = 2 if b0 & 0x08 else 1
                sn_off = o
                o += snlen
                if b0 & 0x04:
                    ln = struct.unpack(">H", dg[o:o + 2])[0]
                    o += 2
                else:
                    ln = len(dg) - o
                hdr = bytearray(dg[i:o])
                ct = dg[o:o + ln]
                rec_end = o + ln
                done = False
                for epoch in sorted(epochs[d]):
                    if epoch & 3 != b0 & 3:
                        continue
                    k = epochs[d][epoch]
                    m = k.mask(ct[:16])
                    lo = int.from_bytes(bytes(a ^ b for a, b in zip(dg[sn_off:sn_off + snlen], m)), "big")
                    exp = nextseq[d, epoch]
                    span = 1 << (8 * snlen)
                    seq = (exp & ~(span - 1)) | lo
                    if seq + span // 2 < exp:
                        seq += span
                    elif seq > exp + span // 2 and seq >= span:
                        seq -= span
                    nonce = bytes(a ^ b for a, b in zip(k.iv, seq.to_bytes(12, "big")))
                    aad = bytearray(hdr)
                    aad[sn_off - i:sn_off - i + snlen] = (seq & (span - 1)).to_bytes(snlen, "big")
                    try:
                        pt = k.aead.decrypt(nonce, bytes(ct), bytes(aad))
                    except Exception:
                        continue
                    nextseq[d, epoch] = max(nextseq[d, epoch], seq + 1)
                    pt = pt.rstrip(b"\x00")
                    stats[d, epoch]["unified-header records" + (" (CID %s)" % cid.hex() if cid else "")] += 1
                    content(d, epoch, pt[-1], pt[:-1], (epoch, seq))
                    if pt[-1] == 22 and pt[0] == 24:  # KeyUpdate: the next epoch for this direction
                        e = max(epochs[d])
                        epochs[d][e + 1] = epochs[d][e].next()
                    done = True
                    break
                if not done:
                    print("%s: record at datagram offset %d (epoch bits %d) did not decrypt" % (d, i, b0 & 3))
                    fails += 1
                i = rec_end
            elif 20 <= b0 <= 26 and i + 13 <= len(dg):  # DTLSPlaintext
                ctype, ver, epoch = dg[i], dg[i + 1:i + 3], struct.unpack(">H", dg[i + 3:i + 5])[0]
                seq = int.from_bytes(dg[i + 5:i + 11], "big")
                ln = struct.unpack(">H", dg[i + 11:i + 13])[0]
                stats[d, epoch]["plaintext records (version %s)" % ver.hex()] += 1
                content(d, epoch, ctype, dg[i + 13:i + 13 + ln], (epoch, seq))
                i += 13 + ln
            else:
                print("%s: unknown record byte 0x%02x" % (d, b0))
                fails += 1
                break

    print("cipher suite 0x%04x, CID length c2s %s s2c %s" % (suite or 0, cidlen["c2s"], cidlen["s2c"]))
    for (d, e), c in sorted(stats.items()):
        print("  %s epoch %d: %s" % (d, e, ", ".join("%s %d" % kv for kv in sorted(c.items()))))
    for d, e, name, mseq, foff, flen, ln in hsmsgs:
        print("  handshake %s epoch %d: %s msg_seq %d fragment %d+%d of %d" % (d, e, name, mseq, foff, flen, ln))
    for d, e, rn, rns in acks:
        print("  ACK %s epoch %d record %s: acknowledges %s" % (d, e, rn, rns))
    for d, e, lvl, desc in alerts:
        print("  alert %s epoch %d: level %d description %d" % (d, e, lvl, desc))
    for d in ("c2s", "s2c"):
        print("  %s application data: %d bytes" % (d, len(app[d])))
        if want and app[d] != want[d]:
            print("  %s application data differs from the expected file" % d)
            fails += 1
    sys.exit(1 if fails else 0)


main()
