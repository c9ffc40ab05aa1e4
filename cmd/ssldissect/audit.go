package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ssldissect/ssldissect/report"
	"github.com/ssldissect/ssldissect/session"
)

// output is where the pipeline in dissect() sends its events: the record
// writer for dissect, the Auditor for audit.
type output interface {
	session.Sink
	Summary(report.Summary)
	Err() error
	// Close flushes the output; for audit it prints the report and returns
	// a *failOnError when --fail-on matched.
	Close() error
}

// newOutput picks the sink for o.command.
func newOutput(o *options, stdout io.Writer) output {
	if o.command == "audit" {
		format := o.format
		if o.iface != "" && format == "json" {
			// A live run prints a snapshot every --interval and one at
			// the end: one JSON object per line.
			format = "ndjson"
		}
		a := report.NewAuditor()
		a.SetTrust(o.verifier())
		return &auditOutput{Auditor: a, w: stdout, format: format, failOn: o.failOn}
	}
	if o.format == "zeek" {
		return report.NewZeekWriter(report.ZeekOptions{Dir: o.logDir, JSON: o.zeekJSON, Trust: o.verifier(), Now: now})
	}
	return report.NewWriter(stdout, report.Options{Format: o.format, Hex: o.hex, ASCII: o.ascii, HexRecords: o.hexRecords, PlaintextDir: o.plaintextDir, Trust: o.verifier()})
}

// auditOutput prints the audit report when the run ends.
type auditOutput struct {
	*report.Auditor
	w      io.Writer
	format string
	failOn string
	err    error
}

func (a *auditOutput) Summary(s report.Summary) { a.SetSummary(s) }

func (a *auditOutput) Err() error { return a.err }

// Close prints the final report and applies --fail-on.
func (a *auditOutput) Close() error {
	if a.err == nil {
		a.err = a.Render(a.w, a.format, time.Time{})
	}
	if a.err != nil {
		return a.err
	}
	return a.failOnCheck()
}

func (a *auditOutput) failOnCheck() error {
	if a.failOn == "" {
		return nil
	}
	threshold, _ := report.ParseRating(a.failOn)
	if r, ok := a.Worst(); ok && r >= threshold {
		return &failOnError{what: fmt.Sprintf("worst rating seen is %s", r)}
	}
	return nil
}

// auditSnapshot prints the audit report as it stands, stamped with now,
// with the capture's counters so far (s): a live run's Tick hook (live.go)
// calls it every --interval, before the final Close prints the last one.
// For dissect it does nothing.
func auditSnapshot(out output, now time.Time, s report.Summary) error {
	a, ok := unwrapOutput(out).(*auditOutput)
	if !ok || a.err != nil {
		return nil
	}
	a.SetSummary(s)
	a.err = a.Render(a.w, a.format, now)
	return a.err
}
