#!/usr/bin/env python3
"""quic-decrypt-check.py PCAP KEYLOG AEAD [BODY] — an independent check that
every QUIC v1 packet of a one-connection capture decrypts, for cipher suites
TShark 4.0 cannot decrypt in QUIC (TLS_AES_128_CCM_SHA256). Used by
mkpcaps-ngtcp2.sh for ngtcp2-ccm.

AEAD is the Handshake / 1-RTT AEAD: ccm (AES-128-CCM, 16-byte tag) or gcm
(AES-128-GCM); both with SHA-256 and AES header protection (so also a
cross-check on TLS_AES_128_GCM_SHA256 captures). Initial packets use
AES-128-GCM with the v1 salt. Key updates (RFC 9001 6) are followed.

Reads classic pcap, Ethernet + IPv4 + UDP, one client (the sender of the
first datagram). Prints per direction and packet space how many packets
decrypted, and exits 1 if any did not. With BODY, also checks that the
server's 1-RTT STREAM frames on stream 0, reassembled, contain BODY.
"""
import hashlib
import hmac
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM

V1_SALT = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def expand_label(secret, label, length):
    full = b"tls13 " + label.encode()
    info = struct.pack(">HB", length, len(full)) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


class Keys:
    def __init__(self, secret, aead):
        self.secret = secret
        key = expand_label(secret, "quic key", 16)
        self.iv = expand_label(secret, "quic iv", 12)
        self.hp = Cipher(algorithms.AES(expand_label(secret, "quic hp", 16)), modes.ECB())
        self.aead = AESCCM(key, 16) if aead == "ccm" else AESGCM(key)

    def mask(self, sample):
        e = self.hp.encryptor()
        return e.update(sample) + e.finalize()

    def next(self, aead):
        return Keys(expand_label(self.secret, "quic ku", 32), aead)


def varint(b, i):
    n = 1 << (b[i] >> 6)
    v = b[i] & 0x3F
    for k in range(1, n):
        v = v << 8 | b[i + k]
    return v, i + n


def decode_pn(largest, truncated, nbits):
    expected = largest + 1
    win = 1 << nbits
    hwin, mask = win // 2, win - 1
    cand = (expected & ~mask) | truncated
    if cand <= expected - hwin and cand < (1 << 62) - win:
        return cand + win
    if cand > expected + hwin and cand >= win:
        return cand - win
    return cand


def datagrams(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), "classic little-endian pcap only"
    i = 24
    while i + 16 <= len(data):
        incl = struct.unpack("<I", data[i + 8:i + 12])[0]
        frame = data[i + 16:i + 16 + incl]
        i += 16 + incl
        if len(frame) < 42 or frame[12:14] != b"\x08\x00":
            continue
        ihl = (frame[14] & 0x0F) * 4
        if frame[23] != 17:
            continue
        src = frame[26:30]
        udp = frame[14 + ihl:]
        ulen = struct.unpack(">H", udp[4:6])[0]
        yield src, udp[8:ulen]


def stream_frames(p):
    """STREAM frames (id, offset, data) of a 1-RTT plaintext; stops at the
    first frame type it does not know (then the rest is not STREAM data we
    can find)."""
    i, out = 0, []
    while i < len(p):
        t, i = varint(p, i)
        if t == 0x00 or t == 0x01 or t == 0x1E:  # PADDING, PING, HANDSHAKE_DONE
            continue
        if t in (0x02, 0x03):  # ACK
            _, i = varint(p, i)
            _, i = varint(p, i)
            n, i = varint(p, i)
            _, i = varint(p, i)
            for _ in range(2 * n):
                _, i = varint(p, i)
            if t == 0x03:
                for _ in range(3):
                    _, i = varint(p, i)
        elif 0x08 <= t <= 0x0F:
            sid, i = varint(p, i)
            off = 0
            if t & 4:
                off, i = varint(p, i)
            if t & 2:
                n, i = varint(p, i)
            else:
                n = len(p) - i
            out.append((sid, off, p[i:i + n]))
            i += n
        elif t in (0x10, 0x12, 0x13, 0x14, 0x16, 0x17, 0x19):  # one varint
            _, i = varint(p, i)
        elif t in (0x11, 0x15, 0x04, 0x05):  # two or three varints
            _, i = varint(p, i)
            _, i = varint(p, i)
            if t == 0x04:
                _, i = varint(p, i)
        elif t == 0x06 or t == 0x07:  # CRYPTO, NEW_TOKEN
            if t == 0x06:
                _, i = varint(p, i)
            n, i = varint(p, i)
            i += n
        elif t == 0x18:  # NEW_CONNECTION_ID
            _, i = varint(p, i)
            _, i = varint(p, i)
            n = p[i]
            i += 1 + n + 16
        elif t in (0x1A, 0x1B):  # PATH_CHALLENGE/RESPONSE
            i += 8
        else:
            break
    return out


