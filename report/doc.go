// Package report turns the parser's events into what users read: one line
// per record in text (after ssldump), NDJSON objects for scripts (the schema
// of CONTRACT.md lives in model.go), Elastic Common Schema documents for
// log pipelines (ecs.go), the plaintext files of --plaintext-dir, Zeek's
// ssl.log, x509.log and quic.log (zeek.go, docs/ZEEK.md), and the audit
// tables. With Options.HexRecords (-X) each record's bytes as captured
// (session.RecordEvent.Wire) are dumped in text and a "hex" field in JSON
// (hexdump.go).
// A Writer can be split among the workers of a sharded run
// (session.Splitter: Split, Take, WriteMerged, Join): each part formats its
// worker's connections into bytes and marks where it wrote a connection id,
// which the run's writer replaces with the run's id.
// Select (select.go) sits in front of any of them for --select: it
// passes on the events of the connections an internal/selectexpr
// expression matches, held until the answer is settled, in their order.
//
// Parser structs are never serialized directly: model.go, object.go and
// messages.go map them to output types, so that the output can stay stable
// while the parser changes. A certificate's output values are made once per
// distinct certificate (messages.go, certValuesOf: a bounded cache by
// SHA-256, checked against the summary on each hit).
//
// The NDJSON record and connection lines are written without reflection
// (recordjson.go, connjson.go), byte for byte what json.Encoder
// (SetEscapeHTML(false)) writes for the model structs; schema_test.go
// holds them to it.
package report
