#!/usr/bin/python3
"""scapytls.py — scapy's TLS automaton (python3-scapy 2.5) as the client and
the server of the scapy-* captures made by mkpcaps-matrix.sh: SSL 3.0 (which
OpenSSL 3 and GnuTLS 3.7 no longer speak), IDEA / SEED suites and DEFLATE
compression (RFC 3749; neither Debian's OpenSSL nor GnuTLS 3.7 has it).

    scapytls.py server --port P --cert C --key K --suite NAME [--comp null|deflate]
    scapytls.py client --host H --port P --version sslv3|tls1|tls11|tls12 --suite NAME
                       [--comp null|deflate] --data FILE --out FILE --keylog FILE

The server is scapy's echo server, offering only --suite (and DEFLATE when
--comp deflate and the client offers it). The client sends the bytes of
--data in one record, stores what the server echoed in --out, sends
close_notify, and writes the NSS key log line
`CLIENT_RANDOM <client random> <master secret>` from its session itself.
"""
import argparse
import ast
import contextlib
import io
import sys

from scapy.config import conf
from scapy.layers.tls.automaton_cli import TLSClientAutomaton
from scapy.layers.tls.automaton_srv import TLSServerAutomaton
from scapy.automaton import ATMT
from scapy.layers.tls.crypto.suites import _tls_cipher_suites, get_usable_ciphersuites
from scapy.layers.tls.handshake import TLSClientHello, TLSServerHello
from scapy.layers.tls.cert import PrivKeyRSA, PrivKeyECDSA

COMP = {"null": 0, "deflate": 1}


def suite_val(name):
    for v, n in _tls_cipher_suites.items():
        if n == name:
            return v
    sys.exit("unknown suite %s" % name)


class Server(TLSServerAutomaton):
    comp = 0

    @ATMT.condition(TLSServerAutomaton.PREPARE_SERVERFLIGHT1)
    def should_add_ServerHello(self):
        kx = "RSA" if isinstance(self.mykey, PrivKeyRSA) else "ECDSA"
        usable = get_usable_ciphersuites(self.cur_pkt.ciphers, kx)
        c = self.preferred_ciphersuite if self.preferred_ciphersuite in usable else usable[0]
        comp = self.comp if self.comp in self.cur_pkt.comp else 0
        self.add_msg(TLSServerHello(cipher=c, comp=comp))
        raise self.ADDED_SERVERHELLO()


def server(a):
    Server.comp = COMP[a.comp]
    t = Server(server="0.0.0.0", sport=a.port, mycert=a.cert, mykey=a.key,
               preferred_ciphersuite=suite_val(a.suite), is_echo_server=True,
               max_client_idle_time=10)
    t.run()


def client(a):
    data = open(a.data, "rb").read()
    ver = {"sslv3": 0x0300, "tls1": 0x0301, "tls11": 0x0302, "tls12": 0x0303}[a.version]
    comps = [COMP[a.comp]] + ([0] if a.comp != "null" else [])
    ch = TLSClientHello(version=ver, ciphers=[suite_val(a.suite)], comp=comps)
    t = TLSClientAutomaton(server=a.host, dport=a.port, version=a.version, client_hello=ch,
                           data=[data] + [b"wait"] * 6 + [b"quit"])
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        t.run()
    out = bytearray()
    for line in buf.getvalue().splitlines():
        if line.startswith("> Received: b") or line.startswith("> Received: b'") or line.startswith('> Received: b"'):
            out += ast.literal_eval(line[len("> Received: "):])
    sys.stderr.write(buf.getvalue()[-3000:])
    open(a.out, "wb").write(bytes(out))
    s = t.cur_session
    with open(a.keylog, "a") as f:
        f.write("CLIENT_RANDOM %s %s\n" % (s.client_random.hex(), s.master_secret.hex()))
    sys.stderr.write("version 0x%04x suite %s comp %s\n" % (s.tls_version, s.wcs.ciphersuite.name,
                                                           s.wcs.compression.name))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["server", "client"])
    p.add_argument("--host")
    p.add_argument("--port", type=int, default=443)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--suite", required=True)
    p.add_argument("--comp", default="null", choices=list(COMP))
    p.add_argument("--version", default="tls12")
    p.add_argument("--data")
    p.add_argument("--out")
    p.add_argument("--keylog")
    a = p.parse_args()
    conf.verb = 0
    server(a) if a.mode == "server" else client(a)


if __name__ == "__main__":
    main()
