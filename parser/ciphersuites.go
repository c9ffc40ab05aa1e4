package parser

import (
	"fmt"
	"sort"
)

//go:generate go run ../internal/gen/ciphersuites -in ../internal/gen/ciphersuites/tls-parameters-4.csv -out ciphersuites_gen.go

// SuiteInfo describes a cipher suite of the IANA registry, decomposed from its
// name by internal/gen/ciphersuites.
type SuiteInfo struct {
	ID          CipherSuite
	Name        string      // IANA name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
	KeyExchange KeyExchange // "" for TLS 1.3 suites
	Auth        string      // "RSA", "DSS", "ECDSA", "anon", "PSK", "KRB5", "SRP", "SHA", "NULL"; "" for TLS 1.3 suites
	Cipher      string      // "AES_128_GCM", "3DES_EDE_CBC", "RC4_128", "CHACHA20_POLY1305", "NULL", ...
	MAC         string      // "SHA", "SHA256", "SHA384", "MD5", "AEAD", "NULL", ...
	PRFHash     string      // the PRF/HKDF hash where the name gives it ("SHA256", "SHA384"), "" for the TLS 1.0/1.1 default
	Export      bool
	TLS13       bool   // a TLS 1.3 suite (no key exchange or authentication in the name)
	SCSV        bool   // a signalling value, not a real suite
	Recommended bool   // the registry's Recommended column is Y
	DTLSOK      bool   // the registry's DTLS-OK column is Y
	Reference   string // "[RFC5246]"
}

// KeyExchange is a key-exchange method: as the IANA suite name spells it
// (SSL 3.0 - TLS 1.2), or as a TLS 1.3 handshake shows it (key_share and
// pre_shared_key: ECDHE, DHE, PSK, PSK_DHE).
type KeyExchange string

// The key-exchange methods.
const (
	KeyExchangeRSA      KeyExchange = "RSA"
	KeyExchangeDHE      KeyExchange = "DHE"
	KeyExchangeECDHE    KeyExchange = "ECDHE"
	KeyExchangeDH       KeyExchange = "DH"
	KeyExchangeECDH     KeyExchange = "ECDH"
	KeyExchangePSK      KeyExchange = "PSK"
	KeyExchangeDHEPSK   KeyExchange = "DHE_PSK"
	KeyExchangeECDHEPSK KeyExchange = "ECDHE_PSK"
	KeyExchangeRSAPSK   KeyExchange = "RSA_PSK"
	KeyExchangeSRP      KeyExchange = "SRP"
	KeyExchangeKRB5     KeyExchange = "KRB5"
	KeyExchangeECCPWD   KeyExchange = "ECCPWD"
	KeyExchangeGOST     KeyExchange = "GOST"
	KeyExchangeNULL     KeyExchange = "NULL"
	KeyExchangePSKDHE   KeyExchange = "PSK_DHE" // TLS 1.3 psk_dhe_ke: a PSK with a (EC)DHE key share
)

// Ephemeral reports whether k always uses fresh (EC)DH keys, so that it
// gives forward secrecy (anonymous DH and ECDH suites are also ephemeral:
// see their Auth).
func (k KeyExchange) Ephemeral() bool {
	switch k {
	case KeyExchangeDHE, KeyExchangeECDHE, KeyExchangeDHEPSK, KeyExchangeECDHEPSK, KeyExchangeECCPWD, KeyExchangeGOST, KeyExchangeSRP, KeyExchangePSKDHE:
		return true
	}
	return false
}

// UsesRSA reports whether k's key exchange encrypts with the server's RSA
// key (RSA, RSA_PSK), so the RSA key size is the exchange's strength.
func (k KeyExchange) UsesRSA() bool { return k == KeyExchangeRSA || k == KeyExchangeRSAPSK }

// AEAD reports whether the suite's cipher is an AEAD.
func (s SuiteInfo) AEAD() bool { return s.MAC == "AEAD" }

// CipherSuiteInfo looks cs up in the registry table.
func CipherSuiteInfo(cs CipherSuite) (SuiteInfo, bool) {
	i, ok := suiteIndex(cs)
	if !ok {
		return SuiteInfo{ID: cs, Name: hexName(uint16(cs))}, false
	}
	return suites[i], true
}

// String is the IANA name of cs, "GREASE" for RFC 8701 values, else "0x....".
func (cs CipherSuite) String() string {
	if i, ok := suiteIndex(cs); ok {
		return suites[i].Name
	}
	if IsGREASE(uint16(cs)) {
		return "GREASE"
	}
	return hexName(uint16(cs))
}

// String is the name of an SSLv2 cipher spec ("SSL_CK_RC4_128_WITH_MD5"), the
// TLS suite name for specs 0x00xxxx, else "0x" and six hex digits.
func (s SSLv2CipherSpec) String() string {
	if s>>16 == 0 {
		return CipherSuite(s).String()
	}
	if n, ok := sslv2SpecNames[s]; ok {
		return n
	}
	return fmt.Sprintf("0x%06x", uint32(s))
}

// suiteIndex finds cs in the sorted generated table.
func suiteIndex(cs CipherSuite) (int, bool) {
	i := sort.Search(len(suites), func(i int) bool { return suites[i].ID >= cs })
	return i, i < len(suites) && suites[i].ID == cs
}

// SSLv2 cipher specs (draft-hickman-netscape-ssl-00 appendix C).
var sslv2SpecNames = map[SSLv2CipherSpec]string{
	0x010080: "SSL_CK_RC4_128_WITH_MD5",
	0x020080: "SSL_CK_RC4_128_EXPORT40_WITH_MD5",
	0x030080: "SSL_CK_RC2_128_CBC_WITH_MD5",
	0x040080: "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5",
	0x050080: "SSL_CK_IDEA_128_CBC_WITH_MD5",
	0x060040: "SSL_CK_DES_64_CBC_WITH_MD5",
	0x0700c0: "SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
}
