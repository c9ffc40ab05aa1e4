package report

import (
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/ssldissect/ssldissect/parser"
)

// The JSON schema of CONTRACT.md. Parser structs are never serialized
// directly: every object written is one of these types.

// Record is `"type":"record"`.
type Record struct {
	Type          string     `json:"type"`
	Conn          uint64     `json:"conn"`
	Dir           string     `json:"dir"`
	TS            string     `json:"ts"`
	Packet        uint64     `json:"packet"`
	Offset        uint64     `json:"offset"`
	ContentType   string     `json:"content_type"`
	ContentTypeID string     `json:"content_type_id"`
	Version       string     `json:"version"`
	VersionID     string     `json:"version_id"`
	Length        int        `json:"length"`
	SSLv2         bool       `json:"sslv2,omitempty"`
	Encrypted     bool       `json:"encrypted"`
	Handshake     []Object   `json:"handshake,omitempty"`
	Alerts        []Alert    `json:"alerts"` // always a list: [] when the record carries none
	Heartbeat     *Heartbeat `json:"heartbeat,omitempty"`
	// ACKs are the record numbers a DTLS 1.3 ACK record acknowledges.
	ACKs       []RecordNumber `json:"acks,omitempty"`
	Decrypted  bool           `json:"decrypted"`
	EarlyData  bool           `json:"early_data,omitempty"`
	NullCipher bool           `json:"null_cipher,omitempty"`
	MAC        string         `json:"mac"`
	Plaintext  int            `json:"plaintext_bytes,omitempty"`
	Notes      []Note         `json:"notes,omitempty"`
	// Dropped counts what the record caps left out of Handshake, Alerts
	// and Notes; absent when nothing was.
	Dropped *RecordDropped `json:"dropped,omitempty"`
	// DTLS records: the epoch and sequence number of the record header
	// (for a DTLS 1.3 unified header, the full values once decrypted,
	// else the low bits as sent), and the connection ID (RFC 9146), hex.
	Epoch *uint16 `json:"epoch,omitempty"`
	Seq   *uint64 `json:"seq,omitempty"`
	CID   string  `json:"cid,omitempty"`
	// Hex is the record as captured, header and protected fragment
	// (-X only): lower-case hex, no spaces.
	Hex HexBytes `json:"hex,omitempty"`

	// messages, when Handshake is empty, are the handshake messages to
	// write as it would be (appendMessageJSON), with Objects from arena:
	// the Writer's JSON, without building the Objects first.
	messages []parser.Message
	arena    *objArena
	// ts, when TS is empty, is the time stamp to write as TS
	// (appendRecordJSON), without making its string first.
	ts time.Time
	// plain: Type, Dir, ContentType(ID), Version(ID) and MAC are names
	// and ids from the code-point tables (TestNamesArePlain), written
	// without the escape check.
	plain bool
}

// RecordNumber is a DTLS 1.3 record number (RFC 9147 section 7).
type RecordNumber struct {
	Epoch uint64 `json:"epoch"`
	Seq   uint64 `json:"seq"`
}

// RecordDropped counts the items of a record's lists past the record caps
// (session.MaxRecordMessages, MaxRecordAlerts, MaxRecordNotes), each key
// named after the list it shortened.
type RecordDropped struct {
	Handshake int `json:"handshake,omitempty"`
	Alerts    int `json:"alerts,omitempty"`
	Notes     int `json:"notes,omitempty"`
}

// Alert is one alert message.
type Alert struct {
	Dir           string `json:"dir,omitempty"`
	Level         string `json:"level"`
	LevelID       string `json:"level_id,omitempty"`
	Description   string `json:"description"`
	DescriptionID string `json:"description_id,omitempty"`
	Encrypted     bool   `json:"encrypted,omitempty"`
}

// Heartbeat is a heartbeat message's header.
type Heartbeat struct {
	Type          string `json:"type"`
	PayloadLength int    `json:"payload_length"`
	Received      int    `json:"received"`
	Heartbleed    bool   `json:"heartbleed"`
}

