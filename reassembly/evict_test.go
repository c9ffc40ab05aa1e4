package reassembly

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// multi feeds packets of several connections, client i being
// 10.0.1.i:40000 and every server 10.0.0.2:443.
type multi struct {
	*harness
}

func newMulti(t *testing.T, opt Options) *multi { return &multi{newHarness(t, opt)} }

func client(i int) netip.AddrPort {
	return netip.MustParseAddrPort(fmt.Sprintf("10.0.1.%d:40000", i))
}

// send adds packet p of connection i.
func (m *multi) send(i int, p tp) {
	m.num++
	from, to := client(i), srvAddr
	if p.dir == Dir1 {
		from, to = to, from
	}
	m.a.Add(mkPacket(m.num, p, from, to))
}

// open sends connection i's SYN and first client bytes.
func (m *multi) open(i int, data string) {
	m.send(i, tp{dir: Dir0, flags: "S", seq: cliISN})
	m.send(i, tp{dir: Dir0, flags: "A", seq: cliISN + 1, data: data})
}

// log returns the calls of the connection whose client is client(i), the
// n-th one of them (0: the first).
func (m *multi) log(i, n int) []string {
	m.t.Helper()
	for _, r := range m.conns {
		if r.key.A == client(i) {
			if n == 0 {
				return r.log
			}
			n--
		}
	}
	m.t.Fatalf("no connection %d (#%d) of client %d", n, n, i)
	return nil
}

// TestMaxConns: past MaxConns, a new connection ends the least recently
// active one (EndEvicted), whose later packets start a new connection.
func TestMaxConns(t *testing.T) {
	m := newMulti(t, Options{MaxConns: 2})
	m.open(1, "one")
	m.open(2, "two")
	m.send(1, tp{dir: Dir0, flags: "A", seq: cliISN + 4, data: "ONE"}) // 2 is now the least recently active
	m.open(3, "three")
	checkLog(t, m.log(2, 0), []string{`D0 "two" [0@4]`, "E evicted"})
	if st := m.a.Stats(); st.Evicted != 1 || st.Open != 2 || st.MaxOpen != 2 {
		t.Errorf("evicted %d, open %d, max open %d; want 1, 2, 2", st.Evicted, st.Open, st.MaxOpen)
	}
	m.send(2, tp{dir: Dir0, flags: "A", seq: cliISN + 4, data: "TWO"}) // picked up again, evicting 1
	m.a.FlushAll(t0.Add(time.Second))
	checkLog(t, m.log(2, 1), []string{`D0 "TWO" [0@8]`, "E flush"})
	checkLog(t, m.log(1, 0), []string{`D0 "one" [0@2]`, `D0 "ONE" [0@5]`, "E evicted"})
	checkLog(t, m.log(3, 0), []string{`D0 "three" [0@7]`, "E flush"})
	if st := m.a.Stats(); st.Evicted != 2 || st.Connections != 4 {
		t.Errorf("evicted %d of %d connections, want 2 of 4", st.Evicted, st.Connections)
	}
}

// TestMaxPendingBytesTotal: past the budget for pending bytes, the
// connection that has held pending bytes the longest ends (EndEvicted),
// however recently active; one that consumed its bytes is not touched.
func TestMaxPendingBytesTotal(t *testing.T) {
	m := newMulti(t, Options{MaxPendingBytesTotal: 2 * smallPend})
	m.consume = func(d Dir, c *Chunk) int {
		if c.Data[0] == 'k' {
			return 0 // keep it all pending
		}
		return len(c.Data)
	}
	m.open(1, "keep1")
	m.open(2, "eat")
	m.open(3, "keep3")
	m.send(1, tp{dir: Dir0, flags: "A", seq: cliISN + 6, data: "more"}) // 1 is the most recently active
	m.open(4, "keep4")                                                  // a third buffer: over the budget
	checkLog(t, m.log(1, 0), []string{`D0 "keep1" [0@2]`, `D0 "keep1more" [0@2 5@7]`, "E evicted"})
	if st := m.a.Stats(); st.Evicted != 1 || st.EvictedPending != 1 || st.Open != 3 {
		t.Errorf("evicted %d (pending %d), open %d; want 1 (1), 3", st.Evicted, st.EvictedPending, st.Open)
	}
	m.a.FlushAll(t0.Add(time.Second))
	for _, i := range []int{2, 3, 4} {
		if l := m.log(i, 0); l[len(l)-1] != "E flush" {
			t.Errorf("connection %d: %v, want it to end at the flush", i, l)
		}
	}
}
