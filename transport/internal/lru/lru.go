// Package lru keeps the open connections of a datagram transport (QUIC,
// DTLS) in order of last activity: the least recently active is the one
// a connection cap evicts, and the idle ones are found from that end
// without visiting the others. Connections come back in id order, the
// order the pipeline merges the transports' flushes in.
package lru

import (
	"cmp"
	"container/list"
	"slices"
	"time"
)

// Conn is what the list needs of a connection.
type Conn interface {
	ID() uint64
	LastActive() time.Time
}

// List is the connections, most recently active at the front.
type List[T Conn] struct{ l list.List }

// Len is how many connections are open.
func (r *List[T]) Len() int { return r.l.Len() }

// Push adds a new connection, as the most recently active.
func (r *List[T]) Push(c T) *list.Element { return r.l.PushFront(c) }

// Touch marks e's connection as the most recently active.
func (r *List[T]) Touch(e *list.Element) { r.l.MoveToFront(e) }

// Remove forgets e's connection.
func (r *List[T]) Remove(e *list.Element) { r.l.Remove(e) }

// Oldest is the least recently active connection.
func (r *List[T]) Oldest() (T, bool) {
	if e := r.l.Back(); e != nil {
		return e.Value.(T), true
	}
	var zero T
	return zero, false
}

// IdleSince returns the connections last active before limit, in id
// order.
func (r *List[T]) IdleSince(limit time.Time) []T {
	var out []T
	for e := r.l.Back(); e != nil; e = e.Prev() {
		c := e.Value.(T)
		if !c.LastActive().Before(limit) {
			break
		}
		out = append(out, c)
	}
	return byID(out)
}

// All returns every open connection, in id order.
func (r *List[T]) All() []T {
	out := make([]T, 0, r.l.Len())
	for e := r.l.Front(); e != nil; e = e.Next() {
		out = append(out, e.Value.(T))
	}
	return byID(out)
}

func byID[T Conn](cs []T) []T {
	slices.SortFunc(cs, func(x, y T) int { return cmp.Compare(x.ID(), y.ID()) })
	return cs
}
