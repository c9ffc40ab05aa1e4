package report

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ssldissect/ssldissect/parser"
)

// Text output follows ssldump: one line per record,
//
//	<conn> <record>  <seconds since the connection's first record> (<since the previous>)  <dir>  <type>
//
// with handshake messages, alerts and notes indented below it.

func dirArrow(d parser.Dir) string {
	if d == parser.ClientToServer {
		return "C>S"
	}
	return "S>C"
}

func (w *Writer) textConn(c *parser.Conn, t time.Time) *textConn {
	tc := w.conns[c.ID]
	if tc == nil {
		tc = &textConn{start: t, last: t}
		w.conns[c.ID] = tc
		fmt.Fprintf(w.out, "New TCP connection #%d: %s(%d) <-> %s(%d)\n", c.ID,
			c.Client.Addr(), c.Client.Port(), c.Server.Addr(), c.Server.Port())
		if c.StartTLS != "" {
			fmt.Fprintf(w.out, "%d    STARTTLS (%s): plaintext before the TLS handshake\n", c.ID, c.StartTLS)
		}
	}
	return tc
}

func (w *Writer) textRecord(ev *parser.RecordEvent) {
	c := ev.Conn
	tc := w.textConn(c, ev.Time)
	tc.n++
	r := RecordOf(ev)
	var flags []string
	if r.Version != "" {
		flags = append(flags, r.Version)
	}
	flags = append(flags, fmt.Sprintf("len=%d", r.Length))
	switch {
	case ev.Decrypted:
		flags = append(flags, "decrypted", "mac="+r.MAC)
		if ev.EarlyData {
			flags = append(flags, "early_data")
		}
	case ev.Opaque:
		flags = append(flags, "encrypted")
	case ev.Readable:
		flags = append(flags, "null-cipher", "mac=unchecked")
	}
	name := r.ContentType
	if ev.Opaque && ev.Record.Type == parser.ContentTypeHandshake {
		name = "handshake (encrypted)"
	} else if ev.Opaque && ev.Record.Type == parser.ContentTypeAlert {
		name = "alert (encrypted)"
	}
	fmt.Fprintf(w.out, "%d %d  %.4f (%.4f)  %s  %s  %s\n", c.ID, tc.n,
		ev.Time.Sub(tc.start).Seconds(), ev.Time.Sub(tc.last).Seconds(), dirArrow(ev.Dir), name, strings.Join(flags, "  "))
	tc.last = ev.Time
	for _, m := range r.Handshake {
		writeMessage(w.out, m)
	}
	alerts := r.Alerts
	if r.Alert != nil {
		alerts = []Alert{*r.Alert}
	}
	for _, a := range alerts {
		fmt.Fprintf(w.out, "    %s: %s (%s)\n", "alert", a.Description, a.Level)
	}
	if hb := r.Heartbeat; hb != nil {
		fmt.Fprintf(w.out, "    heartbeat %s payload_length=%d received=%d", hb.Type, hb.PayloadLength, hb.Received)
		if hb.Heartbleed {
			fmt.Fprint(w.out, "  HEARTBLEED")
		}
		fmt.Fprintln(w.out)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w.out, "    note %s: %s\n", n.Code, n.Detail)
	}
	if len(ev.Plaintext) > 0 && (w.opt.Hex || w.opt.ASCII) {
		writePlaintext(w.out, ev.Plaintext, w.opt.Hex)
	}
}

