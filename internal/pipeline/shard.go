package pipeline

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/reassembly"
	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/transport/dtls"
	"github.com/ssldissect/ssldissect/transport/quic"
	"github.com/ssldissect/ssldissect/transport/tcp"
)

// A sharded run (Options.Workers > 1) has three parts (two when the
// input is files: see maxReaders):
//
//   - The dispatcher (a goroutine) reads the source, does what the
//     single-threaded loop does per packet (counts, --count, --duration,
//     OnPacket), and appends each TCP packet to the batch of the worker its
//     connection hashes to (flowHash: both directions alike). The batch
//     holds the read buffer the packet is in (capture.Buffer, released
//     when the worker is done with the batch) rather than a copy, unless
//     the packet is not in one. Every roundPackets packets it sends
//     each worker its batch, empty or not; the batch that ends at a
//     multiple of FlushEvery asks for FlushIdle at the same packet time as
//     the single loop, and the last one for FlushAll.
//   - Each worker owns a reassembly.Assembler and a session.Analyzer whose
//     Sink is a recorder: every event is materialised and stamped with the
//     number of the packet being added (or marked as made by the flush),
//     and every new connection is noted with its local id. A worker answers
//     each batch with the events it made.
//   - The writer (the caller's goroutine) takes the answers of one round
//     from every worker and merges them by packet number: all events made
//     while adding packet P come from the one worker that had P, in the
//     order it made them, which is the single loop's order. Connection ids
//     are given by the writer as it meets the creation notes in that order,
//     so they are the single loop's ids (order of first packet). The events
//     of a flush come last in their round: each worker's are in its order
//     of connections (the reassembler flushes in creation order), and the
//     writer merges them by global id, which is the single loop's order.
//
// What each connection sees (its packets, in order, and the flush times) is
// what it sees in the single loop, so its events are the same, as long as
// nothing shared between connections differs: see Options.Workers and
// docs/DESIGN.md for what does (the total page cap, key material arriving
// in the middle of a capture).

// maxReaders is the most workers that each read the input themselves
// when it is files that can be opened again (capture.Reopener, not
// standard input or gzip): each reads and decodes every packet, handles
// those that hash to it and ends its rounds where the dispatcher would
// (worker.read), so there is no dispatcher, no batch and no hand-off, and
// a packet is handled on the core that read it. Reading and decoding
// every packet was 13% of each worker's CPU on the handshakes capture of
// make bench at two workers (docs/PERFORMANCE.md); with many more workers
// it would outweigh a share that small, and the dispatcher is used again.
const maxReaders = 8

// roundPackets is how many packets the dispatcher reads between two
// hand-offs to the workers. FlushEvery is a multiple of it, so that idle
// flushes fall at the end of a round.
const roundPackets = 512

// depth is how many rounds may be in flight between the dispatcher, a
// worker and the writer.
const depth = 8

// pktCopy is a packet copied out of the capture buffer: the capture
// metadata, and the TCP header and payload bytes, decoded again by the
// worker into its own layers (a layers.TCP points into the bytes it was
// decoded from, also through unexported fields), used for one packet at a
// time, as the single loop's decoder does.
type pktCopy struct {
	p            capture.Packet
	sport, dport layers.UDPPort // a UDP datagram's
	isUDP        bool
	dnsOnly      bool // a DNS response for this worker's ECHConfigs table only
	off, hlen    int  // the TCP or UDP header in batch.buf, followed by ...
	n            int  // ... the payload
	// seg, when not nil, is the TCP header and payload (UDP: the payload)
	// in a read buffer of the source the batch holds, not copied.
	seg []byte
}

// batch is one round's packets for one worker.
type batch struct {
	pkts  []pktCopy
	buf   []byte            // the TCP headers and payloads that are copied
	holds []*capture.Buffer // the read buffers the others are in
	flush bool              // FlushIdle(at) after the packets
	final bool              // FlushAll(at) after the packets, unless abort
	abort bool              // a hook failed: the run ends without FlushAll
	at    time.Time
	end   uint64 // the number of the round's last packet (of any worker)
	// snap, in a live run, is the dispatcher's counts when the round was
	// sent (worker 0's batch only), for Live.Tick on the writer.
	snap *liveSnap
}

