package report

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// Text output follows ssldump: one line per record,
//
//	<conn> <record>  <seconds since the connection's first record> (<since the previous>)  <dir>  <type>
//
// with handshake messages, alerts and notes indented below it.

func dirArrow(d session.Dir) string {
	if d == session.ClientToServer {
		return "C>S"
	}
	return "S>C"
}

func (w *Writer) textConn(c *session.Conn, t time.Time) *textConn {
	tc := w.conns[c.ID]
	if tc == nil {
		tc = &textConn{start: t, last: t}
		w.conns[c.ID] = tc
		// "New TCP connection #%d: %s(%d) <-> %s(%d)\n", appended.
		b := w.out.AvailableBuffer()
		switch c.Transport {
		case session.TransportQUIC:
			b = append(b, "New QUIC connection #"...)
		case session.TransportDTLS:
			b = append(b, "New DTLS connection #"...)
		default:
			b = append(b, "New TCP connection #"...)
		}
		b = strconv.AppendUint(b, c.ID, 10)
		b = append(b, ": "...)
		b = appendAddrPort(b, c.Client)
		b = append(b, " <-> "...)
		b = appendAddrPort(b, c.Server)
		b = append(b, '\n')
		w.markIn(b, "connection #", c.ID)
		w.out.Write(b)
		if c.StartTLS != "" {
			at := w.markStart()
			fmt.Fprintf(w.out, "%d    STARTTLS (%s): plaintext before the TLS handshake\n", c.ID, c.StartTLS)
			w.markID(at, "", c.ID)
		}
	}
	return tc
}

// appendAddrPort appends "%s(%d)" of the address and port.
func appendAddrPort(b []byte, ap netip.AddrPort) []byte {
	if a := ap.Addr(); a.IsValid() {
		b = a.AppendTo(b) // String's text, for a valid address
	} else {
		b = append(b, a.String()...)
	}
	b = append(b, '(')
	b = strconv.AppendUint(b, uint64(ap.Port()), 10)
	return append(b, ')')
}

func (w *Writer) textRecord(ev *session.RecordEvent) {
	c := ev.Conn
	tc := w.textConn(c, ev.Time)
	tc.n++
	// The fields of RecordOf that text shows, without building the Record.
	name := recordContentType(ev)
	if ev.Opaque && ev.Record.Type == parser.ContentTypeHandshake {
		name = "handshake (encrypted)"
	} else if ev.Opaque && ev.Record.Type == parser.ContentTypeAlert {
		name = "alert (encrypted)"
	}
	// "%d %d  %.4f (%.4f)  %s  %s  %s\n" with the flags joined by two
	// spaces, appended straight into the output buffer.
	b := appendEventPrefix(w.out.AvailableBuffer(), c.ID, tc, ev)
	b = append(b, "  "...)
	b = append(b, name...)
	b = append(b, "  "...)
	if v := ev.Record.Version.String(); v != "" {
		b = append(b, v...)
		b = append(b, "  "...)
	}
	b = append(b, "len="...)
	b = strconv.AppendInt(b, int64(len(ev.Record.Payload)), 10)
	if x := ev.DTLS; x != nil {
		// DTLS 1.3's unified header: its full numbers once decrypted.
		if !x.Unified || ev.Decrypted {
			b = append(b, "  epoch="...)
			b = strconv.AppendUint(b, uint64(x.Epoch), 10)
			b = append(b, " seq="...)
			b = strconv.AppendUint(b, x.Seq, 10)
		}
		if len(x.CID) > 0 {
			b = append(b, "  cid="...)
			b = hex.AppendEncode(b, x.CID)
		}
	}
	switch {
	case ev.Decrypted:
		b = append(b, "  decrypted  mac="...)
		b = append(b, ev.MAC.String()...)
		if ev.EarlyData {
			b = append(b, "  early_data"...)
		}
	case ev.Opaque:
		b = append(b, "  encrypted"...)
	case ev.Readable:
		b = append(b, "  null-cipher  mac=unchecked"...)
	}
	b = append(b, '\n')
	w.markIn(b, "", c.ID)
	w.out.Write(b)
	tc.last = ev.Time
	for _, m := range ev.Messages {
		writeMessage(w.out, messageObject(&w.arena, m))
	}
	w.arena.reset()
	for _, a := range ev.Alerts {
		writeStrings(w.out, "    alert: ", a.Description.String(), " (")
		writeStrings(w.out, a.Level.String(), ")\n", "")
	}
	if len(ev.ACKs) > 0 {
		w.out.WriteString("    acks:")
		for _, a := range ev.ACKs {
			fmt.Fprintf(w.out, " %d/%d", a.Epoch, a.Seq)
		}
		w.out.WriteString("\n")
	}
	if hb := ev.Heartbeat; hb != nil {
		fmt.Fprintf(w.out, "    heartbeat %s payload_length=%d received=%d", hb.Type.String(), int(hb.PayloadLength), hb.Actual)
		if hb.Heartbleed {
			fmt.Fprint(w.out, "  HEARTBLEED")
		}
		fmt.Fprintln(w.out)
	}
	for _, n := range ev.Notes {
		writeStrings(w.out, "    note ", string(n.Code), ": ")
		writeStrings(w.out, n.Detail, "\n", "")
	}
	if d := ev.Dropped; d.Any() {
		writeStrings(w.out, "    dropped: ", droppedText([]droppedCount{
			{"handshake", d.Messages}, {"alerts", d.Alerts}, {"notes", d.Notes}}), "\n")
	}
	if w.opt.HexRecords {
		writeWire(w.out, ev.Wire)
	}
	if len(ev.Plaintext) > 0 && (w.opt.Hex || w.opt.ASCII) {
		writePlaintext(w.out, ev.Plaintext, w.opt.Hex)
	}
}

