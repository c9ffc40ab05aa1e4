#!/usr/bin/env python3
"""check.py — sanity-checks the captures in testdata/pcaps/ with tshark.

For every NAME.pcap / NAME.pcapng it reports: packets, TCP connections, the
TLS handshake messages tshark can see with NAME.keylog (decrypted Finished
messages prove the key log matches), and whether tshark's decrypted
application data of every connection equals NAME.c2s / NAME.s2c.

    testdata/gen/check.py [NAME...]      # prints a Markdown table

Exit status 1 if any keyed capture shows no decrypted Finished or any
.c2s/.s2c mismatches tshark's plaintext.
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = os.path.join(os.path.dirname(HERE), "pcaps")
RSAKEY = os.path.join(HERE, "certs", "server-rsa.key")

HS = {"1": "CH", "2": "SH", "4": "NST", "8": "EE", "11": "Cert", "12": "SKE",
      "13": "CR", "14": "SHD", "15": "CV", "16": "CKE", "20": "Fin", "24": "KU"}


def tshark(path, opts, *args):
    cmd = ["tshark", "-n", "-r", path]
    for o in opts:
        cmd += ["-o", o]
    cmd += list(args)
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def follow(path, opts, stream, client):
    """Decrypted application data of one TCP stream, as (c2s, s2c) bytes.

    tshark calls node 0 whichever side sent the first decrypted data (the
    server, in TLS 1.3, because of its NewSessionTicket); its lines are not
    indented, node 1's are. client is the client's "addr:port"."""
    out = tshark(path, opts, "-q", "-z", "follow,tls,raw,%d" % stream)
    data = [bytearray(), bytearray()]
    node0 = None
    body = False
    for line in out.splitlines():
        if line.startswith("Node 0:"):
            node0 = line.split(None, 2)[2].strip()
            continue
        if line.startswith("Node 1:"):
            body = True
            continue
        if not body or line.startswith("===") or not line.strip():
            continue
        data[1 if line.startswith("\t") else 0] += bytes.fromhex(line.strip())
    if node0 is not None and node0 != client:
        data.reverse()
    return bytes(data[0]), bytes(data[1])


def check(path):
    name = os.path.splitext(os.path.basename(path))[0]
    base = os.path.join(PCAPS, name)
    keylog = base + ".keylog"
    opts = []
    if os.path.exists(keylog):
        opts.append("tls.keylog_file:" + keylog)
    npkts = len(tshark(path, [], "-T", "fields", "-e", "frame.number").split())
    streams = {}
    for line in tshark(path, [], "-Y", "tcp.flags.syn==1 && tcp.flags.ack==0", "-T", "fields",
                       "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport").splitlines():
        f = line.split("\t")
        addr = f[1] or "[%s]" % f[2]
        streams[int(f[0])] = "%s:%s" % (addr, f[3])
    hs = []
    for line in tshark(path, opts, "-Y", "tls.handshake", "-T", "fields",
                       "-e", "tls.handshake.type").splitlines():
        hs += [HS.get(t, t) for t in line.split(",") if t]
    nfin = hs.count("Fin")
    # Negotiated version and suite, from the (last) ServerHello of each connection.
    neg = []
    for line in tshark(path, [], "-Y", "tls.handshake.type==2", "-T", "fields",
                       "-e", "tls.handshake.version", "-e", "tls.handshake.extensions.supported_version",
                       "-e", "tls.handshake.ciphersuite").splitlines():
        f = line.split("\t")
        v = f[1] or f[0]
        v = {"0x0301": "TLS1.0", "0x0302": "TLS1.1", "0x0303": "TLS1.2", "0x0304": "TLS1.3"}.get(v, v)
        neg.append("%s %s" % (v, f[2]))
    neg = sorted(set(neg))
    res = {"name": name, "neg": ", ".join(neg), "packets": npkts, "conns": len(streams), "hs": hs, "fin": nfin,
           "data": "-", "ok": True}
    if opts and nfin == 0:
        res["ok"] = False
    c2sf, s2cf = base + ".c2s", base + ".s2c"
    if os.path.exists(c2sf) and os.path.exists(s2cf):
        want_c, want_s = open(c2sf, "rb").read(), open(s2cf, "rb").read()
        bad = []
        for st in sorted(streams):
            c, s = follow(path, opts, st, streams[st])
            if c != want_c:
                bad.append("conn %d c2s %d/%d bytes" % (st, len(c), len(want_c)))
            if s != want_s:
                bad.append("conn %d s2c %d/%d bytes" % (st, len(s), len(want_s)))
        res["data"] = "exact" if not bad else "MISMATCH " + "; ".join(bad)
        res["ok"] = res["ok"] and not bad
    # Static RSA: also decrypt with the server's private key and no key log.
    if "rsa-aes" in name and "ecdhe" not in name and "dhe" not in name:
        o = ["uat:rsa_keys:\"%s\",\"\"" % RSAKEY]
        n = tshark(path, o, "-Y", "tls.handshake.type==20", "-T", "fields", "-e", "frame.number")
        res["rsa"] = len(n.split())
    return res


def main():
    names = sys.argv[1:]
    paths = sorted(glob.glob(os.path.join(PCAPS, "*.pcap")) + glob.glob(os.path.join(PCAPS, "*.pcapng")))
    if names:
        paths = [p for p in paths if os.path.splitext(os.path.basename(p))[0] in names]
    allok = True
    print("| capture | version suite | packets | conns | handshake messages seen by tshark with the key log | Finished | app data vs .c2s/.s2c |")
    print("|---|---|---|---|---|---|---|")
    for p in paths:
        r = check(p)
        allok = allok and r["ok"]
        extra = " (RSA key alone: %d Finished)" % r["rsa"] if "rsa" in r else ""
        print("| %s | %s | %d | %d | %s | %d%s | %s |" % (r["name"], r["neg"], r["packets"], r["conns"],
              " ".join(r["hs"]), r["fin"], extra, r["data"]))
    sys.exit(0 if allok else 1)


if __name__ == "__main__":
    main()
