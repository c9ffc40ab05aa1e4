package selectexpr

import (
	"net/netip"
	"strconv"
	"strings"

	tlsparser "github.com/ssldissect/ssldissect/parser"
)

// Field names a connection field an expression can test.
type Field uint8

// The fields, in the order of Fields.
const (
	FieldSNI        Field = iota // the ClientHello's server_name
	FieldVersion                 // the negotiated version
	FieldCipher                  // the negotiated cipher suite's IANA name
	FieldCipherID                // its number
	FieldALPN                    // the protocol the server selected
	FieldJA3                     // the client's JA3 hash
	FieldJA3S                    // the server's JA3S hash
	FieldJA4                     // the client's JA4
	FieldJA4S                    // the server's JA4S
	FieldClient                  // the client's address and port
	FieldServer                  // the server's address and port
	FieldClientIP                // the client's address
	FieldServerIP                // the server's address
	FieldClientPort              // the client's port
	FieldServerPort              // the server's port
	FieldIP                      // either side's address
	FieldPort                    // either side's port
	FieldTransport               // tcp, quic or dtls
	FieldNote                    // every note code of the connection
	FieldDecrypted               // a record was decrypted
	FieldResumed                 // the session was resumed
	numFields
)

// Fields are the field names, indexed by Field.
var Fields = [numFields]string{
	"sni", "version", "cipher", "cipher_id", "alpn", "ja3", "ja3s", "ja4", "ja4s",
	"client", "server", "client_ip", "server_ip", "client_port", "server_port",
	"ip", "port", "transport", "note", "decrypted", "resumed",
}

func (f Field) String() string {
	if f < numFields {
		return Fields[f]
	}
	return "field(" + strconv.Itoa(int(f)) + ")"
}

// kind is the type of a field's values.
type kind uint8

const (
	kString   kind = iota
	kVersion       // a wire version number, ordered
	kNumber        // an integer
	kAddr          // an IP address
	kAddrPort      // ip:port
	kBool
)

var fieldKinds = [numFields]kind{
	FieldSNI: kString, FieldVersion: kVersion, FieldCipher: kString, FieldCipherID: kNumber,
	FieldALPN: kString, FieldJA3: kString, FieldJA3S: kString, FieldJA4: kString, FieldJA4S: kString,
	FieldClient: kAddrPort, FieldServer: kAddrPort, FieldClientIP: kAddr, FieldServerIP: kAddr,
	FieldClientPort: kNumber, FieldServerPort: kNumber, FieldIP: kAddr, FieldPort: kNumber,
	FieldTransport: kString, FieldNote: kString, FieldDecrypted: kBool, FieldResumed: kBool,
}

// monotonic are the fields whose values, before they are final, are
// never taken back: more notes may come, decrypted and resumed may become
// true. The others are ignored until final.
const monotonic = 1<<FieldNote | 1<<FieldDecrypted | 1<<FieldResumed

// Set is a set of fields.
type Set uint32

// All is every field.
const All Set = 1<<numFields - 1

// Endpoints are the fields made of the addresses and ports.
const Endpoints Set = 1<<FieldClient | 1<<FieldServer | 1<<FieldClientIP | 1<<FieldServerIP |
	1<<FieldClientPort | 1<<FieldServerPort | 1<<FieldIP | 1<<FieldPort

// Of is the set of the fields fs.
func Of(fs ...Field) Set {
	var s Set
	for _, f := range fs {
		s |= 1 << f
	}
	return s
}

// Has reports whether f is in s.
func (s Set) Has(f Field) bool { return s&(1<<f) != 0 }

// Conn is what an expression is evaluated on: one connection's fields
// as known so far. Final says which are settled; the value of a field not
// in Final is not looked at, but for the monotonic ones (Notes, Decrypted,
// Resumed), whose values so far count as far as they go: a note seen
// stays seen, a connection decrypted stays decrypted.
type Conn struct {
	SNI, Cipher, ALPN    string
	JA3, JA3S, JA4, JA4S string
	Transport            string // "tcp", "quic" or "dtls"
	CipherID             uint16
	Version              uint16 // the wire number (0x0303: TLS 1.2); 0 unknown
	Client, Server       netip.AddrPort
	Notes                []string // the note codes
	Decrypted, Resumed   bool
	Final                Set
}

// known reports whether f's value may be looked at, and whether it is
// final.
func (c *Conn) known(f Field) (look, final bool) {
	final = c.Final.Has(f)
	return final || monotonic&(1<<f) != 0, final
}

// str is the value of a single-valued string field.
func (c *Conn) str(f Field) string {
	switch f {
	case FieldSNI:
		return c.SNI
	case FieldCipher:
		return c.Cipher
	case FieldALPN:
		return c.ALPN
	case FieldJA3:
		return c.JA3
	case FieldJA3S:
		return c.JA3S
	case FieldJA4:
		return c.JA4
	case FieldJA4S:
		return c.JA4S
	case FieldTransport:
		return c.Transport
	}
	return ""
}

// Versions an expression may name: the wire numbers (versionRank orders
// them).
const (
	vSSL20  = 0x0002
	vSSL30  = 0x0300
	vTLS10  = 0x0301
	vTLS11  = 0x0302
	vTLS12  = 0x0303
	vTLS13  = 0x0304
	vDTLS10 = 0xfeff
	vDTLS12 = 0xfefd
	vDTLS13 = 0xfefc
)

// versionRank orders versions, a DTLS version where its TLS equivalent
// stands and a TLS 1.3 draft where TLS 1.3 does (tlsparser.Version); 0 for
// one not ordered (unknown).
func versionRank(v uint16) int {
	switch t := tlsparser.Version(v).TLSEquivalent(); {
	case t.IsTLS13():
		return 6
	case t == tlsparser.VersionTLS12:
		return 5
	case t == tlsparser.VersionTLS11:
		return 4
	case t == tlsparser.VersionTLS10:
		return 3
	case t == tlsparser.VersionSSL30:
		return 2
	case t == tlsparser.VersionSSL20:
		return 1
	}
	return 0
}

// versionNames are the version values an expression may name, written
// as parseVersion normalises them.
var versionNames = map[string]uint16{
	"ssl2": vSSL20, "ssl2.0": vSSL20, "ssl3": vSSL30, "ssl3.0": vSSL30,
	"tls1": vTLS10, "tls1.0": vTLS10, "tls1.1": vTLS11, "tls1.2": vTLS12, "tls1.3": vTLS13,
	"dtls1": vDTLS10, "dtls1.0": vDTLS10, "dtls1.2": vDTLS12, "dtls1.3": vDTLS13,
}

// parseVersion reads a version name ("TLS 1.2", "tlsv1.2", "TLS1.2",
// "DTLS 1.3", "SSL 3.0") or a wire number ("0x0303").
func parseVersion(s string) (uint16, bool) {
	if n, ok := parseNumber(s); ok && strings.HasPrefix(strings.ToLower(s), "0x") {
		return n, true
	}
	k := strings.ToLower(s)
	k = strings.NewReplacer(" ", "", "_", "", "v", "").Replace(k)
	v, ok := versionNames[k]
	return v, ok
}

// parseNumber reads a decimal or 0x-hexadecimal number up to 65535.
func parseNumber(s string) (uint16, bool) {
	var n uint64
	var err error
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		n, err = strconv.ParseUint(s[2:], 16, 16)
	} else {
		n, err = strconv.ParseUint(s, 10, 16)
	}
	return uint16(n), err == nil
}

// parseBool reads a boolean value.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "1", "on":
		return true, true
	case "false", "no", "0", "off":
		return false, true
	}
	return false, false
}
