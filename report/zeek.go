package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/parser/quic"
	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/trust"
	"golang.org/x/crypto/cryptobyte"
)

// Zeek logs (--format zeek): ssl.log, x509.log and quic.log as Zeek's
// ASCII writer makes them, in its TSV form with the #separator ... #close
// header lines, or one JSON object a line (LogAscii::use_json). The
// columns are those of Zeek's base scripts (ssl.log with the ones
// policy/protocols/ssl/ssl-log-ext adds, x509.log, quic.log); docs/ZEEK.md
// lists which are computed and how each value is formatted.

// ZeekOptions shapes a ZeekWriter.
type ZeekOptions struct {
	// Dir receives ssl.log, x509.log and quic.log, each created when its
	// first line is written.
	Dir string
	// JSON writes Zeek's JSON lines instead of TSV.
	JSON bool
	// Trust verifies the server chains for validation_status (nil: the
	// column stays unset).
	Trust *trust.Verifier
	// Now is the wall clock of the #open and #close lines; time.Now when
	// nil.
	Now func() time.Time
}

// zeekType is a column's Zeek type, as #types names it.
type zeekType string

const (
	zTime      zeekType = "time"
	zString    zeekType = "string"
	zAddr      zeekType = "addr"
	zPort      zeekType = "port"
	zBool      zeekType = "bool"
	zCount     zeekType = "count"
	zVecString zeekType = "vector[string]"
	zVecCount  zeekType = "vector[count]"
	zVecAddr   zeekType = "vector[addr]"
)

// zeekColumn is one column of a log.
type zeekColumn struct {
	name string
	typ  zeekType
}

func cols(spec ...string) []zeekColumn {
	out := make([]zeekColumn, 0, len(spec)/2)
	for i := 0; i+1 < len(spec); i += 2 {
		out = append(out, zeekColumn{spec[i], zeekType(spec[i+1])})
	}
	return out
}

var zeekID = []string{"ts", "time", "uid", "string", "id.orig_h", "addr", "id.orig_p", "port", "id.resp_h", "addr", "id.resp_p", "port"}

// ZeekSSLColumns are ssl.log's columns: Zeek's base ssl.log, then those of
// policy/protocols/ssl/ssl-log-ext.
var ZeekSSLColumns = cols(append(zeekID,
	"version", "string", "cipher", "string", "curve", "string", "server_name", "string",
	"resumed", "bool", "last_alert", "string", "next_protocol", "string", "established", "bool",
	"ssl_history", "string", "cert_chain_fps", "vector[string]", "client_cert_chain_fps", "vector[string]",
	"sni_matches_cert", "bool",
	// policy/protocols/ssl/validate-certs
	"validation_status", "string",
	"server_version", "count", "client_version", "count", "client_ciphers", "vector[count]",
	"ssl_client_exts", "vector[count]", "ssl_server_exts", "vector[count]", "ticket_lifetime_hint", "count",
	"dh_param_size", "count", "point_formats", "vector[count]", "client_curves", "vector[count]",
	"orig_alpn", "vector[string]", "client_supported_versions", "vector[count]", "server_supported_version", "count",
	"psk_key_exchange_modes", "vector[count]", "client_key_share_groups", "vector[count]", "server_key_share_group", "count",
	"client_comp_methods", "vector[count]", "sigalgs", "vector[count]", "hashalgs", "vector[count]",
	"ech_kdf_id", "count", "ech_aead_id", "count",
	// policy/protocols/ssl/ssl-add-cert-subjects
	"subject", "string", "issuer", "string", "client_subject", "string", "client_issuer", "string")...)

// ZeekX509Columns are x509.log's columns.
var ZeekX509Columns = cols(
	"ts", "time", "fingerprint", "string", "certificate.version", "count", "certificate.serial", "string",
	"certificate.subject", "string", "certificate.issuer", "string",
	"certificate.not_valid_before", "time", "certificate.not_valid_after", "time",
	"certificate.key_alg", "string", "certificate.sig_alg", "string", "certificate.key_type", "string",
	"certificate.key_length", "count", "certificate.exponent", "string", "certificate.curve", "string",
	"san.dns", "vector[string]", "san.uri", "vector[string]", "san.email", "vector[string]", "san.ip", "vector[addr]",
	"basic_constraints.ca", "bool", "basic_constraints.path_len", "count", "host_cert", "bool", "client_cert", "bool")

