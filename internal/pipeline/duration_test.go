package pipeline

import (
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket"

	"github.com/ssldissect/ssldissect/capture"
)

// timedSource delivers empty packets at the given offsets from t0.
type timedSource struct {
	at []time.Duration
	p  capture.Packet
	n  int
}

var t0 = time.Unix(1700000000, 0)

func (s *timedSource) Next() (*capture.Packet, error) {
	if s.n == len(s.at) {
		return nil, io.EOF
	}
	s.p = capture.Packet{Num: uint64(s.n + 1), CI: gopacket.CaptureInfo{Timestamp: t0.Add(s.at[s.n]), CaptureLength: 60, Length: 60}, Data: make([]byte, 60)}
	s.n++
	return &s.p, nil
}
func (s *timedSource) Stats() capture.Stats { return capture.Stats{} }
func (s *timedSource) Close() error         { return nil }

// TestDurationHalfOpen: Options.Duration D takes the packets less than D
// after the first; the one at D or later ends the run uncounted, with one
// worker or several.
func TestDurationHalfOpen(t *testing.T) {
	ms := time.Millisecond
	at := []time.Duration{0, 4 * ms, 9 * ms, 10 * ms, 11 * ms, 30 * ms}
	for _, workers := range []int{1, 2} {
		for _, c := range []struct {
			d    time.Duration
			want int64
		}{{10 * ms, 3}, {9 * ms, 2}, {11 * ms, 4}, {time.Second, 6}} {
			res, err := Run(&timedSource{at: at}, &collector{}, Options{Duration: c.d, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if res.Packets != c.want || res.Bytes != uint64(60*c.want) || !res.Last.Equal(t0.Add(at[c.want-1])) {
				t.Errorf("workers %d, duration %v: %d packets, %d bytes, last at %v; want %d packets",
					workers, c.d, res.Packets, res.Bytes, res.Last.Sub(t0), c.want)
			}
		}
	}
}