// Note is an anomaly.
type Note struct {
	Code   string `json:"code"`
	Dir    string `json:"dir,omitempty"`
	Offset uint64 `json:"offset,omitempty"`
	Packet uint64 `json:"packet,omitempty"`
	Detail string `json:"detail"`
}

// PerDir counts something in each direction.
type PerDir struct {
	C2S int64 `json:"c2s"`
	S2C int64 `json:"s2c"`
}

// TCPFigures is a TCP connection's "tcp" object: its segments per
// direction, as they came (retransmissions included).
type TCPFigures struct {
	Packets         PerDir `json:"packets"`         // segments, SYN/ACK/FIN/RST ones included
	Bytes           PerDir `json:"bytes"`           // frame lengths on the wire
	PayloadBytes    PerDir `json:"payload_bytes"`   // TCP payload bytes
	Retransmissions PerDir `json:"retransmissions"` // segments with payload seen before, all or in part
}

// UDPFigures is a QUIC or DTLS connection's "udp" object: its datagrams
// per direction.
type UDPFigures struct {
	Datagrams PerDir `json:"datagrams"`
	Bytes     PerDir `json:"bytes"` // frame lengths on the wire
}

// MACCounts counts verified and failed records.
type MACCounts struct {
	Verified int `json:"verified"`
	Failed   int `json:"failed"`
}

// Finished tells, per direction, whether the Finished message's
// verify_data matched the handshake transcript: "ok", "failed", or
// "unchecked" (no keys, or the message was not seen).
type Finished struct {
	C2S string `json:"c2s"`
	S2C string `json:"s2c"`
}

// Certificate is one X.509 certificate's summary.
type Certificate struct {
	Subject            string   `json:"subject"`
	Issuer             string   `json:"issuer"`
	Serial             string   `json:"serial"`
	NotBefore          string   `json:"not_before"`
	NotAfter           string   `json:"not_after"`
	Key                string   `json:"key"`
	SignatureAlgorithm string   `json:"signature_algorithm"`
	SHA256             string   `json:"sha256"`
	SAN                []string `json:"san"`
	SelfSigned         bool     `json:"self_signed"`
	Error              string   `json:"error,omitempty"`
}