// ZeekQUICColumns are quic.log's columns.
var ZeekQUICColumns = cols(append(zeekID,
	"version", "string", "client_initial_dcid", "string", "client_scid", "string", "server_scid", "string",
	"server_name", "string", "client_protocol", "string", "history", "string")...)

// zv is one value of a line: unset (set false), or a string, a number, a
// bool or a list.
type zv struct {
	set  bool
	s    string   // string, addr, port, count (decimal), bool ("T"/"F"), time (seconds, 6 decimals)
	list []string // vectors
}

func zs(s string) zv { return zv{set: true, s: s} }

// zsOpt is s, unset when empty.
func zsOpt(s string) zv {
	if s == "" {
		return zv{}
	}
	return zs(s)
}

func zb(b bool) zv {
	if b {
		return zs("T")
	}
	return zs("F")
}

func zc(n uint64) zv { return zs(strconv.FormatUint(n, 10)) }

func zt(t time.Time) zv { return zs(zeekTime(t)) }

func zl(l []string) zv { return zv{set: true, list: append([]string{}, l...)} }

func zcounts[T ~uint8 | ~uint16 | ~uint32](l []T) zv {
	out := make([]string, len(l))
	for i, v := range l {
		out[i] = strconv.FormatUint(uint64(v), 10)
	}
	return zv{set: true, list: out}
}

// zeekTime is a time as Zeek writes it: seconds since the epoch with 6
// decimals.
func zeekTime(t time.Time) string {
	us := t.UnixMicro()
	neg := us < 0
	if neg {
		us = -us
	}
	s := fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
	if neg {
		s = "-" + s
	}
	return s
}

// zeekLog is one open log file.
type zeekLog struct {
	f *os.File
	w *bufio.Writer
}

// ZeekWriter writes Zeek's logs. It implements session.Sink; call Close
// at the end.
type ZeekWriter struct {
	opt   ZeekOptions
	logs  map[string]*zeekLog
	conns map[uint64]*zeekConn
	// certs are the fingerprints of the certificates logged: each is
	// logged once, as Zeek does (X509::relog_known_certificates_after).
	certs map[string]bool
	err   error
}

// zeekConn is what a connection's records tell beyond session.Conn.
type zeekConn struct {
	encrypted   [2]bool // the direction's records are protected (after its change_cipher_spec, or a TLS 1.3 protected record)
	established bool
	ticketHint  *uint32
	// history holds the ssl_history letters of the records Zeek reads
	// (those in clear; QUIC: the Initial packets), seen how many of
	// Conn.History were looked at.
	history []byte
	seen    int
	// leaf holds the subject and issuer of each direction's first
	// certificate, as Zeek writes them.
	leaf [2]*[2]string
	// clientExts and serverExts are the extension types of every hello
	// read, in order: Zeek appends those of each (a DTLS ClientHello
	// after a HelloVerifyRequest, a ServerHello after a
	// HelloRetryRequest).
	clientExts, serverExts     []parser.ExtensionType
	clientHellos, serverHellos int
	// QUIC: qhistory is quic.log's history, qseen as seen, short the
	// 1-RTT packets of each direction.
	qhistory []byte
	qseen    int
	short    [2]int
}

// NewZeekWriter makes a ZeekWriter; the directory is created when the
// first log is.
func NewZeekWriter(opt ZeekOptions) *ZeekWriter {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &ZeekWriter{opt: opt, logs: map[string]*zeekLog{}, conns: map[uint64]*zeekConn{}, certs: map[string]bool{}}
}

func (w *ZeekWriter) setErr(err error) {
	if err != nil && w.err == nil {
		w.err = err
	}
}

// Err is the first error met while writing.
func (w *ZeekWriter) Err() error { return w.err }

func (w *ZeekWriter) conn(id uint64) *zeekConn {
	st := w.conns[id]
	if st == nil {
		st = &zeekConn{}
		w.conns[id] = st
	}
	return st
}

