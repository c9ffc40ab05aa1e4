package report

import (
	"strconv"
	"strings"

	"github.com/ssldissect/ssldissect/parser"
)

// Rating is how good a version, cipher suite, key exchange or certificate
// is, in the sense of ciphersuite.info and RFC 8996 (see the README,
// "Ratings"). Higher is worse.
type Rating uint8

const (
	Recommended Rating = iota
	Secure
	Weak
	Insecure
)

func (r Rating) String() string {
	switch r {
	case Recommended:
		return "recommended"
	case Secure:
		return "secure"
	case Weak:
		return "weak"
	}
	return "insecure"
}

// ParseRating reads the names String gives.
func ParseRating(s string) (Rating, bool) {
	for r := Recommended; r <= Insecure; r++ {
		if r.String() == s {
			return r, true
		}
	}
	return 0, false
}

// Assessment is a rating with the reasons for it, worst first. A rating of
// Secure or Recommended may carry reasons too (why it is not better).
type Assessment struct {
	Rating  Rating
	Reasons []string
}

// add raises a to r (if r is worse) and records the reason.
func (a *Assessment) add(r Rating, reason string) {
	if r > a.Rating {
		a.Rating = r
	}
	a.Reasons = append(a.Reasons, reason)
}

// suiteRule is one line of the cipher-suite rules: a suite that matches
// gets at least rating, for reason.
type suiteRule struct {
	rating Rating
	reason string
	match  func(s parser.SuiteInfo) bool
}

// noFS names the key exchanges without forward secrecy and says why.
var noFS = map[parser.KeyExchange]string{
	"RSA":     "static RSA key exchange (no forward secrecy)",
	"RSA_PSK": "static RSA key exchange (no forward secrecy)",
	"DH":      "static DH key exchange (no forward secrecy)",
	"ECDH":    "static ECDH key exchange (no forward secrecy)",
	"PSK":     "PSK key exchange without (EC)DHE (no forward secrecy)",
	"KRB5":    "Kerberos key exchange (no forward secrecy)",
}

// suiteRules are the rules of CONTRACT.md, in the order their reasons are
// listed. Anything they do not catch is secure, or recommended when it is a
// forward-secret AEAD suite that the IANA registry marks Recommended.
var suiteRules = []suiteRule{
	{Insecure, "NULL encryption (no confidentiality)", func(s parser.SuiteInfo) bool { return s.Cipher == "NULL" }},
	{Insecure, "anonymous key exchange (no authentication)", func(s parser.SuiteInfo) bool {
		return s.Auth == "anon" || s.KeyExchange == parser.KeyExchangeNULL
	}},
	{Insecure, "export-grade cryptography", func(s parser.SuiteInfo) bool { return s.Export }},
	{Insecure, "RC4 stream cipher", func(s parser.SuiteInfo) bool { return strings.HasPrefix(s.Cipher, "RC4") }},
	{Insecure, "RC2 cipher", func(s parser.SuiteInfo) bool { return strings.HasPrefix(s.Cipher, "RC2") }},
	{Insecure, "single DES", func(s parser.SuiteInfo) bool { return strings.HasPrefix(s.Cipher, "DES") }},
	{Insecure, "MD5 MAC", func(s parser.SuiteInfo) bool { return s.MAC == "MD5" }},
	{Weak, "3DES (64-bit block, Sweet32)", func(s parser.SuiteInfo) bool { return strings.HasPrefix(s.Cipher, "3DES") }},
	{Weak, "IDEA (64-bit block)", func(s parser.SuiteInfo) bool { return strings.HasPrefix(s.Cipher, "IDEA") }},
	{Weak, "", func(s parser.SuiteInfo) bool { return noFS[s.KeyExchange] != "" && s.Auth != "anon" }}, // reason from noFS; anonymous (EC)DH is ephemeral
	{Weak, "CBC mode with SHA-1 MAC", func(s parser.SuiteInfo) bool { return strings.Contains(s.Cipher, "CBC") && s.MAC == "SHA" }},
}

// forwardSecret reports whether the suite's key exchange is ephemeral (TLS
// 1.3 suites always are, (EC)DHE and anonymous (EC)DH in every case).
func forwardSecret(s parser.SuiteInfo) bool {
	if s.Auth == "anon" {
		return true
	}
	return s.KeyExchange.Ephemeral() || s.TLS13
}