// DecryptFailure is one direction's reason for staying encrypted.
type DecryptFailure struct {
	Dir    string `json:"dir"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// Connection is `"type":"connection"`.
type Connection struct {
	Type             string   `json:"type"`
	ID               uint64   `json:"id"`
	Client           string   `json:"client"`
	Server           string   `json:"server"`
	CommunityID      string   `json:"community_id"` // Community ID v1, seed 0 (internal/communityid)
	Start            string   `json:"start"`
	End              string   `json:"end"`
	EndCause         string   `json:"end_cause"`
	Transport        string   `json:"transport,omitempty"`
	Version          string   `json:"version"`
	VersionID        string   `json:"version_id"`
	CipherSuite      string   `json:"cipher_suite"`
	CipherSuiteID    string   `json:"cipher_suite_id"`
	KeyExchange      string   `json:"key_exchange,omitempty"`
	KeyExchangeGroup string   `json:"key_exchange_group,omitempty"`
	KeyExchangeBits  int      `json:"key_exchange_bits,omitempty"`
	SNI              string   `json:"sni"`
	ALPN             string   `json:"alpn"`
	ALPNOffered      []string `json:"alpn_offered"`
	JA3              string   `json:"ja3"`
	JA3Full          string   `json:"ja3_full"`
	JA3S             string   `json:"ja3s"`
	JA3SFull         string   `json:"ja3s_full"`
	JA4              string   `json:"ja4"`
	JA4S             string   `json:"ja4s"`
	// ECH is set when the ClientHello carried encrypted_client_hello
	// (CONTRACT.md "Encrypted ClientHello").
	ECH               *ECH      `json:"ech,omitempty"`
	HelloRetryRequest bool      `json:"hello_retry_request"`
	Resumed           bool      `json:"resumed"`
	EarlyData         string    `json:"early_data,omitempty"`
	Decrypted         bool      `json:"decrypted"`
	StartTLS          string    `json:"starttls,omitempty"`
	RolesGuessed      bool      `json:"roles_guessed,omitempty"`
	Records           PerDir    `json:"records"`
	PlaintextBytes    PerDir    `json:"plaintext_bytes"`
	MAC               MACCounts `json:"mac"`
	Finished          Finished  `json:"finished"`
	Alerts            []Alert   `json:"alerts"`
	Gaps              int       `json:"gaps"`
	Notes             []Note    `json:"notes"`
	// TCP (TCP connections) and UDP (QUIC, DTLS) are the connection's
	// packets on the wire (README "Wire figures").
	TCP *TCPFigures `json:"tcp,omitempty"`
	UDP *UDPFigures `json:"udp,omitempty"`
	// DecryptFailure says why a direction's protected records were not
	// decrypted (CONTRACT.md "Why not decrypted"); absent when none was.
	DecryptFailure     []DecryptFailure `json:"decrypt_failure,omitempty"`
	History            string           `json:"history"`
	ServerCertificates []Certificate    `json:"server_certificates"`
	ClientCertificates []Certificate    `json:"client_certificates"`
	// The chain's verdict and what the server stapled (trust.go).
	Trust
	// QUIC connections only (CONTRACT.md "QUIC and DTLS").
	*QUICConn
	// Dropped counts what the per-connection caps (session/limits.go)
	// left out of the lists above; absent when nothing was.
	Dropped *Dropped `json:"dropped,omitempty"`
}

// Dropped counts the items past the per-connection caps, each key named
// after the list it shortened (record_* are the records' lists, summed
// over the connection). Keys whose count is 0 are left out.
type Dropped struct {
	Alerts             int `json:"alerts,omitempty"`
	Notes              int `json:"notes,omitempty"`
	ServerCertificates int `json:"server_certificates,omitempty"`
	ClientCertificates int `json:"client_certificates,omitempty"`
	ALPNOffered        int `json:"alpn_offered,omitempty"`
	History            int `json:"history,omitempty"`
	RecordHandshake    int `json:"record_handshake,omitempty"`
	RecordAlerts       int `json:"record_alerts,omitempty"`
	RecordNotes        int `json:"record_notes,omitempty"`
}

// Summary is the last line of a run, `"type":"summary"`.
type Summary struct {
	Type       string `json:"type"`
	Packets    uint64 `json:"packets"`
	Bytes      uint64 `json:"bytes"`
	TCPPackets uint64 `json:"tcp_packets"`
	UDPPackets uint64 `json:"udp_packets"`
	// Connections counts TCP, QUIC and DTLS connections; QUICConnections the
	// QUIC ones, QUICPackets their packets (coalesced ones counted apart)
	// and QUICDecryptedPackets those decrypted and authenticated.
	Connections          uint64 `json:"connections"`
	QUICConnections      uint64 `json:"quic_connections"`
	DTLSConnections      uint64 `json:"dtls_connections"`
	QUICPackets          uint64 `json:"quic_packets"`
	QUICDecryptedPackets uint64 `json:"quic_decrypted_packets"`
	TLSConnections       uint64 `json:"tls_connections"`
	DecryptedConnections uint64 `json:"decrypted_connections"`
	Records              uint64 `json:"records"`
	Gaps                 uint64 `json:"gaps"`
	GapBytes             uint64 `json:"gap_bytes"`
	DroppedByCaps        uint64 `json:"dropped_by_caps"`
	// Connections ended to make room (--max-conns, or the budget of
	// reassembly's pending bytes).
	EvictedConnections    uint64 `json:"evicted_connections"`
	RetransmissionsDiffer uint64 `json:"retransmissions_differ"`
	// Overlapping segments that could not be compared wholly with the
	// earlier ones, some of those bytes gone from the direction's ring of
	// its last 8 KiB.
	OverlapsUnchecked uint64 `json:"overlaps_unchecked"`
	// What the capture layer did not pass on, and why (capture.Stats):
	// frames that are not IP, IP frames without TCP, frames the filter
	// rejected, frames with a malformed or truncated header, and the IP
	// fragments seen, rebuilt into datagrams, and refused.
	NonIPPackets         uint64 `json:"non_ip_packets"`
	NonTCPPackets        uint64 `json:"non_tcp_packets"`
	FilteredPackets      uint64 `json:"filtered_packets"`
	DecodeErrors         uint64 `json:"decode_errors"`
	IPFragments          uint64 `json:"ip_fragments"`
	FragmentsReassembled uint64 `json:"fragments_reassembled"`
	FragmentsDropped     uint64 `json:"fragments_dropped"`
	Tunnels              uint64 `json:"tunnels"`
	// Frames longer than their file's snapshot length, cut to it.
	FramesCutToSnaplen uint64 `json:"frames_cut_to_snaplen"`
	// Input files given that could not be read (named in warnings).
	UnreadableFiles uint64 `json:"unreadable_files"`
	// The connections that hit a per-connection cap, and the sum of their
	// Dropped counts; both absent when none did.
	CappedConnections uint64   `json:"capped_connections,omitempty"`
	Dropped           *Dropped `json:"dropped,omitempty"`
	// The distinct ECHConfigs that the DNS responses (UDP from port 53)
	// published in HTTPS/SVCB records, kept to tell real ECH from GREASE,
	// and those not kept once 1,024 were; both absent when none.
	DNSECHConfigs        uint64 `json:"dns_ech_configs,omitempty"`
	DNSECHConfigsDropped uint64 `json:"dns_ech_configs_dropped,omitempty"`
	// UDP datagrams from port 53 that did not decode as DNS (or hit a cap
	// of parser/dns), and ech SvcParams whose ECHConfigList did not
	// decode; absent when none.
	DNSMalformed uint64 `json:"dns_malformed,omitempty"`
	Warnings     int    `json:"warnings"`
	// KeylogLinesUnused counts the key-log secrets (by label and client
	// random) that matched no connection.
	KeylogLinesUnused int     `json:"keylog_lines_unused"`
	ElapsedSeconds    float64 `json:"elapsed_seconds"`
	// Live capture only (absent for files): the interface, and the
	// frames the kernel passed to the socket, dropped for want of buffer
	// space, and dropped by ssldissect's own queue.
	// Select is set when --select was given (select.go); the counts
	// above are of all traffic, matched or not.
	Select        *SelectSummary `json:"select,omitempty"`
	Interface     string         `json:"interface,omitempty"`
	KernelPackets *uint64        `json:"kernel_packets,omitempty"`
	KernelDrops   *uint64        `json:"kernel_drops,omitempty"`
	QueueDrops    *uint64        `json:"queue_drops,omitempty"`
	// CaptureMethod is how the socket was read: "tpacket_v3" (memory-
	// mapped ring) or "recvmsg" (the fallback). KernelFreezes is the
	// ring's tp_freeze_q_cnt (times it was full; its drops are in
	// KernelDrops); VLANTagsRestored counts frames given back the 802.1Q
	// tag the kernel had taken out; FanoutGroup is --fanout-group.
	CaptureMethod    string  `json:"capture_method,omitempty"`
	KernelFreezes    *uint64 `json:"kernel_freezes,omitempty"`
	VLANTagsRestored *uint64 `json:"vlan_tags_restored,omitempty"`
	FanoutGroup      *int    `json:"fanout_group,omitempty"`
}

// timeString formats a packet time as RFC 3339 in UTC, with microseconds.
func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	var b [32]byte
	return string(appendTimeString(b[:0], t))
}

// appendTimeString appends timeString(t) for a t that is not zero.
func appendTimeString(b []byte, t time.Time) []byte {
	sec := t.Unix()
	if sec < 0 || sec >= maxTimeSec {
		return t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
	}
	// The same layout, without Format's parsing of it and without the
	// calendar of time.Time.Date (every record has a time stamp): the
	// civil date of the day number (Hinnant's days_from_civil inverse,
	// for years 1970-9999).
	days, rem := sec/86400, int(sec%86400)
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := int(doy - (153*mp+2)/5 + 1)
	month := int(mp + 3)
	year := int(yoe + era*400)
	if month > 12 {
		month -= 12
		year++
	}
	us := t.Nanosecond() / 1000
	const d2 = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
		"8081828384858687888990919293949596979899"
	two := func(v int) (byte, byte) { return d2[2*v], d2[2*v+1] }
	var o [27]byte
	o[0], o[1] = two(year / 100)
	o[2], o[3] = two(year % 100)
	o[4] = '-'
	o[5], o[6] = two(month)
	o[7] = '-'
	o[8], o[9] = two(day)
	o[10] = 'T'
	o[11], o[12] = two(rem / 3600)
	o[13] = ':'
	o[14], o[15] = two(rem / 60 % 60)
	o[16] = ':'
	o[17], o[18] = two(rem % 60)
	o[19] = '.'
	o[20], o[21] = two(us / 10000)
	o[22], o[23] = two(us / 100 % 100)
	o[24], o[25] = two(us % 100)
	o[26] = 'Z'
	return append(b, o[:]...)
}

// maxTimeSec is 10000-01-01T00:00:00Z: appendTimeString writes the years
// before it by hand.
const maxTimeSec = 253402300800

// hex8 is "0x%02x": from a table, as code points are written for every
// record, message and extension.
func hex8(v uint8) string { return hex8Table[v] }

// hex16 is "0x%04x", a string over hex16Bytes: no allocation for any
// value (ids of cipher suites, groups, extensions and versions are written
// for every hello and record).
func hex16(v uint16) string {
	hex16Once.Do(buildHex16)
	return unsafe.String(&hex16Bytes[int(v)*6], 6)
}

// hex16Bytes is "0x0000" to "0xffff" one after the other (384 KiB), built
// on the first hex16.
var (
	hex16Once  sync.Once
	hex16Bytes []byte
)

func buildHex16() {
	const digits = "0123456789abcdef"
	b := make([]byte, 6<<16)
	for v := range 1 << 16 {
		o := b[v*6 : v*6+6]
		o[0], o[1], o[2], o[3], o[4], o[5] = '0', 'x', digits[v>>12], digits[v>>8&0xf], digits[v>>4&0xf], digits[v&0xf]
	}
	hex16Bytes = b
}

var hex8Table = func() (a [256]string) {
	for i := range a {
		a[i] = fmt.Sprintf("0x%02x", i)
	}
	return
}()

// CYU is a Google QUIC CHLO's fingerprint: "<version>,<tags joined by ->"
// and its MD5.
type CYU struct {
	String string `json:"string"`
	Hash   string `json:"hash"`
}

// QUICConn holds the fields of a QUIC connection's line.
type QUICConn struct {
	QUICVersion        string   `json:"quic_version"`
	QUICVersionName    string   `json:"quic_version_name"`
	OriginalDCID       string   `json:"original_dcid"`
	ClientSCID         string   `json:"client_scid"`
	ServerSCID         string   `json:"server_scid"`
	Retry              bool     `json:"retry"`
	VersionNegotiation bool     `json:"version_negotiation"`
	UserAgent          string   `json:"quic_user_agent,omitempty"` // Google QUIC: the CHLO's UAID
	CHLOTags           []string `json:"quic_chlo_tags,omitempty"`  // Google QUIC: the CHLO's tags, in order
	CYU                []CYU    `json:"quic_cyu,omitempty"`        // Google QUIC: each CHLO's fingerprint, as Suricata's quic.cyu
	KeyUpdates         PerDir   `json:"key_updates"`
	Packets            PerDir   `json:"packets"`
	DecryptedPackets   PerDir   `json:"decrypted_packets"`
}