// Record follows what the logs need beyond session.Conn: the history
// letters of the records Zeek reads, the extensions of every hello, the
// TLS 1.2 ticket lifetime, the certificates (x509.log, written at once),
// and ssl.log's established: Zeek's analyzer marks a direction encrypted
// at its change_cipher_spec (or, TLS 1.3, its first protected record), and
// the connection established at the first protected record once both
// are.
func (w *ZeekWriter) Record(ev *session.RecordEvent) {
	if w.err != nil {
		return
	}
	c := ev.Conn
	st := w.conn(c.ID)
	reads := zeekReads(ev)
	if n := len(c.History); n >= st.seen {
		if reads {
			st.history = append(st.history, c.History[st.seen:]...)
		}
		st.seen = n
	}
	for _, m := range ev.Messages {
		switch m := m.(type) {
		case *parser.ClientHello:
			if reads {
				st.clientHellos++
				st.clientExts = append(st.clientExts, extTypes(m.Extensions)...)
			}
		case *parser.ServerHello:
			if reads {
				st.serverHellos++
				st.serverExts = append(st.serverExts, extTypes(m.Extensions)...)
			}
		case *parser.NewSessionTicket:
			if !m.TLS13 && ev.Dir == session.ServerToClient {
				l := m.Lifetime
				st.ticketHint = &l
			}
		case *parser.Certificate:
			w.certificates(ev, m)
		}
	}
	if ev.QUIC != nil {
		st.quicHistory(ev)
		return // Zeek's QUIC analyzer never marks ssl.log established
	}
	d := ev.Dir
	if ev.Record.Type == parser.ContentTypeChangeCipherSpec && !st.encrypted[d] {
		st.encrypted[d] = true
		return
	}
	if zeekTLS13(c.Version) && ev.Record.Type == parser.ContentTypeApplicationData {
		st.encrypted[d] = true
	}
	if st.encrypted[d] && st.encrypted[0] && st.encrypted[1] {
		st.established = true
	}
}

// quicHistory adds the quic.log history letters of a QUIC packet: those
// of QUICInfo.History, but for the 1-RTT packets ('O') only the 1st, 2nd,
// 4th, 8th, ... of each direction, as Zeek adds a letter when the count
// of short header packets crosses a power of two
// (QUIC::short_header_packet_threshold_crossed). Past the 100 letters of
// QUICInfo.History, the packet's type letter.
func (st *zeekConn) quicHistory(ev *session.RecordEvent) {
	q := ev.Conn.QUIC
	if q == nil {
		return
	}
	var letters []byte
	switch {
	case len(q.History) > st.qseen:
		letters = q.History[st.qseen:]
		st.qseen = len(q.History)
	case len(q.History) >= session.MaxHistory:
		l := quicLetter(ev.QUIC.Type)
		if ev.Dir == session.ServerToClient {
			l += 'a' - 'A'
		}
		letters = []byte{l}
	}
	for _, l := range letters {
		if l == 'O' || l == 'o' {
			d := session.ClientToServer
			if l == 'o' {
				d = session.ServerToClient
			}
			st.short[d]++
			if n := st.short[d]; n&(n-1) != 0 {
				continue
			}
		}
		if len(st.qhistory) < session.MaxHistory { // QUIC::max_history_length
			st.qhistory = append(st.qhistory, l)
		}
	}
}

// quicLetter is the history letter of a packet type.
func quicLetter(t quic.PacketType) byte {
	switch t {
	case quic.PacketInitial:
		return 'I'
	case quic.Packet0RTT:
		return 'Z'
	case quic.PacketHandshake:
		return 'H'
	case quic.PacketRetry:
		return 'R'
	case quic.PacketVersionNegotiation:
		return 'V'
	}
	return 'O'
}

// zeekReads reports a record (a QUIC packet) whose messages Zeek's
// analyzer reads: one in clear, as Zeek decrypts no TLS record (but for
// its policy/protocols/ssl/decryption with a key given to it) and no
// QUIC packet past the Initials.
func zeekReads(ev *session.RecordEvent) bool {
	if ev.QUIC != nil {
		return ev.QUIC.Type == quic.PacketInitial
	}
	return !ev.Opaque && !ev.Decrypted && !ev.Readable
}

// zeekTLS13 is Zeek's determine_tls13: TLS 1.3 or one of its drafts (and
// DTLS 1.3, whose records have the same form).
func zeekTLS13(v parser.Version) bool {
	return v == parser.VersionTLS13 || v == parser.VersionDTLS13 || v.IsTLS13Draft()
}