// RateSuite rates a cipher suite from the IANA registry (see
// parser.CipherSuiteInfo) by the rules of CONTRACT.md:
//   - insecure: NULL encryption, anonymous, EXPORT, RC4, RC2, single DES, MD5 MAC;
//   - weak: 3DES and IDEA (64-bit blocks), no forward secrecy (static RSA,
//     static (EC)DH, plain PSK, Kerberos), CBC with a SHA-1 MAC;
//   - recommended: forward secrecy, an AEAD cipher, and Recommended "Y" in
//     the IANA registry (all three);
//   - secure: everything else (the reasons say what keeps it from
//     recommended).
//
// A value that is not in the registry is weak ("unregistered"); a
// signalling value (SCSV) is secure, as it is never negotiated.
func RateSuite(cs parser.CipherSuite) Assessment {
	info, ok := parser.CipherSuiteInfo(cs)
	if !ok {
		if parser.IsGREASE(uint16(cs)) {
			return Assessment{Rating: Weak, Reasons: []string{"GREASE value (never negotiable)"}}
		}
		return Assessment{Rating: Weak, Reasons: []string{"not in the IANA registry"}}
	}
	return rateSuiteInfo(info)
}

func rateSuiteInfo(info parser.SuiteInfo) Assessment {
	if info.SCSV || (info.Cipher == "" && info.MAC == "") {
		return Assessment{Rating: Secure, Reasons: []string{"signalling cipher suite value (not negotiable)"}}
	}
	a := Assessment{Rating: Recommended}
	for _, r := range suiteRules {
		if r.match(info) {
			reason := r.reason
			if reason == "" {
				reason = noFS[info.KeyExchange]
			}
			a.add(r.rating, reason)
		}
	}
	if a.Rating > Secure {
		return a
	}
	fs, aead := forwardSecret(info), info.AEAD()
	switch {
	case fs && aead && info.Recommended:
		a.Reasons = append(a.Reasons, "forward secrecy with AEAD, IANA Recommended")
	case fs && aead:
		a.add(Secure, "forward secrecy with AEAD, but not Recommended by IANA")
	case !aead:
		a.add(Secure, "not an AEAD cipher")
	default:
		a.add(Secure, "no forward secrecy")
	}
	return a
}

// RateVersion rates a negotiated protocol version: SSL 2.0 and 3.0 are
// insecure, TLS 1.0 and 1.1 weak (deprecated by RFC 8996), TLS 1.2 secure,
// TLS 1.3 recommended; TLS 1.3 drafts and unknown values are weak. DTLS
// versions are rated as the TLS version they follow: DTLS 1.0 (TLS 1.1's
// layouts) weak, as RFC 8996 deprecates it with them, DTLS 1.2 secure,
// DTLS 1.3 recommended; OpenSSL's pre-RFC DTLS (0x0100) is insecure.
func RateVersion(v parser.Version) Assessment {
	switch {
	case v == parser.VersionSSL20:
		return Assessment{Insecure, []string{"SSL 2.0 is broken (RFC 6176)"}}
	case v == parser.VersionSSL30:
		return Assessment{Insecure, []string{"SSL 3.0 is broken (POODLE, RFC 7568)"}}
	case v == parser.VersionTLS10 || v == parser.VersionTLS11:
		return Assessment{Weak, []string{"deprecated by RFC 8996"}}
	case v == parser.VersionTLS12:
		return Assessment{Secure, nil}
	case v == parser.VersionTLS13:
		return Assessment{Recommended, nil}
	case v == parser.VersionDTLS10Pre:
		return Assessment{Insecure, []string{"OpenSSL's DTLS before RFC 4347 (DTLS1_BAD_VER)"}}
	case v == parser.VersionDTLS10:
		return Assessment{Weak, []string{"deprecated by RFC 8996"}}
	case v == parser.VersionDTLS12:
		return Assessment{Secure, nil}
	case v == parser.VersionDTLS13:
		return Assessment{Recommended, nil}
	case v.IsTLS13Draft():
		return Assessment{Weak, []string{"pre-standard TLS 1.3 draft"}}
	}
	return Assessment{Weak, []string{"unknown protocol version"}}
}

