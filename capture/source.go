package capture

import (
	"container/heap"
	"errors"
	"fmt"
	"io"

	"github.com/ssldissect/ssldissect/capture/filter"
)

// Options configures OpenFiles.
type Options struct {
	// Filter is a tcpdump filter expression, compiled with capture/filter.
	// Packets that do not match are counted in Stats.Filtered and skipped.
	Filter string
	// OnSecrets, when set, gets the contents of every pcapng Decryption
	// Secrets Block, in file order and before any packet that follows the
	// block in its file.
	OnSecrets func(Secret)
	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
	// OnWarning, when set, gets non-fatal problems, each a *FileError:
	// damaged or truncated files, unsupported link types. Reading goes on.
	OnWarning func(error)
}

// Secret is the contents of one pcapng Decryption Secrets Block.
type Secret struct {
	// Type is the secrets type, e.g. SecretsTypeTLSKeyLog.
	Type uint32
	// Data is the secrets data, without padding. It is a copy the
	// receiver may keep.
	Data []byte
	// File is the name of the file that holds the block.
	File string
	// Block is the 1-based number of the block in its file, counting
	// blocks of every type.
	Block uint64
}

// SecretsTypeTLSKeyLog is the Decryption Secrets Block type of an NSS key
// log (the SSLKEYLOGFILE format), "TLSK" in ASCII.
const SecretsTypeTLSKeyLog = 0x544c534b

// Source delivers packets.
type Source interface {
	// Next returns the next packet, or io.EOF after the last one. The
	// Packet and the bytes it points into are valid until the next call.
	Next() (*Packet, error)
	// Stats returns the counters so far.
	Stats() Stats
	// Close releases the files. It may be called at any time.
	Close() error
}

// A Reopener is a Source that can open its input again: another reader
// of the same files, independent of the first, for a sharded run whose
// workers each read the input (internal/pipeline).
type Reopener interface {
	Source
	// Reopen opens the files the Source opened again, with the same
	// filter, warning about nothing (the first reader does) and handing
	// their pcapng secrets to onSecrets. It fails when the input is
	// standard input or a compressed file (every reader would
	// decompress all of it), or a file cannot be opened again.
	Reopen(onSecrets func(Secret)) (Source, error)
}

// Stats counts what a Source has read and decoded. All counters but
// Delivered count frames before the filter.
type Stats struct {
	Files       uint64 // files opened
	Unreadable  uint64 // files given that could not be read (missing, empty, not a capture): warned about, skipped
	Packets     uint64 // frames read from the files
	Bytes       uint64 // captured bytes of those frames
	Delivered   uint64 // packets returned by Next
	TCP         uint64 // frames that carry a TCP segment (a whole datagram's, for fragments)
	NonIP       uint64 // frames that are not IPv4 or IPv6 (or whose link type is not supported)
	NonTCP      uint64 // IP frames that carry no TCP segment (UDP, ICMP, incomplete fragments, ...)
	UDP         uint64 // of NonTCP, those that carry a UDP datagram (Packet.UDP)
	Filtered    uint64 // frames the filter rejected
	DecodeErrs  uint64 // frames with a malformed or truncated header
	Fragments   uint64 // IP fragments seen
	Reassembled uint64 // datagrams rebuilt from fragments
	FragDropped uint64 // fragments the reassembler refused (overlaps, bad lengths, memory cap)
	Tunnels     uint64 // tunnel headers opened (GTP-U, GRE, VXLAN, IP in IP), one per level of a nested tunnel
	Secrets     uint64 // Decryption Secrets Blocks read
	Warnings    uint64 // problems reported (or that would have been) through OnWarning
	// CutToSnaplen counts pcap records and pcapng packet blocks longer than
	// their file's (or interface's) snapshot
	// length, cut to it (as libpcap does) instead of buffered whole.
	CutToSnaplen uint64
}

// FileError is a problem in one input file: where it is and what it is.
type FileError struct {
	File string
	// Packet is the 1-based number, within File, of the packet that was
	// being read (the first one not delivered); 0 for the file header.
	Packet uint64
	// Offset is the byte offset of the damaged record or block, in the
	// decompressed stream for gzip input.
	Offset int64
	// Block, when not 0, is the 1-based number of the pcapng block that
	// was skipped (a packet block that names no interface of its section,
	// or is too short): it delivers no packet, so Packet cannot name it.
	Block uint64
	Err   error
}