def main():
    pcap, keylog, aead = sys.argv[1:4]
    body = open(sys.argv[4], "rb").read() if len(sys.argv) > 4 else None
    secrets = {}
    for line in open(keylog):
        f = line.split()
        if len(f) == 3:
            secrets[f[0]] = bytes.fromhex(f[2])
    client = None
    keys = {}
    largest = {}
    ok, bad = {}, {}
    cids = {}  # direction -> DCID length of short headers
    s0 = {}
    for src, d in datagrams(pcap):
        if client is None:
            client = src
            odcid = d[6:6 + d[5]]
            init = hkdf_extract(V1_SALT, odcid)
            keys[("c", "I")] = [Keys(expand_label(init, "client in", 32), "gcm")]
            keys[("s", "I")] = [Keys(expand_label(init, "server in", 32), "gcm")]
            keys[("c", "H")] = [Keys(secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"], aead)]
            keys[("s", "H")] = [Keys(secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"], aead)]
            keys[("c", "1")] = [Keys(secrets["CLIENT_TRAFFIC_SECRET_0"], aead)]
            keys[("s", "1")] = [Keys(secrets["SERVER_TRAFFIC_SECRET_0"], aead)]
        dr = "c" if src == client else "s"
        i = 0
        while i < len(d):
            b0 = d[i]
            if b0 & 0x80:
                ver = struct.unpack(">I", d[i + 1:i + 5])[0]
                assert ver == 1, "QUIC v1 only, got 0x%08x" % ver
                j = i + 5
                dl = d[j]
                dcid = d[j + 1:j + 1 + dl]
                j += 1 + dl
                sl = d[j]
                scid = d[j + 1:j + 1 + sl]
                j += 1 + sl
                typ = (b0 >> 4) & 3
                if typ == 3:  # Retry
                    break
                sp = {0: "I", 2: "H"}.get(typ, "0")
                if typ == 0:
                    tl, j = varint(d, j)
                    j += tl
                ln, j = varint(d, j)
                end = j + ln
                cids["s" if dr == "c" else "c"] = len(scid)
                pnoff, hmask = j, 0x0F
            else:
                sp = "1"
                pnoff, hmask, end = i + 1 + cids[dr], 0x1F, len(d)
            k = keys[(dr, sp)]
            sample = d[pnoff + 4:pnoff + 20]
            m = k[0].mask(sample)  # header protection keys never change (RFC 9001 6.1)
            first = b0 ^ (m[0] & hmask)
            pnl = (first & 3) + 1
            pnb = bytes(x ^ y for x, y in zip(d[pnoff:pnoff + pnl], m[1:1 + pnl]))
            pn = decode_pn(largest.get((dr, sp), -1), int.from_bytes(pnb, "big"), 8 * pnl)
            hdr = bytes([first]) + d[i + 1:pnoff] + pnb
            ct = d[pnoff + pnl:end]
            cands = [k[-1]]
            if sp == "1":
                phase = (first >> 2) & 1
                # k holds every 1-RTT generation so far; generation g has
                # key phase g%2. The other phase: the next generation (a key
                # update) or, for a late packet, the previous one.
                if phase != (len(k) - 1) % 2:
                    cands = [k[-1].next(aead)] + ([k[-2]] if len(k) > 1 else [])
            nonce = b"\x00" * 4 + pn.to_bytes(8, "big")
            key = (dr, sp)
            try:
                pt = None
                for c in cands:
                    try:
                        pt = c.aead.decrypt(bytes(x ^ y for x, y in zip(c.iv, nonce)), ct, hdr)
                    except Exception:
                        continue
                    if c is not k[-1] and (len(k) < 2 or c is not k[-2]):
                        k.append(c)
                    break
                if pt is None:
                    raise ValueError("no key")
                ok[key] = ok.get(key, 0) + 1
                largest[key] = max(largest.get(key, -1), pn)
                if sp == "1" and dr == "s" and body is not None:
                    for sid, off, data in stream_frames(pt):
                        if sid == 0:
                            s0[off] = data
            except Exception:
                bad[key] = bad.get(key, 0) + 1
            i = end
    gens = {dr: len(keys[(dr, "1")]) - 1 for dr in "cs"}
    for key in sorted(set(ok) | set(bad)):
        print("%s %s: %d decrypted, %d failed" % (key[0], key[1], ok.get(key, 0), bad.get(key, 0)))
    print("1-RTT key updates: client %d, server %d" % (gens["c"], gens["s"]))
    rc = 1 if bad else 0
    if body is not None:
        buf = bytearray()
        for off in sorted(s0):
            if off <= len(buf):
                buf[off:] = s0[off]
        found = bytes(buf).find(body)
        print("server stream 0: %d bytes, body at offset %d" % (len(buf), found))
        if found < 0:
            rc = 1
    sys.exit(rc)


main()
