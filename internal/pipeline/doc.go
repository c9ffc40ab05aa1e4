// Package pipeline runs ssldissect's stages over a packet source:
// capture -> reassembly -> parser (+ decrypt) -> a session.Sink (the report
// writer, the auditor, or a test's collector). Run is the only packet
// loop: the command line (capture files and live capture), the oracle
// tests and the benchmarks all run captures through it, and the command
// only sets Options.
//
// From files, idle connections are flushed every FlushEvery packets, by
// packet time. A live run (Options.Live, live.go) is the same loop with
// hooks for a capture that goes on: idle flushes by the wall clock, also
// when no packet comes, behind the wall clock by the time packets are held
// back for late key-log lines; a hook before each packet that follows the
// key logs; a tick for progress lines and periodic reports; --duration in
// wall time; the capture closed, and the key logs read a last time, before
// the final flush. An error from a hook (the output or -w failing) ends
// the run at once, without the final flush.
//
// The events of an idle flush and of the final flush come connection by
// connection in connection order (by id), as the reassembler makes them.
//
// With Options.Workers above 1, connections are sharded over worker
// goroutines by a hash of both endpoints, each with its own reassembler and
// parser, and one writer merges their events so that the output is the
// same as with one worker (shard.go; docs/DESIGN.md, "Scaling out"). A
// Sink that is a session.Splitter (report.Writer) formats on the workers,
// and the writer merges bytes, putting the run's connection ids where the
// workers marked theirs; any other Sink gets materialised events, replayed
// in order. The session cache keeps time across the workers
// (decrypt.ShardClock, KeyStore.SetTime before each packet). In a live run the dispatcher
// hands a round out when it is full or 50 ms old, asks for idle flushes by
// the wall clock, and Live.Tick runs on the writer, where the Sink is.
// Materialised events copy a record's bytes as captured (RecordEvent.Wire)
// only with Options.Wire, which -X sets.
//
// DNS responses (UDP datagrams from port 53, dns.go) are decoded with
// parser/dns for the ECHConfigs of their HTTPS/SVCB records, which go to
// the KeyStore's DNSECH table (Result.DNS counts them); the datagram then
// goes to the UDP transports as any other. In a sharded run every worker
// gets every DNS response, in capture order, for its own table.
package pipeline
