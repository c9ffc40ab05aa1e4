package reassembly

// The Assembler keeps its open connections on three intrusive lists, so
// that nothing it does per packet or per flush visits every connection:
//
//   - byID: every open connection, in the order they were made (their id),
//     for FlushAll, which then needs no sort.
//   - recent: every open connection, least recently active first (moved to
//     the back by each of its packets), for the open-connection cap
//     (Options.MaxConns evicts from the front) and for ending idle
//     connections from the front.
//   - halfClosed: the open connections with one direction ended by a FIN,
//     least recently active first, for Options.CloseTimeout.
//
// and a fourth, pendingList: the open connections whose handler left bytes
// unconsumed, the one holding them the longest first, for
// Options.MaxPendingBytesTotal. A connection leaves every list when it
// ends.

// listKind names one of the lists, and the links of a stream for it.
type listKind uint8

const (
	byID listKind = iota
	recent
	halfClosed
	pendingList
	numLists
)

// links are a stream's neighbours on one list. A stream is on the list
// when it has a neighbour or is its head.
type links struct {
	prev, next *stream
}

// connList is a doubly linked list of streams, through their links[kind].
type connList struct {
	kind       listKind
	head, tail *stream
	n          int
}

func (l *connList) has(s *stream) bool {
	ln := &s.links[l.kind]
	return ln.prev != nil || ln.next != nil || l.head == s
}

func (l *connList) pushBack(s *stream) {
	if l.has(s) {
		return
	}
	ln := &s.links[l.kind]
	*ln = links{prev: l.tail}
	if l.tail != nil {
		l.tail.links[l.kind].next = s
	} else {
		l.head = s
	}
	l.tail = s
	l.n++
}

func (l *connList) remove(s *stream) {
	if !l.has(s) {
		return
	}
	ln := &s.links[l.kind]
	if ln.prev != nil {
		ln.prev.links[l.kind].next = ln.next
	} else {
		l.head = ln.next
	}
	if ln.next != nil {
		ln.next.links[l.kind].prev = ln.prev
	} else {
		l.tail = ln.prev
	}
	*ln = links{}
	l.n--
}

// touch moves s to the back, if it is on the list.
func (l *connList) touch(s *stream) {
	if l.tail != s && l.has(s) {
		l.remove(s)
		l.pushBack(s)
	}
}