func (w *Writer) textEnd(c *parser.Conn) {
	tc := w.textConn(c, c.Start)
	delete(w.conns, c.ID)
	out := ConnectionOf(c)
	fmt.Fprintf(w.out, "%d    %.4f (%.4f)  end (%s)\n", c.ID, c.EndTime.Sub(tc.start).Seconds(), c.EndTime.Sub(tc.last).Seconds(), out.EndCause)
	line := func(k string, v any) { fmt.Fprintf(w.out, "      %-20s %v\n", k, v) }
	if out.Version != "" {
		line("version", out.Version+" ("+out.VersionID+")")
	}
	if out.CipherSuite != "" {
		line("cipher_suite", out.CipherSuite+" ("+out.CipherSuiteID+")")
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
	line("records", fmt.Sprintf("c2s %d, s2c %d", out.Records.C2S, out.Records.S2C))
	if out.Decrypted || out.MAC.Verified+out.MAC.Failed > 0 {
		line("plaintext_bytes", fmt.Sprintf("c2s %d, s2c %d", out.PlaintextBytes.C2S, out.PlaintextBytes.S2C))
		line("mac", fmt.Sprintf("verified %d, failed %d", out.MAC.Verified, out.MAC.Failed))
		line("finished", fmt.Sprintf("c2s %s, s2c %s", out.Finished.C2S, out.Finished.S2C))
	}
	if out.Gaps > 0 {
		line("gaps", out.Gaps)
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
	for _, n := range out.Notes {
		d := ""
		if n.Dir != "" {
			d = " " + n.Dir
		}
		line("note", n.Code+d+": "+n.Detail)
	}
}

func certLine(c Certificate) string {
	if c.Error != "" && c.Subject == "" {
		return "sha256 " + c.SHA256 + " (" + c.Error + ")"
	}
	return fmt.Sprintf("%s; issuer %s; %s; %s; valid %s to %s", c.Subject, c.Issuer, c.Key, c.SignatureAlgorithm, c.NotBefore, c.NotAfter)
}

// writeMessage writes one handshake message's fields, indented.
func writeMessage(w interface{ WriteString(string) (int, error) }, m Object) {
	name, _ := m.Get("type")
	w.WriteString(fmt.Sprintf("      %v\n", name))
	writeFields(w, m, 8, map[string]bool{"type": true, "type_id": true})
}

func writeFields(w interface{ WriteString(string) (int, error) }, o Object, indent int, skip map[string]bool) {
	pad := strings.Repeat(" ", indent)
	for i := 0; i < len(o); i++ {
		f := o[i]
		if skip[f.Key] {
			continue
		}
		// A code point's hex id follows its name: show them together.
		id := ""
		if i+1 < len(o) && o[i+1].Key == f.Key+"_id" {
			id = fmt.Sprintf(" (%v)", o[i+1].Value)
			i++
		}
		switch v := f.Value.(type) {
		case []string:
			if len(v) == 0 {
				w.WriteString(fmt.Sprintf("%s%-20s (none)\n", pad, f.Key))
				continue
			}
			joined := strings.Join(v, ", ")
			if len(joined) <= 72 && id == "" {
				w.WriteString(fmt.Sprintf("%s%-20s %s\n", pad, f.Key, joined))
				continue
			}
			w.WriteString(fmt.Sprintf("%s%s (%d)\n", pad, f.Key, len(v)))
			var ids []string
			if id == "" && i+1 < len(o) && o[i+1].Key == strings.TrimSuffix(f.Key, "s")+"_ids" {
				ids, _ = o[i+1].Value.([]string)
				i++
			}
			for j, s := range v {
				if j < len(ids) && s != ids[j] {
					s += " (" + ids[j] + ")"
				}
				w.WriteString(pad + "  " + s + "\n")
			}
		case Object:
			w.WriteString(fmt.Sprintf("%s%s\n", pad, f.Key))
			writeFields(w, v, indent+2, nil)
		case []Object:
			if len(v) == 0 {
				w.WriteString(fmt.Sprintf("%s%-20s (none)\n", pad, f.Key))
				continue
			}
			w.WriteString(fmt.Sprintf("%s%s (%d)\n", pad, f.Key, len(v)))
			for _, sub := range v {
				writeObjectItem(w, sub, indent+2)
			}
		default:
			w.WriteString(fmt.Sprintf("%s%-20s %v%s\n", pad, f.Key, v, id))
		}
	}
}

// writeObjectItem writes one element of a list of objects: its name (or
// first field) on the first line, the rest below.
func writeObjectItem(w interface{ WriteString(string) (int, error) }, o Object, indent int) {
	pad := strings.Repeat(" ", indent)
	if len(o) == 0 {
		return
	}
	head := fmt.Sprint(o[0].Value)
	rest := o[1:]
	if len(rest) > 0 && rest[0].Key == o[0].Key+"_id" {
		head += fmt.Sprintf(" (%v)", rest[0].Value)
		rest = rest[1:]
	}
	w.WriteString(pad + "- " + head + "\n")
	writeFields(w, rest, indent+4, map[string]bool{"length": len(rest) > 1})
}

// writePlaintext shows decrypted application data as a hex dump or as text.
func writePlaintext(w interface{ WriteString(string) (int, error) }, b []byte, asHex bool) {
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