// End writes the connection's ssl.log line (and quic.log line).
func (w *ZeekWriter) End(c *session.Conn) {
	st := w.conns[c.ID]
	delete(w.conns, c.ID)
	if st == nil {
		st = &zeekConn{}
	}
	if w.err != nil {
		return
	}
	if len(c.History) > st.seen {
		st.history = append(st.history, c.History[st.seen:]...)
	}
	uid := ZeekUID(c)
	w.write("ssl", ZeekSSLColumns, sslLine(c, st, uid, w.opt.Trust))
	if c.QUIC != nil {
		for _, l := range quicLines(c, uid, st.qhistory) {
			w.write("quic", ZeekQUICColumns, l)
		}
	}
}

// Summary is not part of Zeek's logs.
func (w *ZeekWriter) Summary(Summary) {}

// Close writes each log's #close line and closes it.
func (w *ZeekWriter) Close() error {
	for _, name := range []string{"ssl", "x509", "quic"} {
		l := w.logs[name]
		if l == nil {
			continue
		}
		if !w.opt.JSON {
			_, err := fmt.Fprintf(l.w, "#close\t%s\n", w.opt.Now().Format(zeekDateLayout))
			w.setErr(err)
		}
		w.setErr(l.w.Flush())
		w.setErr(l.f.Close())
		delete(w.logs, name)
	}
	return w.err
}

// zeekDateLayout is the #open/#close date: Zeek's "%Y-%m-%d-%H-%M-%S", local time.
const zeekDateLayout = "2006-01-02-15-04-05"

func (w *ZeekWriter) write(name string, cols []zeekColumn, vals []zv) {
	l, err := w.open(name, cols)
	if err != nil {
		w.setErr(err)
		return
	}
	if w.opt.JSON {
		_, err = l.w.Write(appendZeekJSON(nil, cols, vals))
	} else {
		_, err = l.w.Write(appendZeekTSV(nil, vals))
	}
	w.setErr(err)
}

func (w *ZeekWriter) open(name string, cols []zeekColumn) (*zeekLog, error) {
	if l := w.logs[name]; l != nil {
		return l, nil
	}
	if err := os.MkdirAll(w.opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("--log-dir: %w", err)
	}
	path := filepath.Join(w.opt.Dir, name+".log")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	l := &zeekLog{f: f, w: bufio.NewWriterSize(f, 64<<10)}
	w.logs[name] = l
	if !w.opt.JSON {
		_, err = io.WriteString(l.w, ZeekHeader(name, cols, w.opt.Now()))
	}
	return l, err
}

// ZeekHeader is the header of a TSV log, as Zeek's ASCII writer makes it,
// up to the #types line.
func ZeekHeader(path string, cols []zeekColumn, open time.Time) string {
	var b strings.Builder
	b.WriteString("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n")
	fmt.Fprintf(&b, "#path\t%s\n#open\t%s\n#fields", path, open.Format(zeekDateLayout))
	for _, c := range cols {
		b.WriteString("\t" + c.name)
	}
	b.WriteString("\n#types")
	for _, c := range cols {
		b.WriteString("\t" + string(c.typ))
	}
	b.WriteString("\n")
	return b.String()
}

// appendZeekTSV appends one TSV line: unset values are "-", empty
// vectors "(empty)", vector elements joined by ",".
func appendZeekTSV(b []byte, vals []zv) []byte {
	for i, v := range vals {
		if i > 0 {
			b = append(b, '\t')
		}
		switch {
		case !v.set:
			b = append(b, '-')
		case v.list != nil && len(v.list) == 0:
			b = append(b, "(empty)"...)
		case v.list != nil:
			for j, e := range v.list {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendZeekEscaped(b, e, true)
			}
		case v.s == "":
			b = append(b, "(empty)"...)
		case v.s == "-" || v.s == "(empty)":
			// A value that reads as unset or empty is escaped, as Zeek does.
			b = append(b, fmt.Sprintf("\\x%02x", v.s[0])...)
			b = append(b, v.s[1:]...)
		default:
			b = appendZeekEscaped(b, v.s, false)
		}
	}
	return append(b, '\n')
}

