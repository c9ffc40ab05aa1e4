package fingerprint

// TLS client and server fingerprints: JA3, JA3S, JA4, JA4S.
//
// Specifications followed (section names are cited in the comments below):
//   - JA3 and JA3S: salesforce/ja3 README.md, "How it works" (and the JA3S
//     section of the same README).
//   - JA4: FoxIO-LLC/ja4 technical_details/JA4.md ("JA4 Algorithm", "Details",
//     "QUIC and DTLS", "TLS and DTLS Version", "SNI", "Number of Ciphers",
//     "Number of Extensions", "ALPN Extension Value", "Cipher hash",
//     "Extension hash", "Raw Output").
//   - JA4S: FoxIO-LLC/ja4 technical_details/JA4S.md.
//   - GREASE: RFC 8701, section 2.
//
// The inputs are this package's own structs of plain numbers (ClientInput,
// ServerInput), filled from parsed hellos by FromClientHello and
// FromServerHello (hello.go), so that the algorithms are tested alone.

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// ClientInput holds the ClientHello fields that JA3 and JA4 use.
// Lists are in wire order and may contain GREASE values; the fingerprint
// functions remove them where the specs say so.
type ClientInput struct {
	Transport           byte     // 't' TCP, 'q' QUIC, 'd' DTLS; anything else counts as 't'
	SSLv2               bool     // an SSLv2-format ClientHello: JA3 is then empty; JA4 still uses Version
	Version             uint16   // legacy_version of the hello (not the record-layer version)
	CipherSuites        []uint16 // wire order, GREASE included (SSLv2: the specs with a zero first byte)
	Extensions          []uint16 // extension types, wire order, GREASE included
	SupportedGroups     []uint16 // supported_groups (elliptic_curves), wire order
	ECPointFormats      []uint8  // ec_point_formats, wire order
	SignatureAlgorithms []uint16 // signature_algorithms, wire order
	ALPN                []string // offered protocols, wire order
	SupportedVersions   []uint16 // supported_versions, wire order
	SNI                 string   // server_name host, "" when absent
}

// ServerInput holds the ServerHello fields that JA3S and JA4S use.
type ServerInput struct {
	Transport       byte     // 't' TCP, 'q' QUIC, 'd' DTLS; anything else counts as 't'
	Version         uint16   // ServerHello legacy_version
	CipherSuite     uint16   // the selected suite
	Extensions      []uint16 // extension types, wire order
	SelectedVersion uint16   // supported_versions value, 0 if absent
	ALPN            string   // selected protocol, "" if none
}

// Extension types that JA4 treats specially (IANA TLS ExtensionType registry).
const (
	fpExtServerName = 0x0000 // server_name, RFC 6066
	fpExtALPN       = 0x0010 // application_layer_protocol_negotiation, RFC 7301
)

// fpEmptyHash is what JA4 prints instead of hashing an empty list
// (JA4.md "Cipher hash" and "Extension hash"; JA4S by the same rule, see JA4S).
const fpEmptyHash = "000000000000"

// fpIsGREASE reports whether v is one of the sixteen reserved GREASE values
// 0x0A0A, 0x1A1A, ..., 0xFAFA of RFC 8701 section 2 (both bytes equal, low
// nibble of each 0xA). The same values are reserved for cipher suites,
// extensions, named groups, signature algorithms and versions.
func fpIsGREASE(v uint16) bool {
	return v&0x0f0f == 0x0a0a && v>>8 == v&0xff
}

