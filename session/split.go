package session

// A sharded run (internal/pipeline, --workers) parses each connection on
// one of several workers. A Sink that only formats what it is given, each
// connection on its own (report.Writer), can do that formatting on the
// workers too: it is a Splitter. Each worker gets a SinkPart, which writes
// its connections' events into bytes; the run's writer merges the bytes in
// the order one worker would have written them and hands them to the
// Splitter. Connection ids are the one thing a worker cannot know: it
// numbers its connections itself, and the part marks where it wrote such
// an id (IDMark), for the writer to put the run's id there.

// IDMark is where a SinkPart wrote a connection id: bytes [Off, Off+Len)
// of its output are the decimal digits of Conn, the worker's own id of the
// connection.
type IDMark struct {
	Off, Len int
	Conn     uint64
}

// A SinkPart is the share of a Splitter one worker has: it formats events
// like its Splitter, into bytes that Take hands out.
type SinkPart interface {
	Sink
	// Written is how many bytes, and marks of the ids in them, the part
	// has written since the last Take: the output of each event ends
	// where Written says after it.
	Written() (n, marks int)
	// Take hands out what was written since the last call, and the marks
	// of the ids in it (their Off counted in it), and writes on into buf
	// and marks (emptied; buffers the caller is done with, or nil), so
	// that no byte is copied on the way.
	Take(buf []byte, marks []IDMark) ([]byte, []IDMark)
}

// A Splitter is a Sink whose formatting the workers of a sharded run can
// share.
type Splitter interface {
	Sink
	// Split returns a part for one worker, or nil when this Sink cannot
	// be split (it then gets every event itself, replayed in order).
	Split() SinkPart
	// WriteMerged writes bytes made by the parts, merged in order, with
	// the run's connection ids in place.
	WriteMerged(p []byte)
	// Join adds what a part counted (for the summary) to the Splitter's
	// counts, once the part has seen its last event.
	Join(SinkPart)
}