// appendZeekEscaped escapes as Zeek's ASCII writer: the separator, the
// backslash, control characters and bytes that are not UTF-8 as \xNN;
// in a set or vector element also the set separator. For the strings
// "-" and "(empty)" the first byte is escaped (forced).
func appendZeekEscaped(b []byte, s string, inSet bool) []byte {
	const digits = "0123456789abcdef"
	esc := func(c byte) { b = append(b, '\\', 'x', digits[c>>4], digits[c&0xf]) }
	if inSet && (s == "-" || s == "(empty)" || s == "") {
		if s == "" {
			return append(b, "(empty)"...)
		}
		esc(s[0])
		return append(b, s[1:]...)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				esc(c)
				i++
				continue
			}
			b = append(b, s[i:i+n]...)
			i += n
			continue
		}
		if c < 0x20 || c == 0x7f || c == '\\' || (inSet && c == ',') {
			esc(c)
		} else {
			b = append(b, c)
		}
		i++
	}
	return b
}

// appendZeekJSON appends one JSON line as LogAscii::use_json writes it:
// the columns in order, unset ones left out, times, counts and ports as
// numbers, bools as true/false, vectors as arrays.
func appendZeekJSON(b []byte, cols []zeekColumn, vals []zv) []byte {
	b = append(b, '{')
	first := true
	for i, v := range vals {
		if !v.set {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendZeekJSONString(b, cols[i].name)
		b = append(b, ':')
		typ := cols[i].typ
		if v.list != nil {
			b = append(b, '[')
			for j, e := range v.list {
				if j > 0 {
					b = append(b, ',')
				}
				if typ == zVecCount {
					b = append(b, e...)
				} else {
					b = appendZeekJSONString(b, e)
				}
			}
			b = append(b, ']')
			continue
		}
		switch typ {
		case zTime:
			b = append(b, zeekJSONTime(v.s)...)
		case zCount, zPort:
			b = append(b, v.s...)
		case zBool:
			if v.s == "T" {
				b = append(b, "true"...)
			} else {
				b = append(b, "false"...)
			}
		default:
			b = appendZeekJSONString(b, v.s)
		}
	}
	return append(b, '}', '\n')
}

// zeekJSONTime is a time column in JSON: the shortest decimal of the
// seconds, as Zeek's JSON formatter (rapidjson's Writer::Double) writes
// it, with ".0" for whole seconds.
func zeekJSONTime(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "0.0"
	}
	out := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(out, ".") {
		out += ".0"
	}
	return out
}

// appendZeekJSONString appends s as a JSON string: invalid UTF-8 bytes are
// written as \u00NN escapes of the byte, as Zeek's JSON formatter does
// for non-printable bytes.
func appendZeekJSONString(b []byte, s string) []byte {
	const digits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
			i++
		case c < 0x20 || c == 0x7f:
			b = append(b, '\\', 'u', '0', '0', digits[c>>4], digits[c&0xf])
			i++
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				b = append(b, '\\', '\\', 'x', digits[c>>4], digits[c&0xf])
				i++
				continue
			}
			b = append(b, s[i:i+n]...)
			i += n
		default:
			b = append(b, c)
			i++
		}
	}
	return append(b, '"')
}

// ZeekUID is the uid of a connection in Zeek's logs: "C" and the base62
// digits of the first 96 bits of SHA-256 over the connection's transport,
// client and server address and port, and start time in nanoseconds, so
// that the same capture always gives the same uids and ssl.log, x509.log
// and quic.log lines of a connection share one. (Zeek draws its uids at
// random; the form, "C" and up to 17 base62 digits, is the same.)
func ZeekUID(c *session.Conn) string {
	t := c.Transport
	if t == "" {
		t = "tcp"
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%s|%d", t, c.Client, c.Server, c.Start.UnixNano())))
	return "C" + base62(h[:12])
}

func base62(b []byte) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	n := new(big.Int).SetBytes(b)
	if n.Sign() == 0 {
		return "0"
	}
	var out []byte
	base, mod := big.NewInt(62), new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, base, mod)
		out = append(out, digits[mod.Int64()])
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// zeekIDs are the ts, uid and id.* values of a connection.
func zeekIDs(c *session.Conn, uid string) []zv {
	return []zv{zt(c.Start), zs(uid), zs(c.Client.Addr().Unmap().String()), zc(uint64(c.Client.Port())),
		zs(c.Server.Addr().Unmap().String()), zc(uint64(c.Server.Port()))}
}

