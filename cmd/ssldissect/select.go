package main

import (
	"github.com/ssldissect/ssldissect/internal/selectexpr"
	"github.com/ssldissect/ssldissect/report"
	"github.com/ssldissect/ssldissect/session"
)

// parseSelect parses --select (validate calls it before any work).
func (o *options) parseSelect() error {
	if o.selectSrc == "" {
		return nil
	}
	e, err := selectexpr.Parse(o.selectSrc)
	if err != nil {
		return usagef("run 'ssldissect --help' for the fields and operators", "--select: %v", err)
	}
	o.selectExpr = e
	return nil
}

// withSelect adds --select to the output: only the events of the
// connections the expression matches reach it (report.Select), the
// decrypted files of --plaintext-dir and --write-decrypted included. The
// dissect summary still counts all traffic.
func withSelect(o *options, w output) output {
	if o.selectExpr == nil {
		return w
	}
	sel := report.NewSelect(o.selectExpr, w, recordWriter(w), selectCaps)
	if o.hexRecords {
		sel.KeepWire()
	}
	return &selectOutput{output: w, sel: sel}
}

// selectCaps are report.DefaultSelectCaps, made smaller by tests.
var selectCaps = report.DefaultSelectCaps

// recordWriter is the record writer inside an output, if any: the one
// whose summary counts what --select leaves out.
func recordWriter(w output) *report.Writer {
	switch w := w.(type) {
	case *report.Writer:
		return w
	case *decryptedOutput:
		return recordWriter(w.output)
	}
	return nil
}

// selectOutput is an output behind a --select filter.
type selectOutput struct {
	output
	sel *report.Select
}

func (s *selectOutput) Record(ev *session.RecordEvent) { s.sel.Record(ev) }

func (s *selectOutput) End(c *session.Conn) { s.sel.End(c) }

// Summary passes on what is still held, then the summary with the
// select counts.
func (s *selectOutput) Summary(sum report.Summary) {
	s.sel.Flush()
	sel := s.sel.Summary()
	sum.Select = &sel
	s.output.Summary(sum)
}

// unwrapOutput is the output under --select's filter.
func unwrapOutput(w output) output {
	if s, ok := w.(*selectOutput); ok {
		return s.output
	}
	return w
}