// liveSnap is what Live.Tick gets of a sharded live run's round.
type liveSnap struct {
	now time.Time
	res Result // Capture filled in
}

// liveRoundEvery is how long, in a live run, the dispatcher holds a round
// that is not full before it hands it out: the output lags the packets by
// no more than this.
const liveRoundEvery = 50 * time.Millisecond

func (b *batch) add(p *capture.Packet) {
	if p.TCP == nil {
		b.addUDP(p)
		return
	}
	pc := pktCopy{p: *p, hlen: len(p.TCP.Contents), n: len(p.TCP.Payload)}
	pc.p.TCP, pc.p.UDP, pc.p.Data, pc.p.CI.AncillaryData = nil, nil, nil, nil
	if seg, buf := p.Segment(); seg != nil {
		pc.seg = seg
		b.hold(buf)
	} else {
		pc.off = len(b.buf)
		b.buf = append(b.buf, p.TCP.Contents...)
		b.buf = append(b.buf, p.TCP.Payload...)
	}
	b.pkts = append(b.pkts, pc)
}

// hold retains buf for the batch, once.
func (b *batch) hold(buf *capture.Buffer) {
	if n := len(b.holds); n > 0 && b.holds[n-1] == buf {
		return
	}
	for _, h := range b.holds {
		if h == buf {
			return
		}
	}
	buf.Retain()
	b.holds = append(b.holds, buf)
}

// release lets the read buffers the batch held go.
func (b *batch) release() {
	for i, h := range b.holds {
		h.Release()
		b.holds[i] = nil
	}
	b.holds = b.holds[:0]
}

// addUDP copies a UDP datagram (for the QUIC transport).
func (b *batch) addUDP(p *capture.Packet) {
	pc := pktCopy{p: *p, isUDP: true, n: len(p.UDP.Payload), sport: p.UDP.SrcPort, dport: p.UDP.DstPort}
	pc.p.TCP, pc.p.UDP, pc.p.Data, pc.p.CI.AncillaryData = nil, nil, nil, nil
	if seg, buf := p.Segment(); seg != nil {
		pc.seg = seg
		b.hold(buf)
	} else {
		pc.off = len(b.buf)
		b.buf = append(b.buf, p.UDP.Payload...)
	}
	b.pkts = append(b.pkts, pc)
}

// layers are a worker's decoded TCP and UDP layers, of the packet it is
// handling.
type layersOf struct {
	tcp layers.TCP
	udp layers.UDP
}

// decode makes packet i's TCP (or UDP) layer from its copied bytes, on
// the worker, in l.
func (b *batch) decode(i int, l *layersOf) *capture.Packet {
	pc := &b.pkts[i]
	seg := pc.seg
	if seg == nil {
		end := pc.off + pc.hlen + pc.n
		seg = b.buf[pc.off:end:end]
	}
	if pc.isUDP {
		l.udp = layers.UDP{SrcPort: pc.sport, DstPort: pc.dport}
		l.udp.Payload = seg
		pc.p.UDP = &l.udp
		return &pc.p
	}
	if err := l.tcp.DecodeFromBytes(seg, gopacket.NilDecodeFeedback); err != nil {
		return nil // it decoded once: not expected
	}
	pc.p.TCP = &l.tcp
	return &pc.p
}

// answer is a worker's events for one round.
type answer struct {
	events []event
	// buf and marks hold the bytes of the evBytes events (recorder.part).
	buf   []byte
	marks []session.IDMark
	final bool
	stats reassembly.Stats // with the final answer (every answer in a live run)
	quic  quic.Stats
	dtls  dtls.Stats
	dns   DNSStats
	snap  *liveSnap
}