func (e *FileError) Error() string {
	if e.Block != 0 {
		return fmt.Sprintf("%s: block %d (offset %#x): %v", e.File, e.Block, e.Offset, e.Err)
	}
	if e.Packet == 0 {
		return fmt.Sprintf("%s: offset %#x: %v", e.File, e.Offset, e.Err)
	}
	return fmt.Sprintf("%s: packet %d (offset %#x): %v", e.File, e.Packet, e.Offset, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// ErrTruncated is the FileError.Err of a file that ends inside a header,
// record or block.
var ErrTruncated = errors.New("truncated")

// matcher is what a compiled filter offers.
type matcher interface{ Match(*filter.Meta) bool }

// compileFilter compiles Options.Filter. Tests replace it with a recorder
// that keeps the Meta the decoder filled.
var compileFilter = func(expr string) (matcher, error) {
	f, err := filter.Compile(expr)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// OpenFiles opens pcap and pcapng files, plain or gzip-compressed ("-" is
// standard input), and returns a Source that merges their packets by
// timestamp. It fails when a file cannot be opened or is not a capture
// file at all; damage found later is reported through Options.OnWarning.
func OpenFiles(paths []string, opt Options) (Source, error) {
	if len(paths) == 0 {
		return nil, errors.New("capture: no input files")
	}
	s, err := newSource(opt)
	if err != nil {
		return nil, err
	}
	stdin := false
	var first error // of the files that could not be opened
	for i, p := range paths {
		if p == "-" {
			if stdin {
				s.Close()
				return nil, errors.New("capture: standard input given twice")
			}
			stdin = true
		}
		f, err := openFile(p, i, opt.Stdin, s.warn, s.secret)
		if err != nil {
			if len(paths) == 1 {
				s.Close()
				return nil, err
			}
			// One unreadable file among several: named in a warning, and
			// the others are read.
			s.stats.Unreadable++
			s.warn(err)
			if first == nil {
				first = err
			}
			continue
		}
		s.add(f)
	}
	if len(s.files) == 0 {
		s.Close()
		return nil, first
	}
	return s, nil
}

// newSource makes a Source without files, with the filter compiled.
func newSource(opt Options) (*multiSource, error) {
	s := &multiSource{opt: opt, dec: newDecoder()}
	if opt.Filter != "" {
		m, err := compileFilter(opt.Filter)
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		s.match = m
	}
	return s, nil
}

func (s *multiSource) add(f *fileReader) {
	s.files = append(s.files, f)
	s.stats.Files++
}

// multiSource merges the frames of several files by timestamp, as
// mergecap does: each file keeps its next frame in its own buffer, and a
// heap picks the earliest.
type multiSource struct {
	opt    Options
	match  matcher
	dec    *decoder
	files  []*fileReader
	h      readerHeap
	primed bool
	last   *fileReader // delivered the previous frame; advanced on the next call
	pkt    Packet
	stats  Stats
	// shardW of shardN (Shard): the TCP frames of other shards' flows
	// are skimmed, not decoded; shardN 0: every frame is decoded.
	shardW, shardN uint64
}

func (s *multiSource) warn(err error) {
	s.stats.Warnings++
	if s.opt.OnWarning != nil {
		s.opt.OnWarning(err)
	}
}

func (s *multiSource) secret(sec Secret) {
	s.stats.Secrets++
	if s.opt.OnSecrets != nil {
		s.opt.OnSecrets(sec)
	}
}

// advance reads f's next frame and puts f back on the heap, or closes it
// at its end.
func (s *multiSource) advance(f *fileReader) {
	err := f.next()
	if err == nil {
		s.stats.Packets++
		s.stats.Bytes += uint64(len(f.fr.data))
		if len(s.files) == 1 {
			s.h = append(s.h[:0], f) // one file: no ordering (heap.Push was 3% of a run)
		} else {
			heap.Push(&s.h, f)
		}
		return
	}
	if err != io.EOF {
		s.warn(err)
	}
	f.close()
}

func (s *multiSource) Next() (*Packet, error) {
	if !s.primed {
		s.primed = true
		for _, f := range s.files {
			s.advance(f)
		}
	}
	for {
		if s.last != nil {
			f := s.last
			s.last = nil
			s.advance(f)
		}
		if len(s.h) == 0 {
			return nil, io.EOF
		}
		var f *fileReader
		if len(s.files) == 1 {
			f, s.h = s.h[0], s.h[:0]
		} else {
			f = heap.Pop(&s.h).(*fileReader)
		}
		s.last = f
		if s.decode(f) {
			return &s.pkt, nil
		}
	}
}

// decode turns f's current frame into s.pkt; false when the filter
// rejects it.
func (s *multiSource) decode(f *fileReader) bool {
	fr := &f.fr
	d := s.dec
	var flow uint64
	var hasFlow bool
	if s.shardN != 0 && s.match == nil {
		h, ok := d.skim(fr.link, fr.data)
		if ok && h%s.shardN != s.shardW {
			// Another shard's: counted as deliver would count it.
			s.stats.TCP++
			s.stats.Delivered++
			s.pkt = Packet{File: f.name, FileNum: f.frames, CI: fr.ci, LinkType: fr.link, Data: fr.data, buf: fr.buf,
				Num: s.stats.Delivered, Len: fr.ci.Length}
			return true
		}
		flow, hasFlow = h, ok
	}
	d.decode(fr.link, fr.data, fr.ci, &s.stats)
	if d.unsupported && f.warnLink(fr.link) {
		s.warn(&FileError{File: f.name, Packet: f.frames, Offset: fr.offset,
			Err: fmt.Errorf("link type %d (%v) is not supported; its packets are skipped", fr.link, fr.link)})
	}
	s.pkt = Packet{File: f.name, FileNum: f.frames, CI: fr.ci, LinkType: fr.link, Data: fr.data, buf: fr.buf, flow: flow, hasFlow: hasFlow}
	return d.deliver(&s.stats, s.match, &s.pkt)
}

// deliver finishes a frame d has just decoded, for every source: it counts
// the frame in st as TCP or not, applies match (nil matches all), and for
// a frame that passes counts it delivered and completes *p (its file,
// frame number, capture info, link type and data set by the caller) with
// its number, its network flow, its length and its TCP segment; false
// when the filter rejects the frame (*p is then not to be delivered).
func (d *decoder) deliver(st *Stats, match matcher, p *Packet) bool {
	if d.tcpOK {
		st.TCP++
	} else if d.ipVersion != 0 {
		st.NonTCP++
		if d.udpOK {
			st.UDP++
		}
	}
	if match != nil && !match.Match(&d.meta) {
		st.Filtered++
		return false
	}
	st.Delivered++
	p.Num = st.Delivered
	p.Net = d.net
	p.Len = p.CI.Length
	if d.tcpOK {
		p.TCP = &d.tcp
	} else if d.udpOK {
		p.UDP = &d.udp
	}
	return true
}

// Reopen implements Reopener.
func (s *multiSource) Reopen(onSecrets func(Secret)) (Source, error) {
	opt := s.opt
	opt.OnWarning, opt.OnSecrets, opt.Stdin = nil, onSecrets, nil
	n, err := newSource(opt)
	if err != nil {
		return nil, err
	}
	for _, f := range s.files {
		if f.name == "-" || f.gz != nil || f.file == nil {
			n.Close()
			return nil, fmt.Errorf("capture: %s cannot be read twice", f.name)
		}
		g, err := openFile(f.name, f.index, nil, n.warn, n.secret)
		if err != nil {
			n.Close()
			return nil, err
		}
		n.add(g)
	}
	return n, nil
}

func (s *multiSource) Stats() Stats {
	st := s.stats
	for _, f := range s.files {
		st.CutToSnaplen += f.overSnap
	}
	return st
}

func (s *multiSource) Close() error {
	var first error
	for _, f := range s.files {
		if err := f.close(); err != nil && first == nil {
			first = err
		}
	}
	s.h = s.h[:0]
	s.last = nil
	s.primed = true
	return first
}

// readerHeap orders files by the timestamp of their pending frame, then by
// their position on the command line.
type readerHeap []*fileReader

func (h readerHeap) Len() int { return len(h) }
func (h readerHeap) Less(i, j int) bool {
	a, b := h[i].fr.ci.Timestamp, h[j].fr.ci.Timestamp
	if a.Equal(b) {
		return h[i].index < h[j].index
	}
	return a.Before(b)
}
func (h readerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *readerHeap) Push(x any)   { *h = append(*h, x.(*fileReader)) }
func (h *readerHeap) Pop() any {
	old := *h
	f := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return f
}