// fpWithoutGREASE returns the values of vs that are not GREASE, in order.
func fpWithoutGREASE(vs []uint16) []uint16 {
	out := make([]uint16, 0, len(vs))
	for _, v := range vs {
		if !fpIsGREASE(v) {
			out = append(out, v)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// JA3 / JA3S

// JA3 returns the JA3 string and its MD5 hash in lower-case hex.
//
// salesforce/ja3 README "How it works": the fields
// SSLVersion,Cipher,SSLExtension,EllipticCurve,EllipticCurvePointFormat in
// decimal, values joined by '-', fields by ','; a field with no values is
// left empty ("769,4-5-10-9-100-98-3-6-19-18-99,,,"). GREASE values are
// ignored "completely": they are removed from the cipher, extension and
// curve lists. Point formats are single bytes and can never be GREASE, so
// nothing is removed from them. SSLVersion is the ClientHello's
// legacy_version, never the record-layer version nor supported_versions.
//
// JA3 is defined on the TLS ClientHello only: the salesforce/ja3 scripts
// read handshake records and Wireshark computes it in the TLS ClientHello
// dissector, so no tool gives a JA3 for an SSLv2-format ClientHello (whose
// 3-byte cipher specs do not fit the format either). For those JA3 returns
// two empty strings.
func JA3(h *ClientInput) (full string, hash string) {
	if h == nil {
		h = &ClientInput{}
	}
	if h.SSLv2 {
		return "", ""
	}
	var b strings.Builder
	b.WriteString(strconv.FormatUint(uint64(h.Version), 10))
	b.WriteByte(',')
	ja3WriteList(&b, h.CipherSuites)
	b.WriteByte(',')
	ja3WriteList(&b, h.Extensions)
	b.WriteByte(',')
	ja3WriteList(&b, h.SupportedGroups)
	b.WriteByte(',')
	writeDecimals(&b, h.ECPointFormats)
	full = b.String()
	return full, fpMD5(full)
}

// JA3S returns the JA3S string and its MD5 hash in lower-case hex.
//
// salesforce/ja3 README, JA3S: the fields SSLVersion,Cipher,SSLExtension of
// the ServerHello, with the same decimal and delimiter rules as JA3.
// SSLVersion is the ServerHello's legacy_version (a TLS 1.3 server gives
// 771 here; its supported_versions value is not used). The README says
// nothing of GREASE for JA3S and the reference script
// (salesforce/ja3 python/ja3s.py, process_extensions) keeps every extension
// type, so nothing is removed here. Servers do not send GREASE in a
// ServerHello (RFC 8701 section 3), so this only matters for malformed
// input.
func JA3S(s *ServerInput) (full string, hash string) {
	if s == nil {
		s = &ServerInput{}
	}
	var b strings.Builder
	b.WriteString(strconv.FormatUint(uint64(s.Version), 10))
	b.WriteByte(',')
	b.WriteString(strconv.FormatUint(uint64(s.CipherSuite), 10))
	b.WriteByte(',')
	writeDecimals(&b, s.Extensions)
	full = b.String()
	return full, fpMD5(full)
}

// ja3WriteList writes the non-GREASE values of vs in decimal, '-' separated.
func ja3WriteList(b *strings.Builder, vs []uint16) {
	first := true
	for _, v := range vs {
		if fpIsGREASE(v) {
			continue
		}
		if !first {
			b.WriteByte('-')
		}
		first = false
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	}
}

// writeDecimals writes every value of vs in decimal, '-' separated.
func writeDecimals[T uint8 | uint16](b *strings.Builder, vs []T) {
	for i, v := range vs {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	}
}

func fpMD5(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ---------------------------------------------------------------------------
// JA4

// JA4 returns the JA4 fingerprint of a ClientHello, for example
// "t13d1516h2_8daaf6152771_e5627efa2ab1" (JA4.md "JA4 Algorithm" and
// "Example"): JA4_a, then the truncated SHA-256 of the sorted cipher list
// (JA4_b), then that of the sorted extension list followed by the
// signature algorithms (JA4_c).
func JA4(h *ClientInput) string {
	return ja4Hashed(h, false)
}

// JA4Raw returns the unhashed JA4 fingerprint (JA4.md "Raw Output"): ja4_r
// with original false (sorted lists, SNI and ALPN left out of the
// extensions), ja4_ro with original true (lists in wire order, GREASE
// removed, SNI and ALPN kept).
func JA4Raw(h *ClientInput, original bool) string {
	p := ja4Split(h, original)
	return p.a + "_" + p.ciphers + "_" + p.extsSigs
}

// ja4Hashed returns ja4 (original false) or ja4_o (original true), the
// hashed form of the lists that JA4Raw prints.
func ja4Hashed(h *ClientInput, original bool) string {
	p := ja4Split(h, original)
	b := fpEmptyHash
	if p.nCiphers > 0 {
		b = fpHash12(p.ciphers)
	}
	// JA4.md "Extension hash": "If there are no extensions in the sorted
	// extensions list, then the value of JA4_c is set to 000000000000",
	// whether or not signature algorithms follow them.
	c := fpEmptyHash
	if p.nExts > 0 {
		c = fpHash12(p.extsSigs)
	}
	return p.a + "_" + b + "_" + c
}

// ja4Parts is a ClientHello cut into the three JA4 sections, unhashed.
type ja4Parts struct {
	a        string // e.g. t13d1516h2
	ciphers  string // 4-hex-digit cipher suites, comma separated
	extsSigs string // extensions, then "_" and signature algorithms if any
	nCiphers int    // values in ciphers
	nExts    int    // values in the extension part of extsSigs
}

func ja4Split(h *ClientInput, original bool) ja4Parts {
	if h == nil {
		h = &ClientInput{}
	}
	// JA4.md "Details": GREASE values are ignored everywhere.
	ciphers := fpWithoutGREASE(h.CipherSuites)
	exts := fpWithoutGREASE(h.Extensions)
	sigs := fpWithoutGREASE(h.SignatureAlgorithms)

	// JA4.md "SNI": 'd' when the server_name extension is present, else 'i'.
	// The SNI field is the host name; an SNI extension whose name did not
	// parse still counts as present, as the extension list says so.
	sni := byte('i')
	if h.SNI != "" || fpContains(exts, fpExtServerName) {
		sni = 'd'
	}

	var a strings.Builder
	a.Grow(10)
	a.WriteByte(fpProto(h.Transport))
	a.WriteString(ja4Version(h))
	a.WriteByte(sni)
	// JA4.md "Number of Ciphers" and "Number of Extensions": two digits,
	// GREASE not counted, capped at 99; the extension count includes SNI and
	// ALPN even though the hash below leaves them out.
	fpWriteCount(&a, len(ciphers))
	fpWriteCount(&a, len(exts))
	a.WriteString(fpALPNChars(fpFirst(h.ALPN)))

	if !original {
		// JA4.md "Extension hash": SNI (0000) and ALPN (0010) are omitted
		// from the sorted list only; the "o" rendering keeps them
		// ("Raw Output": "This means SNI (0000) and ALPN (0010) are
		// included").
		kept := exts[:0]
		for _, e := range exts {
			if e != fpExtServerName && e != fpExtALPN {
				kept = append(kept, e)
			}
		}
		exts = kept
		// JA4.md "Cipher hash"/"Extension hash": sorted in hex order. The
		// values are fixed-width hex, so numeric order is hex order.
		slices.Sort(ciphers)
		slices.Sort(exts)
	}

	p := ja4Parts{
		a:        a.String(),
		ciphers:  fpHexList(ciphers),
		nCiphers: len(ciphers),
		nExts:    len(exts),
	}
	// JA4.md "Extension hash": the signature algorithms follow in wire
	// order after an underscore; "If there are no signature algorithms in
	// the hello packet, then the string ends without an underscore".
	p.extsSigs = fpHexList(exts)
	if len(sigs) > 0 {
		p.extsSigs += "_" + fpHexList(sigs)
	}
	return p
}

// ja4Version returns the two version characters of JA4_a.
//
// JA4.md "TLS and DTLS Version": if supported_versions is present the
// version is its highest value, GREASE ignored; otherwise the hello's
// protocol version; the record-layer version is ignored. Unknown values
// print "00".
//
// "Highest" is taken as the newest protocol version. For TLS that is the
// numerically largest value. DTLS numbers count down (0xfeff DTLS 1.0,
// 0xfefd DTLS 1.2, 0xfefc DTLS 1.3), so on DTLS the numerically smallest
// 0xfeXX value is the highest version; taking the numeric maximum there
// would print "d2" for every DTLS 1.3 client. Should supported_versions
// carry nothing but GREASE, the legacy version is used.
func ja4Version(h *ClientInput) string {
	v := h.Version
	found := false
	for _, sv := range h.SupportedVersions {
		if fpIsGREASE(sv) {
			continue
		}
		if !found || fpNewerVersion(sv, v) {
			v = sv
			found = true
		}
	}
	return fpVersionChars(v)
}

// fpNewerVersion reports whether protocol version a is newer than b.
func fpNewerVersion(a, b uint16) bool {
	aD, bD := a>>8 == 0xfe, b>>8 == 0xfe
	if aD && bD {
		return a < b // DTLS: 0xfefc (1.3) is newer than 0xfefd (1.2)
	}
	return a > b
}

// fpVersionChars maps a protocol version to its JA4/JA4S characters
// (JA4.md "TLS and DTLS Version" table).
func fpVersionChars(v uint16) string {
	switch v {
	case 0x0304:
		return "13"
	case 0x0303:
		return "12"
	case 0x0302:
		return "11"
	case 0x0301:
		return "10"
	case 0x0300:
		return "s3"
	case 0x0002:
		return "s2"
	case 0xfeff:
		return "d1"
	case 0xfefd:
		return "d2"
	case 0xfefc:
		return "d3"
	}
	return "00"
}

// fpProto is the first character: 'q' QUIC, 'd' DTLS, else 't' (JA4.md
// "QUIC and DTLS"; JA4S.md uses the same character).
func fpProto(t byte) byte {
	switch t {
	case 'q', 'd':
		return t
	}
	return 't'
}

// fpALPNChars returns the two ALPN characters of JA4_a and JA4S_a
// (JA4.md "ALPN Extension Value"):
//   - "00" when there is no ALPN value or it is empty;
//   - the first and last byte when both are ASCII alphanumeric
//     (0x30-0x39, 0x41-0x5A, 0x61-0x7A); a one-byte value gives that byte
//     twice ("h" -> "hh");
//   - otherwise the first and last characters of the lower-case hex of the
//     whole value (0xAB -> "ab", 0x30 0xAB -> "3b", 0x30 0xAB 0xCD 0x31 ->
//     "01" since both ends are alphanumeric).
func fpALPNChars(alpn string) string {
	if alpn == "" {
		return "00"
	}
	first, last := alpn[0], alpn[len(alpn)-1]
	if fpAlnum(first) && fpAlnum(last) {
		return string([]byte{first, last})
	}
	const digits = "0123456789abcdef"
	return string([]byte{digits[first>>4], digits[last&0x0f]})
}

func fpAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

// ---------------------------------------------------------------------------
// JA4S

// JA4S returns the JA4S fingerprint of a ServerHello, for example
// "t120400_c030_4e8089b08790" (JA4S.md).
func JA4S(s *ServerInput) string {
	a, cipher, exts, n := ja4sSplit(s)
	c := fpEmptyHash
	if n > 0 {
		c = fpHash12(exts)
	}
	return a + "_" + cipher + "_" + c
}

// JA4SRaw returns the unhashed JA4S fingerprint, JA4S_r (JA4S.md "Raw
// Output"; JA4S never sorts, so there is no "o" variant).
func JA4SRaw(s *ServerInput) string {
	a, cipher, exts, _ := ja4sSplit(s)
	return a + "_" + cipher + "_" + exts
}

// ja4sSplit follows JA4S.md "JA4S Algorithm": protocol character, version
// (the supported_versions value when present, else the ServerHello
// version, mapped as for JA4), two-digit extension count (capped at 99 as
// in JA4), ALPN characters of the selected protocol, then the selected
// cipher in 4-digit hex, then the extensions in wire order. JA4S.md does
// not remove GREASE and the references keep every extension; a ServerHello
// never carries GREASE, so the list is kept as sent. An empty extension
// list hashes to 000000000000 like every empty JA4 list (JA4.md "Extension
// hash"; confirmed for JA4S in FoxIO-LLC/ja4 issue #110).
func ja4sSplit(s *ServerInput) (a, cipher, exts string, n int) {
	if s == nil {
		s = &ServerInput{}
	}
	v := s.Version
	if s.SelectedVersion != 0 {
		v = s.SelectedVersion
	}
	var b strings.Builder
	b.Grow(7)
	b.WriteByte(fpProto(s.Transport))
	b.WriteString(fpVersionChars(v))
	fpWriteCount(&b, len(s.Extensions))
	b.WriteString(fpALPNChars(s.ALPN))
	return b.String(), fpHex4(s.CipherSuite), fpHexList(s.Extensions), len(s.Extensions)
}

// ---------------------------------------------------------------------------
// Shared helpers

// fpHash12 is the first 12 hex characters of the lower-case SHA-256 of s
// (JA4.md "Details": "All sha256 functions must output in lower case").
func fpHash12(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// fpHex4 formats v as four lower-case hex digits.
func fpHex4(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>12], digits[v>>8&0xf], digits[v>>4&0xf], digits[v&0xf]})
}

// fpHexList joins vs as 4-digit lower-case hex, comma separated.
func fpHexList(vs []uint16) string {
	if len(vs) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(vs) * 5)
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(fpHex4(v))
	}
	return b.String()
}

// fpWriteCount writes n as two decimal digits, 99 at most.
func fpWriteCount(b *strings.Builder, n int) {
	n = min(n, 99)
	b.WriteByte(byte('0' + n/10))
	b.WriteByte(byte('0' + n%10))
}

func fpFirst(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

func fpContains(vs []uint16, x uint16) bool {
	for _, v := range vs {
		if v == x {
			return true
		}
	}
	return false
}