// ZeekVersion is a version as ssl.log writes it (Zeek's
// SSL::version_strings): "TLSv12", "DTLSv13", "TLSv13-draft23",
// "unknown-32257".
func ZeekVersion(v parser.Version) string {
	switch v {
	case parser.VersionSSL20:
		return "SSLv2"
	case parser.VersionSSL30:
		return "SSLv3"
	case parser.VersionTLS10:
		return "TLSv10"
	case parser.VersionTLS11:
		return "TLSv11"
	case parser.VersionTLS12:
		return "TLSv12"
	case parser.VersionTLS13:
		return "TLSv13"
	case parser.VersionDTLS10:
		return "DTLSv10"
	case parser.VersionDTLS12:
		return "DTLSv12"
	case parser.VersionDTLS13:
		return "DTLSv13"
	}
	if uint16(v)/0xff == 0x7f {
		return fmt.Sprintf("TLSv13-draft%d", uint16(v)%0x7f)
	}
	return fmt.Sprintf("unknown-%d", uint16(v))
}

// zeekName turns a name of ours into Zeek's: values we have no name for
// ("0x1234") are "unknown-4660" in Zeek's tables.
func zeekName(s string, v uint16) string {
	if strings.HasPrefix(s, "0x") || s == "GREASE" {
		return fmt.Sprintf("unknown-%d", v)
	}
	return s
}

func sslLine(c *session.Conn, st *zeekConn, uid string, v *trust.Verifier) []zv {
	vals := zeekIDs(c, uid)
	var version, cipher, curve zv
	if c.Version == parser.VersionSSL20 && c.V2CipherSpec != 0 {
		// Zeek's SSLv2 analyzer raises ssl_established at the
		// CLIENT-MASTER-KEY.
		st.established = true
		version = zs("SSLv2")
		cipher = zs(strings.Replace(c.V2CipherSpec.String(), "SSL_CK_", "SSLv20_CK_", 1))
	} else if c.ServerHello != nil {
		version = zs(ZeekVersion(c.Version))
		cipher = zs(zeekName(c.CipherSuite.String(), uint16(c.CipherSuite)))
	}
	if g := c.KeyExchange.Group; g != 0 {
		curve = zs(zeekName(g.String(), uint16(g)))
	} else if g, ok := draftKeyShare(c.ServerHello); ok {
		curve = zs(zeekName(g.String(), uint16(g)))
	}
	lastAlert := zv{}
	for _, a := range c.Alerts {
		if !a.Encrypted {
			lastAlert = zs(zeekName(a.Alert.Description.String(), uint16(a.Alert.Description)))
		}
	}
	var chain, clientChain, sniMatch zv
	if len(c.ServerCerts)+len(c.ClientCerts) > 0 {
		chain, clientChain = zl(fingerprints(c.ServerCerts)), zl(fingerprints(c.ClientCerts))
		if c.SNI != "" && len(c.ServerCerts) > 0 {
			sniMatch = zb(certMatchesHost(&c.ServerCerts[0], c.SNI))
		}
	}
	history := string(st.history)
	if c.QUIC != nil && c.QUIC.Retry && strings.HasPrefix(history, "C") {
		// Zeek reads the ClientHello again in the Initial after the Retry.
		history = "C" + history
	}
	vals = append(vals, version, cipher, curve, zsOpt(c.SNI), zb(c.Resumed), lastAlert, zsOpt(c.ALPN),
		zb(st.established), zs(history), chain, clientChain, sniMatch, zsOpt(checkChain(c, v).Status))
	vals = append(vals, sslExtValues(c, st)...)
	var subject, issuer, clientSubject, clientIssuer zv
	if l := st.leaf[session.ServerToClient]; l != nil {
		subject, issuer = zsOpt(l[0]), zsOpt(l[1])
	}
	if l := st.leaf[session.ClientToServer]; l != nil {
		clientSubject, clientIssuer = zsOpt(l[0]), zsOpt(l[1])
	}
	return append(vals, subject, issuer, clientSubject, clientIssuer)
}

