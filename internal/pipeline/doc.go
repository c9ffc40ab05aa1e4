// Package pipeline runs ssldissect's stages over a packet source:
// capture -> reassembly -> parser (+ decrypt) -> a session.Sink (the report
// writer, the auditor, or a test's collector). The command line, the
// oracle tests and the benchmarks all run captures through this one loop.
//
// With Options.Workers above 1, connections are sharded over worker
// goroutines, each with its own reassembler and parser, and one writer
// merges their events so that the output is the same as with one worker
// (shard.go; docs/DESIGN.md, "Scaling out").
package pipeline
