package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// section is one table of the audit: the same rows feed the table, the
// markdown and the CSV formats, so that they carry the same facts.
type section struct {
	name   string // CSV's first column, snake_case
	title  string // table and markdown heading
	header []string
	rows   [][]string
}

// listSep joins the values of a multi-valued cell, per format.
var listSep = map[string]string{"table": "\n", "markdown": "<br>", "csv": "; "}

// auditSections lays the report out as tables; sep joins lists in a cell.
func auditSections(rep AuditReport, sep string) []section {
	join := func(s []string) string { return strings.Join(s, sep) }
	itoa := strconv.Itoa
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	sum := section{name: "summary", title: "Summary",
		header: []string{"connections", "without_server_hello", "decrypted_connections", "hidden_certificates", "packets", "tcp_connections", "quic_connections", "rating"}}
	sum.rows = append(sum.rows, []string{itoa(rep.Connections), itoa(rep.WithoutServerHello), itoa(rep.DecryptedConnections), itoa(rep.HiddenCertificates),
		strconv.FormatUint(rep.Packets, 10), strconv.FormatUint(rep.TCPConnections, 10), strconv.FormatUint(rep.QUICConnections, 10), rep.Rating})
	if rep.AsOf != "" {
		sum.header = append(sum.header, "as_of")
		sum.rows[0] = append(sum.rows[0], rep.AsOf)
	}
	if rep.Select != nil {
		sum.header = append(sum.header, "select", "select_dropped")
		sum.rows[0] = append(sum.rows[0], rep.Select.Expression, strconv.FormatUint(rep.Select.Dropped, 10))
	}

	ver := section{name: "versions", title: "Versions", header: []string{"version", "id", "connections", "rating", "reasons"}}
	for _, v := range rep.Versions {
		ver.rows = append(ver.rows, []string{v.Version, v.ID, itoa(v.Connections), v.Rating, join(v.Reasons)})
	}
	cs := section{name: "cipher_suites", title: "Cipher suites", header: []string{"cipher_suite", "id", "key_exchange",
		"authentication", "cipher", "mac", "iana_recommended", "connections", "rating", "reasons"}}
	for _, s := range rep.CipherSuites {
		cs.rows = append(cs.rows, []string{s.CipherSuite, s.ID, s.KeyExchange, s.Authentication, s.Cipher, s.MAC,
			yes(s.IANARecommended), itoa(s.Connections), s.Rating, join(s.Reasons)})
	}
	kx := section{name: "key_exchange", title: "Key exchange", header: []string{"kind", "group", "bits", "connections", "rating", "reasons"}}
	for _, k := range rep.KeyExchange {
		bits := ""
		if k.Bits != 0 {
			bits = itoa(k.Bits)
		}
		kx.rows = append(kx.rows, []string{k.Kind, k.Group, bits, itoa(k.Connections), k.Rating, join(k.Reasons)})
	}
	srv := section{name: "servers", title: "Servers", header: []string{"server", "sni", "connections", "versions", "cipher_suites", "rating"}}
	for _, s := range rep.Servers {
		srv.rows = append(srv.rows, []string{s.Server, s.SNI, itoa(s.Connections), join(s.Versions), join(s.CipherSuites), s.Rating})
	}
	cl := section{name: "clients", title: "Clients", header: []string{"ja3", "ja4", "connections", "offers_insecure", "insecure_offered"}}
	for _, c := range rep.Clients {
		offered := c.InsecureOffered
		if c.InsecureOfferedDropped > 0 {
			offered = append(slices.Clip(offered), fmt.Sprintf("(and %d more)", c.InsecureOfferedDropped))
		}
		cl.rows = append(cl.rows, []string{c.JA3, c.JA4, itoa(c.Connections), yes(c.OffersInsecure), join(offered)})
	}
	ce := section{name: "certificates", title: "Certificates", header: []string{"subject", "issuer", "not_before", "not_after",
		"key", "signature_algorithm", "self_signed", "validity", "sni_not_in_san", "role", "leaf", "connections", "rating", "reasons", "sha256"}}
	for _, c := range rep.Certificates {
		ce.rows = append(ce.rows, []string{c.Subject, c.Issuer, c.NotBefore, c.NotAfter, c.Key, c.SignatureAlgorithm,
			yes(c.SelfSigned), c.Validity, join(c.SNINotInSAN), c.Role, yes(c.Leaf), itoa(c.Connections), c.Rating, join(c.Reasons), c.SHA256})
	}
	va := section{name: "validation", title: "Validation", header: []string{"validation_status", "connections"}}
	for _, v := range rep.Validation {
		va.rows = append(va.rows, []string{v.Status, itoa(v.Connections)})
	}
	fi := section{name: "findings", title: "Findings", header: []string{"severity", "code", "message", "connections", "examples"}}
	for _, f := range rep.Findings {
		var ex []string
		for _, e := range f.Examples {
			s := fmt.Sprintf("#%d %s %s -> %s", e.Conn, e.Time, e.Client, e.Server)
			if e.SNI != "" {
				s += " (" + e.SNI + ")"
			}
			ex = append(ex, s)
		}
		fi.rows = append(fi.rows, []string{f.Severity, f.Code, f.Message, itoa(f.Connections), join(ex)})
	}
	pq := section{name: "post_quantum", title: "Post-quantum", header: []string{"offered", "key_share_offered", "chosen", "declined",
		"hello_retry_for_pq", "not_offered", "pq_certificates", "groups"}}
	q := rep.PostQuantum
	pq.rows = append(pq.rows, []string{itoa(q.Offered), itoa(q.KeyShareOffered), itoa(q.Chosen), itoa(q.Declined),
		itoa(q.HelloRetryForPQ), itoa(q.NotOffered), itoa(q.PQCertificates), join(q.Groups)})
	return []section{sum, ver, cs, kx, srv, cl, ce, va, pq, fi}
}