func (w *Writer) textEnd(c *session.Conn) {
	tc := w.textConn(c, c.Start)
	delete(w.conns, c.ID)
	out := ConnectionWithTrust(c, w.opt.Trust)
	at := w.markStart()
	fmt.Fprintf(w.out, "%d    %.4f (%.4f)  end (%s)\n", c.ID, c.EndTime.Sub(tc.start).Seconds(), c.EndTime.Sub(tc.last).Seconds(), out.EndCause)
	w.markID(at, "", c.ID)
	// "      %-20s %s\n" without fmt.
	line := func(k, v string) {
		writeKey(w.out, "      ", k)
		writeStrings(w.out, " ", v, "\n")
	}
	if q := out.QUICConn; q != nil {
		line("quic", q.QUICVersionName+" ("+q.QUICVersion+"), original_dcid "+q.OriginalDCID)
		line("quic_packets", fmt.Sprintf("c2s %d (%d decrypted), s2c %d (%d decrypted)",
			q.Packets.C2S, q.DecryptedPackets.C2S, q.Packets.S2C, q.DecryptedPackets.S2C))
		var qf []string
		if q.Retry {
			qf = append(qf, "retry")
		}
		if q.VersionNegotiation {
			qf = append(qf, "version_negotiation")
		}
		if q.KeyUpdates.C2S+q.KeyUpdates.S2C > 0 {
			qf = append(qf, fmt.Sprintf("key_updates c2s %d s2c %d", q.KeyUpdates.C2S, q.KeyUpdates.S2C))
		}
		if len(qf) > 0 {
			line("quic_flags", strings.Join(qf, ", "))
		}
	}
	if out.Version != "" {
		line("version", out.Version+" ("+out.VersionID+")")
	}
	if out.CipherSuiteID != "" {
		line("cipher_suite", out.CipherSuite+" ("+out.CipherSuiteID+")")
	} else if out.CipherSuite != "" {
		line("cipher_suite", out.CipherSuite) // an SSL 2.0 cipher kind
	}
	if out.KeyExchange != "" {
		kx := out.KeyExchange
		if out.KeyExchangeGroup != "" {
			kx += " " + out.KeyExchangeGroup
		}
		if out.KeyExchangeBits > 0 {
			kx += fmt.Sprintf(" %d bits", out.KeyExchangeBits)
		}
		line("key_exchange", kx)
	}
	if out.SNI != "" {
		line("sni", out.SNI)
	}
	if out.ECH != nil {
		line("ech", echText(out.ECH))
	}
	if len(out.ALPNOffered) > 0 {
		line("alpn_offered", strings.Join(out.ALPNOffered, ", "))
	}
	if out.ALPN != "" {
		line("alpn", out.ALPN)
	}
	for _, kv := range [][2]string{{"ja3", out.JA3}, {"ja3s", out.JA3S}, {"ja4", out.JA4}, {"ja4s", out.JA4S}} {
		if kv[1] != "" {
			line(kv[0], kv[1])
		}
	}
	var flags []string
	if out.HelloRetryRequest {
		flags = append(flags, "hello_retry_request")
	}
	if out.Resumed {
		flags = append(flags, "resumed")
	}
	if out.EarlyData != "" {
		flags = append(flags, "early_data_"+out.EarlyData)
	}
	if out.Decrypted {
		flags = append(flags, "decrypted")
	}
	if out.RolesGuessed {
		flags = append(flags, "roles_guessed")
	}
	if len(flags) > 0 {
		line("flags", strings.Join(flags, " "))
	}
	line("records", "c2s "+strconv.FormatInt(out.Records.C2S, 10)+", s2c "+strconv.FormatInt(out.Records.S2C, 10))
	if t := out.TCP; t != nil {
		line("tcp", fmt.Sprintf("packets %d/%d, bytes %d/%d, retrans %d/%d (c2s/s2c)",
			t.Packets.C2S, t.Packets.S2C, t.Bytes.C2S, t.Bytes.S2C, t.Retransmissions.C2S, t.Retransmissions.S2C))
	}
	if u := out.UDP; u != nil {
		line("udp", fmt.Sprintf("datagrams %d/%d, bytes %d/%d (c2s/s2c)", u.Datagrams.C2S, u.Datagrams.S2C, u.Bytes.C2S, u.Bytes.S2C))
	}
	if out.Decrypted || out.MAC.Verified+out.MAC.Failed > 0 {
		line("plaintext_bytes", fmt.Sprintf("c2s %d, s2c %d", out.PlaintextBytes.C2S, out.PlaintextBytes.S2C))
		line("mac", fmt.Sprintf("verified %d, failed %d", out.MAC.Verified, out.MAC.Failed))
		line("finished", fmt.Sprintf("c2s %s, s2c %s", out.Finished.C2S, out.Finished.S2C))
	}
	if out.Gaps > 0 {
		line("gaps", strconv.Itoa(out.Gaps))
	}
	line("history", out.History)
	for _, a := range out.Alerts {
		line("alert", fmt.Sprintf("%s %s (%s)", a.Dir, a.Description, a.Level))
	}
	for i, cert := range out.ServerCertificates {
		line(fmt.Sprintf("server_cert[%d]", i), certLine(cert))
	}
	for i, cert := range out.ClientCertificates {
		line(fmt.Sprintf("client_cert[%d]", i), certLine(cert))
	}
	if out.ValidationStatus != "" {
		line("validation_status", validationText(out.Trust))
	}
	if t := staplesText(out.Trust); t != "" {
		line("stapled", t)
	}
	for _, f := range out.DecryptFailure {
		line("not_decrypted", f.Dir+" "+f.Code+": "+f.Detail)
	}
	for _, n := range out.Notes {
		d := ""
		if n.Dir != "" {
			d = " " + n.Dir
		}
		line("note", n.Code+d+": "+n.Detail)
	}
	if out.Dropped != nil {
		line("dropped", droppedText(out.Dropped.counts()))
	}
}