// smallCurves are the named groups below 224 bits.
var smallCurves = map[parser.NamedGroup]int{
	parser.GroupSect163k1: 163, parser.GroupSect163r1: 163, parser.GroupSect163r2: 163,
	parser.GroupSect193r1: 193, parser.GroupSect193r2: 193,
	parser.GroupSecp160k1: 160, parser.GroupSecp160r1: 160, parser.GroupSecp160r2: 160,
	parser.GroupSecp192k1: 192, parser.GroupSecp192r1: 192,
}

// recommendedGroups are the groups that RFC 8446 and current practice
// recommend (and the ML-KEM hybrids).
var recommendedGroups = map[parser.NamedGroup]bool{
	parser.GroupX25519: true, parser.GroupX448: true,
	parser.GroupSecp256r1: true, parser.GroupSecp384r1: true, parser.GroupSecp521r1: true,
	parser.GroupFFDHE2048: true, parser.GroupFFDHE3072: true, parser.GroupFFDHE4096: true,
	parser.GroupFFDHE6144: true, parser.GroupFFDHE8192: true,
	parser.GroupX25519MLKEM768: true, parser.GroupSecP256r1MLKEM768: true, parser.GroupSecP384r1MLKEM1024: true,
	parser.GroupMLKEM768: true, parser.GroupMLKEM1024: true,
}

// RateKeyExchange rates the parameters of a key exchange: the (EC)DHE group,
// the DHE modulus, the RSA key. Whether the method gives forward secrecy is
// the cipher suite's rating, not this one. kind is session.KeyExchangeInfo's
// Kind; bits is the DHE modulus or RSA key size, 0 when not seen.
func RateKeyExchange(kind parser.KeyExchange, group parser.NamedGroup, bits int) Assessment {
	a := Assessment{Rating: Secure}
	switch {
	case group != 0:
		if b, ok := smallCurves[group]; ok {
			a.add(Weak, "elliptic curve of "+strconv.Itoa(b)+" bits (below 224)")
		} else if recommendedGroups[group] {
			a.Rating = Recommended
		}
	case bits > 0 && (strings.Contains(string(kind), "DH") || strings.Contains(string(kind), "RSA")):
		what := "DH modulus"
		if strings.Contains(string(kind), "RSA") {
			what = "RSA key"
		}
		switch {
		case bits < 1024:
			a.add(Insecure, what+" of "+strconv.Itoa(bits)+" bits (below 1024)")
		case bits < 2048:
			a.add(Weak, what+" of "+strconv.Itoa(bits)+" bits (below 2048)")
		}
	default:
		a.Reasons = append(a.Reasons, "parameters not seen")
	}
	return a
}

// certKeyBits reads the size from a CertInfo.Key such as "RSA 2048"; alg
// is "RSA", "DSA", ...; bits is 0 for keys described by curve.
func certKeyBits(key string) (alg string, bits int) {
	alg, n, ok := strings.Cut(key, " ")
	if !ok {
		return key, 0
	}
	b, err := strconv.Atoi(n)
	if err != nil {
		return alg, 0
	}
	return alg, b
}

// rateCertSignature rates a certificate's signature algorithm (crypto/x509
// names: "SHA1-RSA", "MD5-RSA", "ECDSA-SHA1", "DSA-SHA1", ...).
func rateCertSignature(alg string) (Rating, string) {
	u := strings.ToUpper(alg)
	switch {
	case strings.Contains(u, "MD5") || strings.Contains(u, "MD2"):
		return Insecure, "MD5 or MD2 signature"
	case strings.Contains(u, "SHA1"):
		return Weak, "SHA-1 signature"
	}
	return Secure, ""
}

// rateCertKey rates a certificate's public key: RSA and DSA below 2048 bits
// are weak, below 1024 insecure.
func rateCertKey(key string) (Rating, string) {
	alg, bits := certKeyBits(key)
	if (alg == "RSA" || alg == "DSA") && bits > 0 {
		switch {
		case bits < 1024:
			return Insecure, alg + " key of " + strconv.Itoa(bits) + " bits (below 1024)"
		case bits < 2048:
			return Weak, alg + " key of " + strconv.Itoa(bits) + " bits (below 2048)"
		}
	}
	return Secure, ""
}
