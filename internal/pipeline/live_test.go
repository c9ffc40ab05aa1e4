package pipeline

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/session"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/synth"
)

// fakeLive is a capture.Live that plays the packets of capture files as if
// they came live. When a packet is delivered the clock is set to its
// capture time plus lag (it was held back that long). After each packet
// come idle answers (capture.ErrNoPacket), each moving the clock on by
// step; after limit packets (0: all of them) come only idle answers, then,
// after tail of them (or as soon as Stop is called), io.EOF. With sleep,
// each idle answer takes that long in wall time.
type fakeLive struct {
	capture.Source
	now   time.Time
	lag   time.Duration
	idle  int
	step  time.Duration
	limit int64
	tail  int
	sleep time.Duration
	log   *[]string // shared with the hooks and the Sink

	n, pending int64
	tailed     int
	stopped    atomic.Bool
	closed     bool
}

func (f *fakeLive) note(s string) {
	if f.log != nil {
		*f.log = append(*f.log, s)
	}
}

func (f *fakeLive) Next() (*capture.Packet, error) {
	switch {
	case f.pending > 0:
		f.pending--
	case f.stopped.Load():
		return nil, io.EOF
	case f.limit > 0 && f.n >= f.limit:
		if f.tailed == f.tail && f.tail >= 0 {
			return nil, io.EOF
		}
		f.tailed++
	default:
		p, err := f.Source.Next()
		if err != nil {
			return nil, err
		}
		f.n++
		f.pending = int64(f.idle)
		if t := p.CI.Timestamp.Add(f.lag); t.After(f.now) {
			f.now = t
		}
		return p, nil
	}
	time.Sleep(f.sleep)
	f.now = f.now.Add(f.step)
	f.note("none")
	return nil, capture.ErrNoPacket
}

func (f *fakeLive) Stop()                              { f.stopped.Store(true) }
func (f *fakeLive) LiveStats() capture.LiveStats       { return capture.LiveStats{} }
func (f *fakeLive) LinkType() uint16                   { return 1 }
func (f *fakeLive) Snaplen() int                       { return 262144 }
func (f *fakeLive) clock() func() time.Time            { return func() time.Time { return f.now } }
func (f *fakeLive) open(t *testing.T, files ...string) { f.Source = openFiles(t, files...) }

func (f *fakeLive) Close() error {
	if !f.closed {
		f.closed = true
		f.note("close")
	}
	return nil
}