// droppedCount is one count of a "dropped" object, keyed as in JSON.
type droppedCount struct {
	key string
	n   int
}

// counts lists d's counts in the order of its JSON keys.
func (d *Dropped) counts() []droppedCount {
	return []droppedCount{
		{"alerts", d.Alerts}, {"notes", d.Notes},
		{"server_certificates", d.ServerCertificates}, {"client_certificates", d.ClientCertificates},
		{"alpn_offered", d.ALPNOffered}, {"history", d.History},
		{"record_handshake", d.RecordHandshake}, {"record_alerts", d.RecordAlerts}, {"record_notes", d.RecordNotes},
	}
}

// droppedText is the text form of a "dropped" object: "alerts 3, notes 1",
// the counts that are not 0.
func droppedText(cs []droppedCount) string {
	var b []byte
	for _, c := range cs {
		if c.n == 0 {
			continue
		}
		if len(b) > 0 {
			b = append(b, ", "...)
		}
		b = append(b, c.key...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(c.n), 10)
	}
	return string(b)
}

func certLine(c Certificate) string {
	if c.Error != "" && c.Subject == "" {
		return "sha256 " + c.SHA256 + " (" + c.Error + ")"
	}
	return fmt.Sprintf("%s; issuer %s; %s; %s; valid %s to %s", c.Subject, c.Issuer, c.Key, c.SignatureAlgorithm, c.NotBefore, c.NotAfter)
}

