package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/transport/dtls"
	"github.com/ssldissect/ssldissect/transport/quic"
	"github.com/ssldissect/ssldissect/transport/tcp"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/reassembly"
)

// FlushEvery is how many packets go by between two idle flushes.
const FlushEvery = 4096

// Options shapes a run.
type Options struct {
	// Keys decrypts; nil means no keys (pcapng secrets are still used when
	// the source was opened with Secrets).
	Keys *decrypt.KeyStore
	// Count stops after that many packets (0: no limit). Duration takes
	// the packets less than that much capture time after the first (the
	// one at Duration or later ends the run, neither analysed nor counted
	// in Result), or, in a live run, stops that much wall time after the
	// start of Run (0: no limit).
	Count    int64
	Duration time.Duration
	// Reassembly bounds memory and sets the idle timeout.
	Reassembly reassembly.Options
	// Stop, when set, is asked after every packet whether to stop early
	// (the sink failed to write).
	Stop func() bool
	// OnPacket, when set, sees every packet before it is reassembled (the
	// oracle notes frame numbers there, a live run saves the packet with
	// -w). An error from it ends the run at once (see Run).
	OnPacket func(*capture.Packet) error
	// Workers is how many goroutines reassemble and parse (0 or 1: all on
	// the caller's goroutine). With more, connections are spread over them
	// by their address pair. A Sink that is a session.Splitter formats on
	// the workers (its parts' Record and End run there) and gets the
	// merged bytes on the caller's goroutine; any other Sink is called from
	// the caller's goroutine in the order one worker would call it, with
	// materialised events (see recorder). Reassembly.MaxBufferedPagesTotal is then
	// shared out among the workers; OnPacket is called from the reader's
	// goroutine, not the Sink's, and Stop is asked after each round of
	// packets (512) rather than after each packet. With Live, a round is
	// handed out when it is full or 50 ms old, idle flushes go by the wall
	// clock as in the single loop, Live.Poll runs on the reader's
	// goroutine and Live.Tick on the caller's (the Sink's), once a round.
	Workers int
	// Live, when set, makes the run follow a live capture (live.go).
	Live *Live
	// Wire keeps each record's bytes as captured (RecordEvent.Wire) in the
	// events that are materialised for a later replay (Workers above 1,
	// and the flushes that merge TCP, QUIC and DTLS connections): the
	// report's -X needs them. Without it they are dropped there and cost
	// nothing.
	Wire bool
}

// Result counts what a run did.
type Result struct {
	Packets  int64     // packets taken from the source
	Bytes    uint64    // their captured bytes
	First    time.Time // time of the first and last packets
	Last     time.Time
	Capture  capture.Stats
	Assembly reassembly.Stats
	QUIC     quic.Stats
	DTLS     dtls.Stats
	DNS      DNSStats // DNS responses read for ECHConfigs (dns.go)
	// Flushed tells that the run ended the connections still open at its
	// end: false when a hook's error cut it short.
	Flushed bool
}

// hookError is an error returned by a hook of Options or Live: it ends the
// run at once, without the final flush (the output, or -w, is failing).
type hookError struct{ err error }

func (e hookError) Error() string { return e.err.Error() }

