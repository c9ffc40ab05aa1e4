package lru

import (
	"testing"
	"time"
)

type conn struct {
	id   uint64
	last time.Time
}

func (c *conn) ID() uint64            { return c.id }
func (c *conn) LastActive() time.Time { return c.last }

func TestList(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var l List[*conn]
	cs := []*conn{{3, t0}, {1, t0.Add(time.Second)}, {2, t0.Add(2 * time.Second)}}
	var elems []any
	for _, c := range cs {
		elems = append(elems, l.Push(c))
	}
	// Conn 3 is touched last: the oldest is now conn 1.
	cs[0].last = t0.Add(3 * time.Second)
	l.Touch(l.l.Back())
	if o, ok := l.Oldest(); !ok || o.id != 1 || l.Len() != 3 {
		t.Fatalf("oldest %v, len %d", o, l.Len())
	}
	idle := l.IdleSince(t0.Add(2500 * time.Millisecond))
	if len(idle) != 2 || idle[0].id != 1 || idle[1].id != 2 {
		t.Fatalf("idle %v, want conns 1 and 2 in id order", idle)
	}
	all := l.All()
	if len(all) != 3 || all[0].id != 1 || all[2].id != 3 {
		t.Fatalf("all %v, want id order", all)
	}
	_ = elems
}