// textOut is where text is written: the Writer's buffer, its concrete
// type so that calls are direct and numbers are appended in place.
type textOut = *bufio.Writer

// Fields left out of text output (read only).
var (
	skipType   = map[string]bool{"type": true, "type_id": true}
	skipLength = map[string]bool{"length": true}
)

// padding returns n spaces.
func padding(n int) string {
	const spaces = "                                                                "
	if n <= len(spaces) {
		return spaces[:n]
	}
	return strings.Repeat(" ", n)
}

// writeMessage writes one handshake message's fields, indented.
func writeMessage(w textOut, m Object) {
	name, _ := m.Get("type")
	writeStrings(w, "      ", valueString(name), "\n")
	writeFields(w, m, 8, skipType)
}

func writeFields(w textOut, o Object, indent int, skip map[string]bool) {
	pad := padding(indent)
	for i := 0; i < len(o); i++ {
		f := o[i]
		if skip[f.Key] {
			continue
		}
		// A code point's hex id follows its name: show them together.
		// id is written as " (<id>)": no concatenation.
		id, hasID := "", false
		if i+1 < len(o) && isIDKey(o[i+1].Key, f.Key) {
			id, hasID = valueString(o[i+1].Value), true
			i++
		}
		switch v := f.Value.(type) {
		case []string:
			if len(v) == 0 {
				writeKey(w, pad, f.Key)
				w.WriteString(" (none)\n")
				continue
			}
			// strings.Join(v, ", ") if at most 72 bytes, without joining.
			if !hasID && joinedLen(v) <= 72 {
				writeKey(w, pad, f.Key)
				w.WriteString(" ")
				for j, s := range v {
					if j > 0 {
						w.WriteString(", ")
					}
					w.WriteString(s)
				}
				w.WriteString("\n")
				continue
			}
			writeCount(w, pad, f.Key, len(v))
			var ids []string
			if !hasID && i+1 < len(o) && isIDsKey(o[i+1].Key, f.Key) {
				ids, _ = o[i+1].Value.([]string)
				i++
			}
			for j, s := range v {
				writeStrings(w, pad, "  ", s)
				if j < len(ids) && s != ids[j] {
					writeStrings(w, " (", ids[j], ")")
				}
				w.WriteString("\n")
			}
		case Object:
			writeStrings(w, pad, f.Key, "\n")
			writeFields(w, v, indent+2, nil)
		case []Object:
			if len(v) == 0 {
				writeKey(w, pad, f.Key)
				w.WriteString(" (none)\n")
				continue
			}
			writeCount(w, pad, f.Key, len(v))
			for _, sub := range v {
				writeObjectItem(w, sub, indent+2)
			}
		default:
			writeKey(w, pad, f.Key)
			w.WriteString(" ")
			writeValue(w, v)
			if hasID {
				writeStrings(w, " (", id, ")")
			}
			w.WriteString("\n")
		}
	}
}

// isIDKey reports whether k is key+"_id", without building it.
func isIDKey(k, key string) bool {
	return len(k) == len(key)+3 && k[len(key):] == "_id" && k[:len(key)] == key
}

// isIDsKey reports whether k is strings.TrimSuffix(key, "s")+"_ids",
// without building it.
func isIDsKey(k, key string) bool {
	key = strings.TrimSuffix(key, "s")
	return len(k) == len(key)+4 && k[len(key):] == "_ids" && k[:len(key)] == key
}

