package report

import (
	"crypto/dsa" //nolint:staticcheck // DSA keys are still seen on the wire
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"strconv"
	"strings"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// maxZeekCerts bounds the certificates remembered as logged.
const maxZeekCerts = 1 << 20

// certificates writes the x509.log lines of a Certificate message: one
// per certificate not logged before in the run (Zeek logs a certificate
// once, by its fingerprint). host_cert is set for the first of a chain,
// client_cert for those the client sent.
func (w *ZeekWriter) certificates(ev *session.RecordEvent, m *parser.Certificate) {
	st := w.conn(ev.Conn.ID)
	if len(m.Entries) > 0 && st.leaf[ev.Dir] == nil {
		leaf := [2]string{m.Entries[0].Info.Subject, m.Entries[0].Info.Issuer}
		if c, err := x509.ParseCertificate(m.Entries[0].Data); err == nil {
			leaf = [2]string{zeekSubject(c), zeekIssuer(c)}
		}
		st.leaf[ev.Dir] = &leaf
	}
	for i, e := range m.Entries {
		fp := e.Info.SHA256
		if fp == "" || w.certs[fp] {
			continue
		}
		if len(w.certs) >= maxZeekCerts {
			// Logged again past the cap, as Zeek does after
			// X509::relog_known_certificates_after.
			clear(w.certs)
		}
		w.certs[fp] = true
		w.write("x509", ZeekX509Columns, x509Line(ev, &e, i == 0, ev.Dir == session.ClientToServer))
	}
}

// x509Line is a certificate's x509.log line, its fields named and written
// as Zeek's X509 analyzer (OpenSSL) does: OpenSSL's long names for the
// algorithms, its short names for the curves, the serial in upper-case
// hex.
func x509Line(ev *session.RecordEvent, e *parser.CertificateEntry, host, client bool) []zv {
	ci := &e.Info
	vals := make([]zv, len(ZeekX509Columns))
	vals[0], vals[1] = zt(ev.Time), zs(ci.SHA256)
	vals[20], vals[21] = zb(host), zb(client)
	c, err := x509.ParseCertificate(e.Data)
	if err != nil {
		// What the lenient walk of the TBSCertificate found.
		vals[3], vals[4], vals[5] = zsOpt(strings.ToUpper(ci.Serial)), zsOpt(ci.Subject), zsOpt(ci.Issuer)
		if !ci.NotBefore.IsZero() {
			vals[6], vals[7] = zt(ci.NotBefore), zt(ci.NotAfter)
		}
		return vals
	}
	vals[2] = zc(uint64(c.Version))
	serial := strings.ToUpper(c.SerialNumber.Text(16))
	if len(serial)%2 == 1 {
		serial = "0" + serial
	}
	if c.SerialNumber.Sign() < 0 {
		serial = strings.ToUpper(ci.Serial)
	}
	vals[3], vals[4], vals[5] = zs(serial), zs(zeekSubject(c)), zs(zeekIssuer(c))
	vals[6], vals[7] = zt(c.NotBefore), zt(c.NotAfter)
	vals[8] = zsOpt(map[x509.PublicKeyAlgorithm]string{
		x509.RSA: "rsaEncryption", x509.DSA: "dsaEncryption", x509.ECDSA: "id-ecPublicKey", x509.Ed25519: "ED25519",
	}[c.PublicKeyAlgorithm])
	vals[9] = zsOpt(zeekSigAlg[c.SignatureAlgorithm])
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		vals[10], vals[11], vals[12] = zs("rsa"), zc(uint64(k.N.BitLen())), zs(strconv.Itoa(k.E))
	case *dsa.PublicKey:
		vals[10], vals[11] = zs("dsa"), zc(uint64(k.P.BitLen()))
	case *ecdsa.PublicKey:
		vals[10], vals[11] = zs("ecdsa"), zc(uint64(k.Curve.Params().BitSize))
		vals[13] = zsOpt(map[string]string{"P-224": "secp224r1", "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1"}[k.Curve.Params().Name])
	}
	if hasSAN(c) {
		vals[14], vals[15], vals[16], vals[17] = zvec(c.DNSNames), zvec(urisOf(c)), zvec(c.EmailAddresses), zvec(ipsOf(c))
	}
	if c.BasicConstraintsValid {
		vals[18] = zb(c.IsCA)
		if c.MaxPathLen > 0 || c.MaxPathLenZero {
			vals[19] = zc(uint64(c.MaxPathLen))
		}
	}
	return vals
}

// zeekSubject and zeekIssuer are the certificate's names as Zeek writes
// them.
func zeekSubject(c *x509.Certificate) string {
	if s, ok := zeekDN(c.RawSubject); ok {
		return s
	}
	return c.Subject.String()
}

func zeekIssuer(c *x509.Certificate) string {
	if s, ok := zeekDN(c.RawIssuer); ok {
		return s
	}
	return c.Issuer.String()
}

// zvec is a vector column of the subject alternative name: unset when
// the extension has no names of that kind.
func zvec(l []string) zv {
	if len(l) == 0 {
		return zv{}
	}
	return zl(l)
}

// hasSAN reports the subjectAltName extension.
func hasSAN(c *x509.Certificate) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal([]int{2, 5, 29, 17}) {
			return true
		}
	}
	return false
}

func urisOf(c *x509.Certificate) []string {
	var out []string
	for _, u := range c.URIs {
		out = append(out, u.String())
	}
	return out
}

func ipsOf(c *x509.Certificate) []string {
	var out []string
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

// zeekSigAlg are OpenSSL's long names of the signature algorithms.
var zeekSigAlg = map[x509.SignatureAlgorithm]string{
	x509.MD2WithRSA:       "md2WithRSAEncryption",
	x509.MD5WithRSA:       "md5WithRSAEncryption",
	x509.SHA1WithRSA:      "sha1WithRSAEncryption",
	x509.SHA256WithRSA:    "sha256WithRSAEncryption",
	x509.SHA384WithRSA:    "sha384WithRSAEncryption",
	x509.SHA512WithRSA:    "sha512WithRSAEncryption",
	x509.DSAWithSHA1:      "dsaWithSHA1",
	x509.DSAWithSHA256:    "dsa_with_SHA256",
	x509.ECDSAWithSHA1:    "ecdsa-with-SHA1",
	x509.ECDSAWithSHA256:  "ecdsa-with-SHA256",
	x509.ECDSAWithSHA384:  "ecdsa-with-SHA384",
	x509.ECDSAWithSHA512:  "ecdsa-with-SHA512",
	x509.SHA256WithRSAPSS: "rsassaPss",
	x509.SHA384WithRSAPSS: "rsassaPss",
	x509.SHA512WithRSAPSS: "rsassaPss",
	x509.PureEd25519:      "ED25519",
}

// zeekDN is a distinguished name as Zeek writes it (OpenSSL's
// X509_NAME_print_ex with XN_FLAG_RFC2253), as parser.DistinguishedName
// writes it; ok is false when raw is no Name.
func zeekDN(raw []byte) (string, bool) {
	s := parser.DistinguishedName(raw)
	return s, s != "" || isEmptyName(raw)
}

// isEmptyName reports whether raw is an empty RDNSequence.
func isEmptyName(raw []byte) bool { return len(raw) == 2 && raw[0] == 0x30 && raw[1] == 0 }