// draftKeyShare is the group of a TLS 1.3 draft's ServerHello key_share,
// which drafts up to 22 numbered 40 (draft-ietf-tls-tls13-23 renumbered
// it 51) and Zeek reads as such.
func draftKeyShare(sh *parser.ServerHello) (parser.NamedGroup, bool) {
	if sh == nil {
		return 0, false
	}
	e := sh.Extension(40)
	if e == nil {
		return 0, false
	}
	s := cryptobyte.String(e.Data)
	var g uint16
	if !s.ReadUint16(&g) {
		return 0, false
	}
	return parser.NamedGroup(g), true
}

// sslExtValues are the columns of ssl-log-ext.
func sslExtValues(c *session.Conn, st *zeekConn) []zv {
	var serverVersion, clientVersion, clientCiphers, clientExts, serverExts, ticketHint, dhSize zv
	var pointFormats, clientCurves, origALPN, clientVersions, serverVersionExt, pskModes, keyShares, serverShare zv
	var compMethods, sigalgs, hashalgs, echKDF, echAEAD zv
	if ch := c.ClientHello; ch != nil {
		clientVersion = zc(uint64(ch.LegacyVersion))
		clientCiphers = zcounts(ch.CipherSuites)
		if len(st.clientExts) > 0 {
			clientExts = zcounts(st.clientExts)
		} else if st.clientHellos == 0 && len(ch.Extensions) > 0 {
			clientExts = zcounts(extTypes(ch.Extensions))
		}
		compMethods = zcounts(ch.CompressionMethods)
		if ch.SSLv2 {
			compMethods = zl([]string{}) // an SSLv2 hello has none
		}
		for _, e := range ch.Extensions {
			switch p := e.Parsed.(type) {
			case parser.ECPointFormatsExt:
				pointFormats = zcounts(p.Formats)
			case parser.SupportedGroupsExt:
				clientCurves = zcounts(p.Groups)
			case parser.ALPNExt:
				origALPN = zl(p.Protocols)
			case parser.SupportedVersionsExt:
				clientVersions = zcounts(p.Versions)
			case parser.PSKModesExt:
				pskModes = zcounts(p.Modes)
			case parser.KeyShareExt:
				groups := make([]parser.NamedGroup, len(p.Entries))
				for i, k := range p.Entries {
					groups[i] = k.Group
				}
				keyShares = zcounts(groups)
			case parser.SignatureSchemesExt:
				if e.Type != parser.ExtSignatureAlgorithms {
					continue
				}
				sig, hash := make([]uint8, len(p.Schemes)), make([]uint8, len(p.Schemes))
				for i, s := range p.Schemes {
					sig[i], hash[i] = uint8(s), uint8(s>>8)
				}
				sigalgs, hashalgs = zcounts(sig), zcounts(hash)
			case parser.EncryptedClientHelloExt:
				if p.Type == 0 {
					echKDF, echAEAD = zc(uint64(p.KDF)), zc(uint64(p.AEAD))
				}
			}
		}
	}
	if sh := c.ServerHello; sh != nil {
		serverVersion = zc(uint64(sh.LegacyVersion))
		if len(st.serverExts) > 0 {
			serverExts = zcounts(st.serverExts)
		} else if st.serverHellos == 0 && len(sh.Extensions) > 0 {
			serverExts = zcounts(extTypes(sh.Extensions))
		}
		for _, e := range sh.Extensions {
			switch p := e.Parsed.(type) {
			case parser.SupportedVersionsExt:
				serverVersionExt = zc(uint64(p.Selected))
			case parser.KeyShareExt:
				if len(p.Entries) > 0 {
					serverShare = zc(uint64(p.Entries[0].Group))
				}
			}
		}
	}
	if st.ticketHint != nil {
		ticketHint = zc(uint64(*st.ticketHint))
	}
	if c.KeyExchange.Bits > 0 && isDHE(c.KeyExchange.Kind) {
		dhSize = zc(uint64(c.KeyExchange.Bits))
	}
	return []zv{serverVersion, clientVersion, clientCiphers, clientExts, serverExts, ticketHint, dhSize,
		pointFormats, clientCurves, origALPN, clientVersions, serverVersionExt, pskModes, keyShares, serverShare,
		compMethods, sigalgs, hashalgs, echKDF, echAEAD}
}

