// Command ssldissect dissects and audits SSL/TLS traffic in packet captures
// and on live interfaces.
//
// This package is the command line only: it parses and validates flags
// (main.go), picks the output (audit.go), runs internal/pipeline over files
// (dissect.go) or an interface (live.go), and is the only place that
// writes to stdout and stderr and decides the exit status (ui.go). The
// interface it offers is pinned by CONTRACT.md, the README and the
// testscript scenarios in testdata/script.
package main