// runSharded is Run with opt.Workers workers (keys and lv as Run made
// them).
func runSharded(src capture.Source, sink session.Sink, opt Options, keys *decrypt.KeyStore, lv *liveRun) (Result, error) {
	n := opt.Workers
	ropt := opt.Reassembly
	ropt.MaxBufferedPagesTotal = share(ropt.MaxBufferedPagesTotal, reassembly.DefaultMaxBufferedPagesTotal, n)
	ropt.MaxConns = share(ropt.MaxConns, reassembly.DefaultMaxConns, n)
	ropt.MaxPendingBytesTotal = share(ropt.MaxPendingBytesTotal, reassembly.DefaultMaxPendingBytesTotal, n)
	// A Sink that can be split formats on the workers: they send bytes.
	sp, _ := sink.(session.Splitter)
	parts := make([]session.SinkPart, n)
	for w := 0; sp != nil && w < n; w++ {
		if parts[w] = sp.Split(); parts[w] == nil {
			sp, parts = nil, make([]session.SinkPart, n)
		}
	}
	clock := decrypt.NewShardClock(n)
	// Every worker reads the input itself when it can be read again (a
	// file): no dispatcher, and each packet is handled on the core that
	// read it; else the dispatcher reads and hands out.
	var readers []capture.Source
	if ro, ok := src.(capture.Reopener); ok && n <= maxReaders && lv == nil && opt.OnPacket == nil && keys != nil {
		readers = append(readers, src)
		for len(readers) < n {
			r, err := ro.Reopen(SecretsLoader(keys, func(error) {}))
			if err != nil {
				for _, r := range readers[1:] {
					r.Close()
				}
				readers = nil
				break
			}
			readers = append(readers, r)
		}
	}
	defer func() {
		for _, r := range readers[min(1, len(readers)):] {
			r.Close()
		}
	}()
	var stop, abort atomic.Bool
	var res Result
	var err error
	reads := make([]Result, n)
	readErrs := make([]error, n)
	var readWG sync.WaitGroup
	ins := make([]chan *batch, n)
	outs := make([]chan answer, n)
	frees := make([]chan *batch, n)
	bufFrees := make([]chan answer, n)
	for w := range n {
		ins[w] = make(chan *batch, depth)
		outs[w] = make(chan answer, depth)
		frees[w] = make(chan *batch, depth+2)
		bufFrees[w] = make(chan answer, depth+2)
		wk := &worker{in: ins[w], out: outs[w], free: frees[w], bufFree: bufFrees[w], keys: keys.ForWorker(w, clock),
			part: parts[w], wire: opt.Wire, live: lv != nil}
		if readers != nil {
			if sh, ok := readers[w].(capture.Sharder); ok {
				// The TCP frames of the other workers' connections are
				// counted, not decoded (each worker reads them all).
				sh.Shard(w, n)
			}
			readWG.Add(1)
			go func() {
				defer readWG.Done()
				wk.read(readers[w], w, n, ropt, opt.Reassembly, opt, &stop, &reads[w], &readErrs[w])
			}()
		} else {
			go wk.run(ropt, opt.Reassembly)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if readers != nil {
			readWG.Wait()
			// The first worker read the source the caller gave, with its
			// warnings and counts: its result is the run's.
			res, err = reads[0], readErrs[0]
			return
		}
		res, err = dispatch(src, opt, ins, frees, &stop, &abort, lv)
	}()
	var tickErr error

	// The writer.
	ids := make([][]uint64, n) // by worker, local id-1: global id
	var next uint64
	idx := make([]int, n)
	ans := make([]answer, n)
	var num [20]byte
	// put hands event e of worker w, of the connection with global id, on:
	// the bytes a part wrote go to the Splitter piece by piece, with the
	// run's ids in place, straight from the worker's buffer.
	put := func(w int, e *event, id uint64) {
		if e.kind != evBytes {
			replayOne(sink, e, id)
			return
		}
		a := &ans[w]
		pos := e.bOff
		for _, m := range a.marks[e.m0:e.m1] {
			sp.WriteMerged(a.buf[pos:m.Off])
			sp.WriteMerged(strconv.AppendUint(num[:0], ids[w][m.Conn-1], 10))
			pos = m.Off + m.Len
		}
		sp.WriteMerged(a.buf[pos:e.bEnd])
	}
	emit := func(w int, e *event) {
		if e.kind == evCreate {
			next++
			ids[w] = append(ids[w], next)
			return
		}
		put(w, e, ids[w][e.conn-1])
	}
	var stats reassembly.Stats
	var qstats quic.Stats
	var dstats dtls.Stats
	var dnsStats DNSStats
	finished := make([]bool, n)
	for final := false; !final; {
		final = true
		for w := range n {
			idx[w] = 0
			if finished[w] {
				// Ended early (workers reading the input stop where
				// each sees the stop): nothing more from it.
				ans[w] = answer{}
				continue
			}
			ans[w] = <-outs[w]
			finished[w] = ans[w].final
			final = final && finished[w]
		}
		// Events made while adding packets, by packet number.
		for {
			best, bp := -1, uint64(0)
			for w := range n {
				if i := idx[w]; i < len(ans[w].events) {
					if e := &ans[w].events[i]; !e.flush && (best < 0 || e.pkt < bp) {
						best, bp = w, e.pkt
					}
				}
			}
			if best < 0 {
				break
			}
			evs, i := ans[best].events, idx[best]
			for ; i < len(evs) && !evs[i].flush && evs[i].pkt == bp; i++ {
				emit(best, &evs[i])
			}
			idx[best] = i
		}
		// Then the flush's: each worker's come connection by connection
		// in its order of creation, which is the order of their global
		// ids; merge them by id.
		for w := range n {
			if ans[w].final {
				addStats(&stats, ans[w].stats)
				addCounts(&qstats, ans[w].quic)
				addCounts(&dstats, ans[w].dtls)
				if w == 0 { // every worker read every DNS response
					dnsStats = ans[w].dns
				}
			}
		}
		for {
			best, bid := -1, uint64(0)
			for w := range n {
				if i := idx[w]; i < len(ans[w].events) {
					if id := ids[w][ans[w].events[i].conn-1]; best < 0 || id < bid {
						best, bid = w, id
					}
				}
			}
			if best < 0 {
				break
			}
			evs, i := ans[best].events, idx[best]
			for local := evs[i].conn; i < len(evs) && evs[i].conn == local; i++ {
				put(best, &evs[i], bid)
			}
			idx[best] = i
		}
		if sp != nil {
			for w := range n {
				a := answer{buf: ans[w].buf[:0], marks: ans[w].marks[:0], events: ans[w].events[:0]}
				ans[w].buf, ans[w].marks, ans[w].events = nil, nil, nil
				select {
				case bufFrees[w] <- a:
				default:
				}
				if ans[w].final {
					sp.Join(parts[w])
				}
			}
		}
		if opt.Stop != nil && opt.Stop() {
			stop.Store(true)
		}
		if snap := ans[0].snap; snap != nil && lv != nil && lv.cfg.Tick != nil && tickErr == nil {
			// Live.Tick runs here, where the sink is written.
			r := snap.res
			for w := range n {
				addStats(&r.Assembly, ans[w].stats)
			}
			if e := lv.cfg.Tick(snap.now, r); e != nil {
				tickErr = e
				abort.Store(true)
				stop.Store(true)
			}
		}
	}
	<-done
	if tickErr != nil && err == nil {
		err = hookError{tickErr}
	}
	if he, ok := err.(hookError); ok {
		err = he.err
	} else {
		res.Flushed = true
	}
	res.Capture, res.Assembly, res.QUIC, res.DTLS, res.DNS = src.Stats(), stats, qstats, dstats, dnsStats
	return res, err
}

// dispatch is the single loop's reading part: it hands packets out in
// rounds and ends with the final round.
func dispatch(src capture.Source, opt Options, ins, frees []chan *batch, stop, abortRun *atomic.Bool, lv *liveRun) (Result, error) {
	n := len(ins)
	var res Result
	var last uint64 // the number of the last packet read
	cur := make([]*batch, n)
	// bufSize is what a new batch's buffer starts with: the largest a
	// round has needed so far, so that the batches made while the
	// pipeline fills up do not each grow from small.
	bufSize := 64 << 10
	get := func(w int) *batch {
		select {
		case b := <-frees[w]:
			return b
		default:
			return &batch{pkts: make([]pktCopy, 0, 2*roundPackets/n), buf: make([]byte, 0, bufSize)}
		}
	}
	for w := range n {
		cur[w] = get(w)
	}
	var lastSend time.Time
	send := func(flush, final, abort bool, at time.Time) {
		var snap *liveSnap
		if lv != nil {
			lastSend = lv.cfg.Now()
			snap = &liveSnap{now: lastSend, res: res}
			snap.res.Capture = src.Stats()
		}
		for w := range n {
			b := cur[w]
			bufSize = max(bufSize, cap(b.buf))
			b.flush, b.final, b.abort, b.at, b.end = flush, final, abort, at, last
			if w == 0 {
				b.snap = snap
			}
			ins[w] <- b
			if !final {
				cur[w] = get(w)
			}
		}
	}
	// liveRound, in a live run, hands out the round when it has waited
	// liveRoundEvery (or force), with an idle flush at the wall clock less
	// Lag when FlushInterval has passed.
	liveRound := func(force bool) {
		now := lv.cfg.Now()
		flush := now.Sub(lv.lastFlush) >= lv.cfg.FlushInterval
		if flush {
			lv.lastFlush = now
		}
		if force || flush || now.Sub(lastSend) >= liveRoundEvery {
			send(flush, false, false, now.Add(-lv.cfg.Lag))
		}
	}
	if lv != nil {
		lastSend = lv.cfg.Now()
	}
	var err error
	inRound := 0
	for {
		p, e := nextPacket(src, &opt, &res)
		if p == nil {
			if errors.Is(e, capture.ErrNoPacket) && lv != nil {
				if lv.cfg.Poll != nil {
					if e := lv.cfg.Poll(false); e != nil {
						err = hookError{e}
						break
					}
				}
				liveRound(inRound > 0)
				inRound = 0
				if stop.Load() {
					break
				}
				continue
			}
			if errors.Is(e, capture.ErrNoPacket) {
				continue
			}
			err = e
			break
		}
		last = p.Num
		switch {
		case p.TCP != nil:
			cur[flowHash(p)%uint64(n)].add(p)
		case p.UDP != nil:
			// QUIC connections are found by connection ID, which migrates
			// across addresses: all of UDP goes to one worker. A DNS
			// response goes to every worker too, for its ECHConfigs table,
			// in capture order like the single loop's.
			cur[0].add(p)
			if isDNS(p) {
				for w := 1; w < n; w++ {
					cur[w].add(p)
					cur[w].pkts[len(cur[w].pkts)-1].dnsOnly = true
				}
			}
		}
		inRound++
		switch {
		case lv != nil:
			if inRound == roundPackets {
				liveRound(true)
				inRound = 0
			} else if inRound%16 == 0 {
				// The wall clock, every few packets.
				if lv.cfg.Now().Sub(lastSend) >= liveRoundEvery {
					liveRound(true)
					inRound = 0
				}
			}
		case res.Packets%FlushEvery == 0 || inRound == roundPackets:
			send(res.Packets%FlushEvery == 0, false, false, res.Last)
			inRound = 0
		}
		if (opt.Count > 0 && res.Packets >= opt.Count) || stop.Load() {
			break
		}
	}
	_, abort := err.(hookError)
	if lv != nil {
		// The capture is closed and the key logs read a last time before
		// the final flush, as in the single loop.
		if e := lv.end(!abort && !abortRun.Load()); e != nil && !abort {
			err, abort = hookError{e}, true
		}
	}
	send(false, true, abort || abortRun.Load(), res.Last)
	return res, err
}

// worker is one worker: it reassembles and parses its batches and
// answers each with the events it made (with part: the bytes it formatted).
type worker struct {
	in      <-chan *batch
	out     chan<- answer
	free    chan<- *batch
	bufFree <-chan answer // buffers of answers the writer is done with
	keys    *decrypt.KeyStore
	part    session.SinkPart
	wire    bool
	live    bool
}

// shardState is what a worker works with: its reassembler, analyzers
// and recorder.
type shardState struct {
	wk       *worker
	rec      *recorder
	asm      *reassembly.Assembler
	qa       *quic.Analyzer
	da       *dtls.Analyzer
	dnsStats DNSStats
}

// start makes the worker's state. ropt are its share of the reassembler's
// caps; uopt the run's own, for QUIC and DTLS: all UDP goes to worker 0,
// so their caps are not shared out.
func (wk *worker) start(ropt, uopt reassembly.Options) *shardState {
	keys := wk.keys
	rec := newRecorder(wk.wire)
	rec.part = wk.part
	an := tcp.NewAnalyzer(rec, keys)
	// Both transports number their connections 1, 2, ... from the
	// Analyzer's sequence; the recorder notes each id as it is given.
	an.OnNewID = rec.created
	nextID := func() uint64 {
		id := an.NextID()
		rec.created(id)
		return id
	}
	return &shardState{wk: wk, rec: rec, asm: reassembly.New(an.Factory, ropt),
		qa: quic.NewAnalyzer(rec, keys, nextID, quicOptions(uopt)),
		da: dtls.NewAnalyzer(rec, keys, nextID, dtlsOptions(uopt))}
}

// packet handles one packet of the worker's; dnsOnly: a DNS response for
// the worker's ECHConfigs table only.
func (st *shardState) packet(p *capture.Packet, dnsOnly bool) {
	keys := st.wk.keys
	st.rec.pkt = p.Num
	keys.SetTime(2 * p.Num)
	if p.UDP != nil {
		if isDNS(p) {
			dnsECH(keys.DNSECH, &st.dnsStats, p)
		}
		if !dnsOnly {
			udp(st.qa, st.da, p)
		}
		return
	}
	st.asm.Add(p)
}

// endRound ends a round whose last packet (of any worker) is number end:
// FlushIdle (flush) or FlushAll (final, unless abort) at at, and the
// answer with the round's events.
func (st *shardState) endRound(flush, final, abort bool, at time.Time, end uint64, snap *liveSnap) answer {
	wk, rec, keys := st.wk, st.rec, st.wk.keys
	rec.flush = true
	evs := rec.take()
	if final || flush {
		// The single loop flushes once the round's last packet is handled.
		keys.SetTime(2*end + 1)
	}
	switch {
	case abort:
	case final:
		evs = append(evs, flushMerged(rec, at, st.asm.FlushAll, st.qa.FlushAll, st.da.FlushAll)...)
	case flush:
		evs = append(evs, flushMerged(rec, at, st.asm.FlushIdle, st.qa.FlushIdle, st.da.FlushIdle)...)
	}
	keys.SetTime(2*end + 2)
	a := answer{events: evs, final: final, snap: snap}
	var r answer
	select {
	case r = <-wk.bufFree:
		rec.events = r.events
	default:
	}
	a.buf, a.marks = rec.takeBytes(r.buf, r.marks)
	if final || wk.live {
		a.stats, a.quic, a.dtls = st.asm.Stats(), st.qa.Stats, st.da.Stats
		var res Result
		dnsResult(&res, keys.DNSECH, st.dnsStats)
		a.dns = res.DNS
	}
	rec.flush = false
	return a
}

// run is the worker's loop on the dispatcher's batches.
func (wk *worker) run(ropt, uopt reassembly.Options) {
	defer wk.keys.SetTime(math.MaxUint64)
	st := wk.start(ropt, uopt)
	var l layersOf
	for b := range wk.in {
		for i := range b.pkts {
			if p := b.decode(i, &l); p != nil {
				st.packet(p, b.pkts[i].dnsOnly)
			}
		}
		a := st.endRound(b.flush, b.final, b.abort, b.at, b.end, b.snap)
		b.snap = nil
		// The reassembler keeps nothing of a packet after Add.
		b.release()
		b.pkts, b.buf = b.pkts[:0], b.buf[:0]
		select {
		case wk.free <- b:
		default:
		}
		wk.out <- a
		if a.final {
			return
		}
	}
}

// read is the worker's loop when it reads the input itself (a file read
// by every worker, capture.Reopener): it takes every packet as the
// dispatcher does (nextPacket: the counts, -c, --duration), handles those
// that hash to it (worker w of n; UDP: worker 0, DNS responses: all), and
// ends a round where the dispatcher would, so that the writer merges the
// same answers. It leaves the run's result and error in res and err.
func (wk *worker) read(src capture.Source, w, n int, ropt, uopt reassembly.Options, opt Options, stop *atomic.Bool, res *Result, err *error) {
	defer wk.keys.SetTime(math.MaxUint64)
	st := wk.start(ropt, uopt)
	var last uint64
	inRound := 0
	for {
		p, e := nextPacket(src, &opt, res)
		if p == nil {
			if errors.Is(e, capture.ErrNoPacket) {
				continue
			}
			*err = e
			break
		}
		last = p.Num
		switch {
		case p.TCP != nil:
			if flowHash(p)%uint64(n) == uint64(w) {
				st.packet(p, false)
			}
		case p.UDP != nil:
			if w == 0 {
				st.packet(p, false)
			} else if isDNS(p) {
				st.packet(p, true)
			}
		}
		inRound++
		if res.Packets%FlushEvery == 0 || inRound == roundPackets {
			wk.out <- st.endRound(res.Packets%FlushEvery == 0, false, false, res.Last, last, nil)
			inRound = 0
		}
		if (opt.Count > 0 && res.Packets >= opt.Count) || stop.Load() {
			break
		}
	}
	wk.out <- st.endRound(false, true, false, res.Last, last, nil)
}

// flowHash hashes p's connection, the same for both directions
// (capture.FlowHash of its addresses and ports). The workers of a sharded
// run each take the connections that hash to them, whatever their
// server; the session cache, the one thing connections share, keeps time
// across them (decrypt.ShardClock).
func flowHash(p *capture.Packet) uint64 {
	if h, ok := p.FlowHash(); ok {
		return h // the reader's, from its skim
	}
	return capture.FlowHash(p.Net.Src().Raw(), p.Net.Dst().Raw(), uint16(p.TCP.SrcPort), uint16(p.TCP.DstPort))
}

// addStats adds one worker's reassembly counters to the run's: every
// integer field of reassembly.Stats is a count to add up.
func addStats(t *reassembly.Stats, s reassembly.Stats) { addCounts(t, s) }

// addCounts adds the integer fields of the struct s to those of *t.
func addCounts[T any](t *T, s T) {
	tv, sv := reflect.ValueOf(t).Elem(), reflect.ValueOf(s)
	for i := range tv.NumField() {
		f := tv.Field(i)
		switch f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(f.Int() + sv.Field(i).Int())
		case reflect.Uint64, reflect.Uint:
			f.SetUint(f.Uint() + sv.Field(i).Uint())
		}
	}
}

// share is one worker's part of a cap for n workers: v, or def when v is
// 0, divided among them (rounded up); a negative v (no cap) stays.
func share(v, def, n int) int {
	switch {
	case v == 0:
		return max(1, (def+n-1)/n)
	case v > 0:
		return max(1, (v+n-1)/n)
	}
	return v
}