// isDHE reports a finite-field Diffie-Hellman key exchange, whose
// modulus size is dh_param_size.
func isDHE(k parser.KeyExchange) bool {
	return k == parser.KeyExchangeDHE || k == parser.KeyExchangeDH || k == parser.KeyExchangeDHEPSK
}

func extTypes(exts []parser.Extension) []parser.ExtensionType {
	out := make([]parser.ExtensionType, len(exts))
	for i, e := range exts {
		out[i] = e.Type
	}
	return out
}

func fingerprints(certs []parser.CertInfo) []string {
	out := make([]string, len(certs))
	for i, c := range certs {
		out[i] = c.SHA256
	}
	return out
}

// certMatchesHost is Zeek's x509_check_cert_hostname: the host name
// against the certificate's DNS names, or its subject's CN when it has
// none; a leading "*." matches one label.
func certMatchesHost(ci *parser.CertInfo, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	names := []string{}
	for _, s := range ci.SAN {
		if _, err := netip.ParseAddr(s); err == nil || strings.ContainsAny(s, "@:/") {
			continue
		}
		names = append(names, s)
	}
	if len(names) == 0 {
		for _, part := range strings.Split(ci.Subject, ",") {
			if cn, ok := strings.CutPrefix(part, "CN="); ok {
				names = append(names, cn)
			}
		}
	}
	for _, n := range names {
		n = strings.ToLower(n)
		if n == host {
			return true
		}
		if rest, ok := strings.CutPrefix(n, "*."); ok {
			if i := strings.IndexByte(host, '.'); i > 0 && host[i+1:] == rest {
				return true
			}
		}
	}
	return false
}

// quicLines are the quic.log lines of a connection: two after a Retry, as
// Zeek logs the connection when the server retries and again when it
// ends (the second with the Retry's SCID as the client's DCID).
func quicLines(c *session.Conn, uid string, hist []byte) [][]zv {
	q := c.QUIC
	version := ""
	switch q.Version {
	case 1:
		version = "1"
	case 0x6b3343cf:
		version = "quicv2"
	default:
		version = "unknown-" + hex.EncodeToString([]byte{byte(q.Version >> 24), byte(q.Version >> 16), byte(q.Version >> 8), byte(q.Version)})
	}
	alpn := zv{}
	if len(c.ALPNOffered) > 0 {
		alpn = zs(c.ALPNOffered[0])
	}
	cid := func(b []byte) zv { return zs(hex.EncodeToString(b)) }
	line := func(dcid, sscid zv, history string) []zv {
		return append(zeekIDs(c, uid), zs(version), dcid, cid(q.ClientSCID), sscid, zsOpt(c.SNI), alpn, zs(history))
	}
	if len(hist) > session.MaxHistory {
		hist = hist[:session.MaxHistory] // QUIC::max_history_length
	}
	history := string(hist)
	sscid := zv{}
	if q.ServerSCID != nil {
		sscid = cid(q.ServerSCID)
	}
	if !q.Retry {
		return [][]zv{line(cid(q.OriginalDCID), sscid, history)}
	}
	// The letters up to the Retry's 'r' are the first line's. Zeek's
	// analyzer starts over after a Retry, and reads the ClientHello of
	// the client's next Initial as new: its 'S' again.
	first, rest := history, ""
	if i := strings.IndexByte(history, 'r'); i >= 0 {
		first, rest = history[:i+1], history[i+1:]
	}
	if strings.HasPrefix(rest, "I") && !strings.HasPrefix(rest, "IS") && strings.Contains(first, "S") {
		rest = "IS" + rest[1:]
	}
	return [][]zv{line(cid(q.OriginalDCID), zv{}, first), line(cid(q.RetrySCID), sscid, rest)}
}

// ZeekColumnNames are the columns of a log ("ssl", "x509" or "quic"), in
// order.
func ZeekColumnNames(log string) []string {
	var cs []zeekColumn
	switch log {
	case "ssl":
		cs = ZeekSSLColumns
	case "x509":
		cs = ZeekX509Columns
	case "quic":
		cs = ZeekQUICColumns
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	return out
}
