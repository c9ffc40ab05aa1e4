package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/pipeline"
	"github.com/ssldissect/ssldissect/report"
)

// TestAuditSnapshots: a live audit with --format json prints each
// --interval snapshot and the final report as one JSON object per line
// (NDJSON), each with the capture's counters at that time (they were 0
// before) and its as_of time.
func TestAuditSnapshots(t *testing.T) {
	var out bytes.Buffer
	o := &options{command: "audit", format: "json", iface: "lo"}
	w := newOutput(o, &out)
	begin := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, n := range []int64{120, 345} {
		var r pipeline.Result
		r.Packets, r.Bytes = n, uint64(n)*100
		r.Assembly.Connections = uint64(i + 1)
		if err := auditSnapshot(w, begin.Add(time.Duration(i+1)*time.Minute), summary(uint64(r.Packets), r.Bytes, r, &warnings{}, begin)); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want one per snapshot:\n%s", len(lines), out.String())
	}
	for i, l := range lines {
		var rep report.AuditReport
		if err := json.Unmarshal([]byte(l), &rep); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		want := []uint64{120, 345}[i]
		if rep.Packets != want || rep.TCPConnections != uint64(i+1) || rep.AsOf == "" {
			t.Errorf("snapshot %d: packets %d, tcp_connections %d, as_of %q; want %d, %d and a time", i+1, rep.Packets, rep.TCPConnections, rep.AsOf, want, i+1)
		}
	}
}