// Run feeds every packet of src to a reassembler whose connections are
// parsed by a tcp.Analyzer reporting to sink, then flushes the
// connections still open. It returns the source's error, if any, after
// flushing what it had. An error from a hook (OnPacket, Live.Poll,
// Live.Tick) is returned at once, without flushing: Result.Flushed is then
// false.
//
// Connections that are idle (Options.Reassembly.IdleTimeout) are flushed
// every FlushEvery packets, at the time of the last packet, or in a live
// run by the wall clock (Live). The events of an idle flush, and of the
// final flush, come connection by connection in connection order (by id),
// each connection's in the order they happened: the reassembler's flushes
// go in that order.
func Run(src capture.Source, sink session.Sink, opt Options) (Result, error) {
	var lv *liveRun
	if opt.Live != nil {
		ls, ok := src.(capture.Live)
		if !ok {
			return Result{}, errors.New("pipeline: a live run needs a capture.Live source")
		}
		lv = startLive(ls, *opt.Live, opt.Duration)
	}
	keys := opt.Keys
	if keys == nil {
		keys = decrypt.NewKeyStore()
	}
	if opt.Workers > 1 {
		return runSharded(src, sink, opt, keys, lv)
	}
	var res Result
	var dnsStats DNSStats
	sw := &switchSink{Sink: sink}
	an := tcp.NewAnalyzer(sw, keys)
	asm := reassembly.New(an.Factory, opt.Reassembly)
	qa := quic.NewAnalyzer(sw, keys, an.NextID, quicOptions(opt.Reassembly))
	da := dtls.NewAnalyzer(sw, keys, an.NextID, dtlsOptions(opt.Reassembly))
	tr := &transports{asm: asm, qa: qa, da: da, sw: sw, wire: opt.Wire}
	cut := func(err error) (Result, error) {
		if lv != nil {
			lv.end(false)
		}
		res.Capture, res.Assembly, res.QUIC, res.DTLS = src.Stats(), asm.Stats(), qa.Stats, da.Stats
		dnsResult(&res, keys.DNSECH, dnsStats)
		return res, err
	}
	var err error
	for {
		p, e := nextPacket(src, &opt, &res)
		if p == nil {
			if errors.Is(e, capture.ErrNoPacket) {
				if lv != nil {
					if e := lv.idle(tr, &res); e != nil {
						return cut(e)
					}
				}
				continue
			}
			if he, ok := e.(hookError); ok {
				return cut(he.err)
			}
			err = e
			break
		}
		if p.TCP != nil {
			asm.Add(p)
		} else if p.UDP != nil {
			if isDNS(p) {
				dnsECH(keys.DNSECH, &dnsStats, p)
			}
			udp(qa, da, p)
		}
		if lv != nil {
			if e := lv.tick(tr, &res); e != nil {
				return cut(e)
			}
		} else if res.Packets%FlushEvery == 0 {
			tr.flushIdle(res.Last)
		}
		if (opt.Count > 0 && res.Packets >= opt.Count) || (opt.Stop != nil && opt.Stop()) {
			break
		}
	}
	if lv != nil {
		if e := lv.end(true); e != nil {
			return cut(e)
		}
	}
	tr.flushAll(res.Last)
	res.Flushed = true
	res.Capture, res.Assembly, res.QUIC, res.DTLS = src.Stats(), asm.Stats(), qa.Stats, da.Stats
	dnsResult(&res, keys.DNSECH, dnsStats)
	return res, err
}

// udp gives a datagram to the QUIC transport, and to DTLS's when it is no
// QUIC (the first bytes of the two never look alike: RFC 9443).
func udp(qa *quic.Analyzer, da *dtls.Analyzer, p *capture.Packet) {
	if !qa.Datagram(p) {
		da.Datagram(p)
	}
}

// dtlsOptions are the DTLS transport's caps, from the reassembler's.
func dtlsOptions(o reassembly.Options) dtls.Options {
	return dtls.Options{MaxConns: o.MaxConns, IdleTimeout: o.IdleTimeout}
}

// transports are the TCP reassembler and the QUIC transport of a
// single-threaded run, whose flushes hand their events to the sink in
// connection id order, across both.
type transports struct {
	asm *reassembly.Assembler
	qa  *quic.Analyzer
	da  *dtls.Analyzer
	sw  *switchSink
	// wire: recorded events keep their bytes as captured (Options.Wire).
	wire bool
}

func (t *transports) flushIdle(at time.Time) {
	t.flush(at, t.asm.FlushIdle, t.qa.FlushIdle, t.da.FlushIdle)
}
func (t *transports) flushAll(at time.Time) {
	t.flush(at, t.asm.FlushAll, t.qa.FlushAll, t.da.FlushAll)
}

func (t *transports) flush(at time.Time, flushes ...func(time.Time)) {
	if t.qa.Open() == 0 && t.da.Open() == 0 {
		flushes[0](at)
		return
	}
	sink, rec := t.sw.Sink, newRecorder(t.wire)
	t.sw.Sink = rec
	evs := flushMerged(rec, at, flushes...)
	t.sw.Sink = sink
	for i := range evs {
		replayOne(sink, &evs[i], evs[i].conn)
	}
}

// switchSink passes events to Sink, which a flush replaces for a while.
type switchSink struct{ session.Sink }

