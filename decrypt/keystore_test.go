package decrypt

import (
	"math"
	"testing"
	"time"
)

// TestSessionCacheShardClock checks the session cache of a sharded run:
// a lookup waits until the other workers have passed its time, sees only
// what was stored before that time (its own worker's: at that time too),
// and of several versions of one session ID the latest such.
func TestSessionCacheShardClock(t *testing.T) {
	ks := NewKeyStore()
	clock := NewShardClock(2)
	w0, w1 := ks.ForWorker(0, clock), ks.ForWorker(1, clock)
	id := []byte("session-1")
	sess := func(m string) cachedSession { return cachedSession{version: 0x0303, suite: 0xc02f, master: []byte(m)} }
	master := func(k *KeyStore) string {
		s, ok := k.resume(id, nil)
		if !ok {
			return ""
		}
		return string(s.master)
	}
	// lookup runs resume on k at t in a goroutine; the channel has its
	// answer.
	lookup := func(k *KeyStore, t uint64) chan string {
		k.SetTime(t)
		c := make(chan string, 1)
		go func() { c <- master(k) }()
		return c
	}
	blocked := func(c chan string, what string) {
		select {
		case m := <-c:
			t.Fatalf("%s: answered %q before the other worker got there", what, m)
		case <-time.After(30 * time.Millisecond):
		}
	}
	answer := func(c chan string, want, what string) {
		select {
		case m := <-c:
			if m != want {
				t.Errorf("%s: master %q, want %q", what, m, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no answer", what)
		}
	}

	w0.SetTime(10)
	w0.remember(id, nil, sess("A"))
	answer(lookup(w1, 8), "", "before the handshake stored it")

	c := lookup(w1, 12)
	blocked(c, "after worker 0's time")
	w0.SetTime(14)
	answer(c, "A", "once worker 0 passed it")

	w0.SetTime(20)
	w0.remember(id, nil, sess("B"))
	answer(lookup(w1, 16), "A", "between the two versions")
	c = lookup(w1, 22)
	blocked(c, "after the second version")
	w0.SetTime(math.MaxUint64) // done
	answer(c, "B", "after the second version")

	// A worker sees what it stored itself at its own time.
	w1.SetTime(30)
	id = []byte("session-2")
	w1.remember(id, nil, sess("C"))
	answer(lookup(w1, 30), "C", "own version at the same time")

	// Outside a sharded run, the latest stored, whenever.
	single := NewKeyStore()
	single.remember(id, nil, sess("D"))
	single.remember(id, nil, sess("E"))
	if m := master(single); m != "E" {
		t.Errorf("single loop: master %q, want E", m)
	}

	// Versions of one ID: the same content is stored once; past
	// maxVersions the oldest go; one that every worker has passed makes
	// the older ones useless.
	clock = NewShardClock(2)
	a, b := NewKeyStore().ForWorker(0, clock), NewKeyStore().ForWorker(1, clock)
	versions := func() []cachedSession { return a.cache.byID[string(id)] }
	for i := range maxVersions + 3 {
		a.SetTime(uint64(2 * (i + 1)))
		a.remember(id, nil, sess(string(rune('a'+i))))
		a.remember(id, nil, sess(string(rune('a'+i)))) // again: nothing new
	}
	if vs := versions(); len(vs) != maxVersions || string(vs[0].master) != string(rune('a'+3)) || a.cache.n != maxVersions {
		t.Errorf("versions kept: %d (counted %d), oldest %q; want %d from %q", len(vs), a.cache.n, vs[0].master, maxVersions, 'a'+3)
	}
	b.SetTime(100) // both workers are past every version but the latest
	a.SetTime(100)
	a.remember(id, nil, sess("z"))
	if vs := versions(); len(vs) != 2 || string(vs[0].master) != string(rune('a'+maxVersions+2)) || a.cache.n != 2 {
		t.Errorf("after both passed: %d versions (counted %d), oldest %q", len(vs), a.cache.n, vs[0].master)
	}
}
