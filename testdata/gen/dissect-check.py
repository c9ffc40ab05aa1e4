#!/usr/bin/env python3
"""dissect-check.py — runs ssldissect on captures in testdata/pcaps/ with their
keys (NAME.keylog -> -l, NAME.key -> -k, as the golden test does) and checks
that every connection was decrypted, every MAC verified, both Finished
messages verified, and that each connection's decrypted application data
equals NAME.c2s / NAME.s2c.

    testdata/gen/dissect-check.py SSLDISSECT NAME...   # prints a Markdown table
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = os.path.join(os.path.dirname(HERE), "pcaps")


def check(tool, name):
    base = os.path.join(PCAPS, name)
    args = [tool]
    if os.path.exists(base + ".keylog"):
        args += ["-l", base + ".keylog"]
    if os.path.exists(base + ".key"):
        args += ["-k", base + ".key"]
    want_c = open(base + ".c2s", "rb").read() if os.path.exists(base + ".c2s") else None
    want_s = open(base + ".s2c", "rb").read() if os.path.exists(base + ".s2c") else None
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run(args + ["--plaintext-dir", d, "--format", "json", base + ".pcap"],
                           capture_output=True, env=dict(os.environ, SSLKEYLOGFILE=""))
        conns, problems = [], []
        recs_fail = 0
        undec = 0
        for line in p.stdout.splitlines():
            o = json.loads(line)
            if o["type"] == "record":
                if o.get("mac") == "failed" or o.get("mac") == "fail":
                    recs_fail += 1
                if o.get("encrypted") and not o.get("decrypted"):
                    undec += 1
            elif o["type"] == "connection":
                conns.append(o)
        for c in conns:
            i = c["id"]
            st = []
            if not c.get("decrypted"):
                st.append("not decrypted")
            m = c.get("mac", {})
            if m.get("failed"):
                st.append("%d MAC failed" % m["failed"])
            fin = c.get("finished", {})
            if fin.get("c2s") != "ok" or fin.get("s2c") != "ok":
                st.append("Finished %s/%s" % (fin.get("c2s"), fin.get("s2c")))
            for dirn, want in (("c2s", want_c), ("s2c", want_s)):
                if want is None:
                    continue
                f = os.path.join(d, "%d.%s" % (i, dirn))
                got = open(f, "rb").read() if os.path.exists(f) else b""
                if got != want:
                    st.append("%s %d/%d bytes%s" % (dirn, len(got), len(want),
                                                   " (prefix)" if want.startswith(got) else ""))
            if c.get("notes"):
                st.append("notes: " + "; ".join(map(str, c["notes"])))
            problems.append("conn %d %s%s: %s" % (i, c.get("version"), " resumed" if c.get("resumed") else "",
                                                  ", ".join(st) or "ok"))
        summ = "; ".join(problems)
        if undec:
            summ += "; %d encrypted records not decrypted" % undec
        if p.stderr.strip():
            summ += "; stderr: " + p.stderr.decode(errors="replace").strip().replace("\n", " / ")[:300]
        if p.returncode:
            summ += "; exit %d" % p.returncode
        ok = all(x.endswith(": ok") for x in problems) and not undec and not p.returncode and bool(conns)
        return ok, summ, conns


def main():
    tool, names = sys.argv[1], sys.argv[2:]
    bad = 0
    print("| capture | suite | ssldissect |")
    print("|---|---|---|")
    for n in names:
        ok, s, conns = check(tool, n)
        suites = sorted({c.get("cipher_suite", "") for c in conns})
        print("| %s | %s | %s%s |" % (n, ", ".join(suites), "" if ok else "**FAIL** ", s))
        bad += not ok
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