// flushMerged runs the flushes of the transports, recorded by rec, and
// returns their events merged by connection id (each flush gives its
// connections' events in id order, one connection after another).
func flushMerged(rec *recorder, at time.Time, flushes ...func(time.Time)) []event {
	lists := make([][]event, 0, len(flushes))
	total := 0
	for _, f := range flushes {
		f(at)
		l := rec.take()
		total += len(l)
		lists = append(lists, l)
	}
	out := make([]event, 0, total)
	for {
		best := -1
		for i, l := range lists {
			if len(l) > 0 && (best < 0 || l[0].conn < lists[best][0].conn) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		l := lists[best]
		id, n := l[0].conn, 0
		for n < len(l) && l[n].conn == id {
			n++
		}
		out = append(out, l[:n]...)
		lists[best] = l[n:]
	}
}

// quicOptions are the QUIC transport's caps, from the reassembler's.
func quicOptions(o reassembly.Options) quic.Options {
	return quic.Options{MaxConns: o.MaxConns, IdleTimeout: o.IdleTimeout}
}

// SecretsLoader returns a capture.Options.OnSecrets function that adds the
// key-log secrets of pcapng Decryption Secrets Blocks to keys.
func SecretsLoader(keys *decrypt.KeyStore, warn func(error)) func(capture.Secret) {
	return func(s capture.Secret) {
		if s.Type != capture.SecretsTypeTLSKeyLog {
			warn(fmt.Errorf("%s: block %d: decryption secrets of type %#x are not supported", s.File, s.Block, s.Type))
			return
		}
		keys.Log.AddSource(s.File + "'s secrets blocks")
		_, errs := keys.Log.Load(bytes.NewReader(s.Data), fmt.Sprintf("%s (secrets block %d)", s.File, s.Block))
		for _, e := range errs {
			warn(e)
		}
	}
}

// LoadKeys reads NSS key logs and PEM RSA private keys into a new key
// store. A file that cannot be read is an error; a bad line in a key log
// is a warning, with its file and line number.
func LoadKeys(keylogs, rsaKeys []string, warn func(error)) (*decrypt.KeyStore, error) {
	keys := decrypt.NewKeyStore()
	for _, name := range keylogs {
		f, err := openRegular(name, "a key log file (as SSLKEYLOGFILE names)")
		if err != nil {
			return nil, fmt.Errorf("key log: %w", err)
		}
		keys.Log.AddSource(name)
		n, errs := keys.Log.Load(f, name)
		f.Close()
		for _, e := range errs {
			warn(e)
		}
		if n == 0 && len(errs) == 0 {
			warn(fmt.Errorf("%s: no secrets in the key log", name))
		}
	}
	for _, name := range rsaKeys {
		f, err := openRegular(name, "a PEM private key file")
		if err != nil {
			return nil, fmt.Errorf("rsa key: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
		f.Close()
		if err == nil && len(data) > maxKeyFile {
			err = fmt.Errorf("%s: larger than %d bytes, not a key file", name, maxKeyFile)
		}
		if err != nil {
			return nil, fmt.Errorf("rsa key: %w", err)
		}
		ks, err := decrypt.ParseRSAKeys(data, name)
		if err != nil {
			return nil, fmt.Errorf("rsa key: %w", err)
		}
		for _, k := range ks {
			keys.RSA.Add(k)
		}
	}
	return keys, nil
}

// maxKeyFile caps what is read of one -k file; a PEM bundle of a few
// hundred keys fits.
const maxKeyFile = 16 << 20

// openRegular opens a key file; a directory is refused with what is
// wanted instead of being read as empty (a named pipe such as <(...) is
// fine).
func openRegular(name, want string) (*os.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory; give %s", name, want)
	}
	return f, nil
}

// nextPacket reads the next packet and applies the run's limits: it
// counts the packet in res and shows it to Options.OnPacket (and in a live
// run to Live.Poll first). It returns nil at the end of the input or of
// --duration, with the source's error if reading failed (which is
// capture.ErrNoPacket when a live source had no packet for a while), or a
// hookError.
func nextPacket(src capture.Source, opt *Options, res *Result) (*capture.Packet, error) {
	p, err := src.Next()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if opt.Live != nil && opt.Live.Poll != nil {
		// Before the packet: secrets written while it was held back are
		// loaded, and saved (-w) before it.
		if err := opt.Live.Poll(false); err != nil {
			return nil, hookError{err}
		}
	}
	ts := p.CI.Timestamp
	if res.First.IsZero() {
		res.First = ts
	}
	if opt.Duration > 0 && opt.Live == nil && ts.Sub(res.First) >= opt.Duration {
		return nil, nil
	}
	if ts.After(res.Last) {
		res.Last = ts
	}
	res.Packets++
	res.Bytes += uint64(len(p.Data))
	if opt.OnPacket != nil {
		if err := opt.OnPacket(p); err != nil {
			return nil, hookError{err}
		}
	}
	return p, nil
}