func openFiles(t *testing.T, files ...string) capture.Source {
	t.Helper()
	src, err := capture.OpenFiles(files, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// logSink notes the Sink calls in the log shared with the hooks, and keeps
// them in full as the collector does.
type logSink struct {
	collector
	log  *[]string
	when func() time.Time // the clock at each End
	ends []time.Time
}

func (s *logSink) Record(ev *session.RecordEvent) {
	*s.log = append(*s.log, "R")
	s.collector.Record(ev)
}

func (s *logSink) End(c *session.Conn) {
	*s.log = append(*s.log, fmt.Sprintf("E%d %s", c.ID, c.EndCause))
	s.collector.End(c)
	if s.when != nil {
		s.ends = append(s.ends, s.when())
	}
}

// TestLiveHooks checks when a live run calls its hooks: Poll before each
// packet is seen (OnPacket), Tick after it and its records, Poll and Tick
// when no packet came, and at the end the capture closed, the last Poll,
// then the final flush. With no idle flush due, the Sink calls are those
// of a run from the file.
func TestLiveHooks(t *testing.T) {
	const pcap = "../../testdata/pcaps/openssl-tls12-rsa-aes128-gcm.pcap"
	var want collector
	fileRes, err := Run(openFiles(t, pcap), &want, Options{})
	if err != nil {
		t.Fatal(err)
	}

	var log []string
	f := &fakeLive{idle: 1, step: time.Millisecond, lag: 1500 * time.Millisecond, log: &log}
	f.open(t, pcap)
	sink := &logSink{log: &log}
	var ticks []Result
	var nums []uint64
	res, err := Run(f, sink, Options{
		OnPacket: func(p *capture.Packet) error {
			nums = append(nums, p.Num)
			log = append(log, "P")
			return nil
		},
		Live: &Live{
			Now: f.clock(),
			Lag: f.lag,
			Poll: func(final bool) error {
				log = append(log, map[bool]string{false: "poll", true: "final"}[final])
				return nil
			},
			Tick: func(now time.Time, r Result) error {
				if !now.Equal(f.now) {
					t.Errorf("Tick at %v, the clock says %v", now, f.now)
				}
				ticks = append(ticks, r)
				log = append(log, "tick")
				return nil
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	short := map[string]string{"poll": "p", "P": "P", "R": "R", "tick": "t", "none": "n", "close": "C", "final": "F"}
	var b strings.Builder
	for _, l := range log {
		if s, ok := short[l]; ok {
			b.WriteString(s)
		} else {
			b.WriteString("E") // End
		}
	}
	if got := b.String(); !regexp.MustCompile(`^(pP[RE]*tnp[RE]*t)+CF[RE]*$`).MatchString(got) {
		t.Errorf("hooks and Sink calls in the order %s\nwant (poll, packet, records, tick, none, poll, tick)..., close, final poll, ends", got)
	}
	if !reflect.DeepEqual(sink.lines, want.lines) {
		t.Errorf("Sink calls differ from those of a run from the file:\n got %q\nwant %q", sink.lines, want.lines)
	}
	if res.Packets != fileRes.Packets || res.Bytes != fileRes.Bytes || !res.Flushed || res.Assembly != fileRes.Assembly {
		t.Errorf("result %+v\nwant %+v", res, fileRes)
	}
	for i, n := range nums {
		if n != uint64(i+1) {
			t.Fatalf("OnPacket saw packets %v", nums)
		}
	}
	// Ticks: one after each packet, one after each idle answer.
	if len(ticks) != 2*int(res.Packets) {
		t.Fatalf("%d ticks for %d packets", len(ticks), res.Packets)
	}
	for i, r := range ticks {
		if n := int64(i/2 + 1); r.Packets != n || r.Capture.Delivered != uint64(n) {
			t.Errorf("tick %d: %d packets, %d delivered; want %d", i, r.Packets, r.Capture.Delivered, n)
		}
	}
	if last := ticks[len(ticks)-1]; last.Assembly.Connections != 1 {
		t.Errorf("last tick: reassembly counts %+v", last.Assembly)
	}
}

// TestLiveIdleFlush: when packets stop coming, the connections still open
// are ended by the wall clock (idle, IdleTimeout after their last packet,
// packet times running Lag behind), in connection order, without another
// packet to trigger the flush; a run from the file cut at the same packet
// ends them at the final flush instead.
func TestLiveIdleFlush(t *testing.T) {
	pcaps, _, err := synth.Inputs("../../testdata/pcaps/*.pcap")
	if err != nil || len(pcaps) == 0 {
		t.Fatalf("synthetic inputs: %v", err)
	}
	pcap := filepath.Join(t.TempDir(), "s.pcap")
	st, err := synth.GenerateFile(pcap, pcaps, "", nil, synth.Options{Size: 256 << 10, Interleave: 16})
	if err != nil {
		t.Fatal(err)
	}
	cut := st.Packets / 2
	var file collector
	if _, err := Run(openFiles(t, pcap), &file, Options{Count: cut}); err != nil {
		t.Fatal(err)
	}
	var log []string
	f := &fakeLive{limit: cut, tail: 30, step: 10 * time.Second, lag: 1500 * time.Millisecond, log: &log}
	f.open(t, pcap)
	sink := &logSink{log: &log, when: f.clock()}
	opt := Options{Live: &Live{Now: f.clock(), Lag: f.lag}}
	opt.Reassembly.IdleTimeout = time.Minute
	var last time.Time
	opt.OnPacket = func(p *capture.Packet) error {
		last = p.CI.Timestamp
		log = append(log, "P")
		return nil
	}
	if _, err := Run(f, sink, opt); err != nil {
		t.Fatal(err)
	}
	fileFlushed, idle := 0, 0
	for _, l := range file.lines {
		if strings.HasPrefix(l, "E ") && strings.Contains(l, " flush ") {
			fileFlushed++
		}
	}
	var prev uint64
	lastP := 0
	for i, l := range log {
		if l == "P" {
			lastP = i
		}
	}
	k := 0
	for i, l := range log {
		if l == "none" {
			prev = 0 // the next ends are another flush's
		}
		if !strings.HasPrefix(l, "E") {
			continue
		}
		at := sink.ends[k]
		k++
		var id uint64
		var cause string
		fmt.Sscanf(l, "E%d %s", &id, &cause)
		if cause == "flush" {
			t.Errorf("connection %d ended at the final flush", id)
		}
		if cause != "idle" {
			continue
		}
		idle++
		if i < lastP {
			t.Errorf("connection %d ended idle while packets came", id)
		}
		if id <= prev {
			t.Errorf("connection %d ended idle after connection %d, in the same flush", id, prev)
		}
		prev = id
		if at.Add(-f.lag).Sub(last) < time.Minute {
			t.Errorf("connection %d ended idle at %v, less than IdleTimeout+Lag after the last packet (%v)", id, at, last)
		}
	}
	if idle < 2 || idle != fileFlushed {
		t.Errorf("%d connections ended idle, %d ended by the final flush from the file", idle, fileFlushed)
	}
}

// TestLiveEnd checks how a live run ends: a hook's error ends it at once,
// without the final flush; Count, Stop and Duration end it with the
// capture closed, the last Poll and the final flush.
func TestLiveEnd(t *testing.T) {
	const pcap = "../../testdata/pcaps/curl-tls13-http.pcap"
	boom := errors.New("boom")
	for _, tc := range []struct {
		name      string
		set       func(f *fakeLive, o *Options)
		err       error
		flushed   bool
		packets   int64 // -1: any
		finalPoll bool
	}{
		{"OnPacket error", func(f *fakeLive, o *Options) {
			o.OnPacket = func(p *capture.Packet) error {
				if p.Num == 5 {
					return boom
				}
				return nil
			}
		}, boom, false, 5, false},
		{"Tick error", func(f *fakeLive, o *Options) {
			n := 0
			o.Live.Tick = func(time.Time, Result) error {
				if n++; n == 7 {
					return boom
				}
				return nil
			}
		}, boom, false, 4, false},
		{"Poll error", func(f *fakeLive, o *Options) {
			f.limit = 5
			o.Live.Poll = func(final bool) error {
				if final {
					return boom
				}
				return nil
			}
		}, boom, false, 5, true},
		{"Count", func(f *fakeLive, o *Options) { o.Count = 3 }, nil, true, 3, true},
		{"Stop", func(f *fakeLive, o *Options) {
			o.Stop = func() bool { return f.n == 6 }
		}, nil, true, 6, true},
		{"Duration", func(f *fakeLive, o *Options) {
			f.limit, f.tail, f.sleep = 2, -1, time.Millisecond // idle answers until stopped
			o.Duration = 30 * time.Millisecond
		}, nil, true, 2, true},
		{"source error", func(f *fakeLive, o *Options) {
			f.Source = errSource{f.Source}
		}, errDown, true, -1, true},
	} {
		for _, workers := range []int{1, 2} {
			if workers > 1 && tc.name == "Stop" {
				// A sharded run asks Stop once a round, on the writer's
				// goroutine (Options.Workers): not at packet 6.
				continue
			}
			t.Run(fmt.Sprintf("%s/workers %d", tc.name, workers), func(t *testing.T) {
				var log, sinkLog []string
				f := &fakeLive{idle: 1, step: time.Millisecond, log: &log}
				f.open(t, pcap)
				sink := &logSink{log: &log}
				if workers > 1 {
					// The source and the Sink are on two goroutines.
					sink.log = &sinkLog
				}
				finalPoll := false
				opt := Options{Live: &Live{Now: f.clock(), Poll: func(final bool) error {
					finalPoll = finalPoll || final
					return nil
				}}, Workers: workers}
				tc.set(f, &opt)
				res, err := Run(f, sink, opt)
				if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
					t.Fatalf("Run: %v, want %v", err, tc.err)
				}
				// A sharded run reads on while the writer merges: a Tick error
				// is seen a round later.
				if res.Flushed != tc.flushed || (tc.packets >= 0 && res.Packets != tc.packets && !(workers > 1 && tc.name == "Tick error")) {
					t.Errorf("flushed %v, %d packets; want %v, %d", res.Flushed, res.Packets, tc.flushed, tc.packets)
				}
				if !f.closed {
					t.Errorf("the capture was not closed")
				}
				if tc.name != "Poll error" && finalPoll != tc.finalPoll {
					t.Errorf("final poll %v, want %v", finalPoll, tc.finalPoll)
				}
				if tc.name == "Duration" && !f.stopped.Load() {
					t.Errorf("the capture was not stopped")
				}
				if tc.flushed && res.Assembly.Open != 0 {
					t.Errorf("%d connections still open after the final flush", res.Assembly.Open)
				}
				if !tc.flushed && res.Assembly.Open == 0 && workers == 1 {
					t.Errorf("no connection left open: the run was flushed")
				}
			})
		}
	}
}

var errDown = errors.New("interface down")

// errSource fails where its Source would end.
type errSource struct{ capture.Source }

func (s errSource) Next() (*capture.Packet, error) {
	p, err := s.Source.Next()
	if err == io.EOF {
		return nil, errDown
	}
	return p, err
}

func TestLiveMisuse(t *testing.T) {
	const pcap = "../../testdata/pcaps/curl-tls13-http.pcap"
	f := &fakeLive{}
	f.open(t, pcap)
	if _, err := Run(openFiles(t, pcap), &collector{}, Options{Live: &Live{}}); err == nil {
		t.Errorf("a live run from a file: no error")
	}
	if _, err := Run(openFiles(t, pcap), &collector{}, Options{Live: &Live{}, Workers: 2}); err == nil {
		t.Errorf("a sharded live run from a file: no error")
	}
}

// TestLiveSharded plays a synthetic capture of interleaved connections
// live, with connections going idle on the way (the clock runs 20 s on at
// each idle answer), on one worker and on three: the Sink sees the same
// calls in the same order (ids, records, idle ends, the final flush), and
// Tick runs, on the Sink's goroutine, with the connections counted.
func TestLiveSharded(t *testing.T) {
	pcaps, _, err := synth.Inputs("../../testdata/pcaps/*.pcap")
	if err != nil || len(pcaps) == 0 {
		t.Fatalf("synthetic inputs: %v", err)
	}
	pcap := filepath.Join(t.TempDir(), "s.pcap")
	if _, err := synth.GenerateFile(pcap, pcaps, "", nil, synth.Options{Size: 256 << 10, Interleave: 16}); err != nil {
		t.Fatal(err)
	}
	run := func(workers int) (*collector, Result, int) {
		f := &fakeLive{idle: 1, step: 20 * time.Second, lag: time.Second}
		f.open(t, pcap)
		var c collector
		ticks := 0
		opt := Options{Workers: workers, Live: &Live{Now: f.clock(), Lag: f.lag, Tick: func(_ time.Time, r Result) error {
			ticks++
			return nil
		}}}
		opt.Reassembly.IdleTimeout = 30 * time.Second
		res, err := Run(f, &c, opt)
		if err != nil {
			t.Fatal(err)
		}
		return &c, res, ticks
	}
	one, res1, _ := run(1)
	three, res3, ticks := run(3)
	idle := 0
	for _, l := range one.lines {
		if strings.HasPrefix(l, "E ") && strings.Contains(l, " idle") {
			idle++
		}
	}
	if idle < 2 {
		t.Errorf("%d connections ended idle: the test does not test idle flushes", idle)
	}
	if !reflect.DeepEqual(one.lines, three.lines) {
		n := min(len(one.lines), len(three.lines))
		for i := range n {
			if one.lines[i] != three.lines[i] {
				t.Errorf("Sink call %d: one worker %q, three %q", i, one.lines[i], three.lines[i])
				break
			}
		}
		t.Errorf("%d Sink calls on one worker, %d on three", len(one.lines), len(three.lines))
	}
	if res1.Packets != res3.Packets || res1.Assembly.Connections != res3.Assembly.Connections || !res3.Flushed {
		t.Errorf("one worker: %d packets, %d connections; three: %d, %d, flushed %v",
			res1.Packets, res1.Assembly.Connections, res3.Packets, res3.Assembly.Connections, res3.Flushed)
	}
	if ticks == 0 {
		t.Errorf("Tick was not called")
	}
}