// writeAuditSections writes the report as tables (format "table"), GitHub
// markdown tables, or CSV: in CSV every section starts with a header row
// whose first cell is "table", and each of its rows starts with the
// section's name.
func writeAuditSections(w io.Writer, format string, rep AuditReport) error {
	bw := bufio.NewWriter(w)
	secs := auditSections(rep, listSep[format])
	if format == "csv" {
		cw := csv.NewWriter(bw)
		for _, s := range secs {
			if err := cw.Write(append([]string{"table"}, s.header...)); err != nil {
				return err
			}
			for _, r := range s.rows {
				if err := cw.Write(append([]string{s.name}, r...)); err != nil {
					return err
				}
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return bw.Flush()
	}
	for i, s := range secs {
		if i > 0 {
			bw.WriteString("\n")
		}
		if format == "markdown" {
			fmt.Fprintf(bw, "## %s\n\n", s.title)
		} else {
			fmt.Fprintf(bw, "%s (%d)\n", s.title, len(s.rows))
		}
		if len(s.rows) == 0 {
			bw.WriteString("(none)\n")
			continue
		}
		if err := renderTable(bw, format, s); err != nil {
			return fmt.Errorf("audit table %s: %w", s.name, err)
		}
	}
	return bw.Flush()
}

// renderTable draws one section with tablewriter: an ASCII grid, or a
// GitHub markdown table (cells escaped).
func renderTable(w io.Writer, format string, s section) error {
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
	}
	rows := s.rows
	if format == "markdown" {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
		rows = make([][]string, len(s.rows))
		for i, r := range s.rows {
			rows[i] = make([]string, len(r))
			for j, c := range r {
				rows[i][j] = markdownCell(c)
			}
		}
	}
	t := tablewriter.NewTable(w, opts...)
	t.Header(s.header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	return t.Render()
}

// markdownCell escapes what would break a GitHub table cell.
func markdownCell(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", "<br>")
}