// joinedLen is len(strings.Join(v, ", ")).
func joinedLen(v []string) int {
	n := 2 * (len(v) - 1)
	for _, s := range v {
		n += len(s)
	}
	return n
}

// writeKey writes pad and key, key padded to 20 columns: "%s%-20s".
func writeKey(w textOut, pad, key string) {
	writeStrings(w, pad, key, "")
	if n := 20 - utf8.RuneCountInString(key); n > 0 {
		w.WriteString(padding(n))
	}
}

// writeCount writes "%s%s (%d)\n".
func writeCount(w textOut, pad, key string, n int) {
	writeStrings(w, pad, key, " (")
	w.Write(strconv.AppendInt(w.AvailableBuffer(), int64(n), 10))
	w.WriteString(")\n")
}

func writeStrings(w textOut, a, b, c string) {
	w.WriteString(a)
	w.WriteString(b)
	w.WriteString(c)
}

// writeValue writes v as "%v" does, without fmt for the common types.
func writeValue(w textOut, v any) {
	switch v := v.(type) {
	case string:
		w.WriteString(v)
	case int:
		w.Write(strconv.AppendInt(w.AvailableBuffer(), int64(v), 10))
	case int64:
		w.Write(strconv.AppendInt(w.AvailableBuffer(), v, 10))
	case uint8:
		w.Write(strconv.AppendUint(w.AvailableBuffer(), uint64(v), 10))
	case uint16:
		w.Write(strconv.AppendUint(w.AvailableBuffer(), uint64(v), 10))
	case uint32:
		w.Write(strconv.AppendUint(w.AvailableBuffer(), uint64(v), 10))
	case uint64:
		w.Write(strconv.AppendUint(w.AvailableBuffer(), v, 10))
	case bool:
		w.WriteString(strconv.FormatBool(v))
	default:
		fmt.Fprint(w, v)
	}
}

// valueString is fmt.Sprint(v), without fmt for strings.
func valueString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// writeObjectItem writes one element of a list of objects: its name (or
// first field) on the first line, the rest below.
func writeObjectItem(w textOut, o Object, indent int) {
	pad := padding(indent)
	if len(o) == 0 {
		return
	}
	writeStrings(w, pad, "- ", valueString(o[0].Value))
	rest := o[1:]
	if len(rest) > 0 && isIDKey(rest[0].Key, o[0].Key) {
		writeStrings(w, " (", valueString(rest[0].Value), ")")
		rest = rest[1:]
	}
	w.WriteString("\n")
	var skip map[string]bool
	if len(rest) > 1 {
		skip = skipLength
	}
	writeFields(w, rest, indent+4, skip)
}

// writePlaintext shows decrypted application data as a hex dump or as text.
func writePlaintext(w textOut, b []byte, asHex bool) {
	if asHex {
		for _, l := range strings.SplitAfter(hex.Dump(b), "\n") {
			if l != "" {
				w.WriteString("    " + l)
			}
		}
		return
	}
	var sb strings.Builder
	sb.WriteString("    ---------------------------------------------------------------\n    ")
	for _, c := range b {
		switch {
		case c == '\n':
			sb.WriteString("\n    ")
		case c == '\r' || c == '\t':
			sb.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		default:
			sb.WriteByte('.')
		}
	}
	sb.WriteString("\n    ---------------------------------------------------------------\n")
	w.WriteString(sb.String())
}

// appendEventPrefix appends the start of an event's text line: "conn n
// time (since the last)  direction".
func appendEventPrefix(b []byte, id uint64, tc *textConn, ev *session.RecordEvent) []byte {
	b = strconv.AppendUint(b, id, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(tc.n), 10)
	b = append(b, "  "...)
	b = strconv.AppendFloat(b, ev.Time.Sub(tc.start).Seconds(), 'f', 4, 64)
	b = append(b, " ("...)
	b = strconv.AppendFloat(b, ev.Time.Sub(tc.last).Seconds(), 'f', 4, 64)
	b = append(b, ")  "...)
	return append(b, dirArrow(ev.Dir)...)
}
