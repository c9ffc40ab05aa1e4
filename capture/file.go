package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// maxFrame caps a pcap record and a pcapng block; it is checked before
// anything is allocated.
const maxFrame = 256 << 20

// readSize is the read buffer of a capture file: frames that fit in it
// are handed out from it without a copy.
const readSize = 256 << 10

// File magics, as the first four bytes of a file.
var (
	magicGzip = []byte{0x1f, 0x8b}
	magicNG   = []byte{0x0a, 0x0d, 0x0d, 0x0a}
)

// Classic pcap magic numbers (as a uint32 in the writer's byte order).
const (
	pcapMicro    = 0xa1b2c3d4
	pcapNano     = 0xa1b23c4d
	pcapModified = 0xa1b2cd34 // Alexey Kuznetzov's patched libpcap: 24-byte record headers
)

// frame is one raw frame as a file reader produced it.
type frame struct {
	data   []byte  // into the reader's buffer: valid until its next read
	buf    *Buffer // the buffer data is in, when it is one of the reader's
	ci     gopacket.CaptureInfo
	link   layers.LinkType
	offset int64 // of the record or block
}

// fileReader reads the frames of one pcap or pcapng file.
type fileReader struct {
	name   string
	index  int // position among the inputs, breaks timestamp ties
	file   *os.File
	gz     *gzip.Reader
	r      *chunkReader
	ng     bool
	closed bool

	off    int64  // bytes consumed from the (decompressed) stream
	frames uint64 // frames read so far: the number of the current one
	blocks uint64 // pcapng blocks read so far
	fr     frame
	hdr    [32]byte
	buf    []byte

	started bool
	// classic pcap
	order  binary.ByteOrder
	nano   bool
	recLen int // record header length: 16, or 24 for the modified format
	link   layers.LinkType
	snap   uint32 // the file header's snapshot length (0: none given)
	// overSnap counts records longer than snap: each is cut to snap bytes
	// (as libpcap does), the first one warned about.
	overSnap uint64
	// pcapng
	ifaces   []ngIface
	lastTime time.Time

	warnedLinks map[layers.LinkType]bool
	warn        func(error)
	secret      func(Secret)
}

// openFile opens path ("-" is standard input), undoes gzip compression
// when the content starts with the gzip magic, and checks that what is
// left starts like a pcap or pcapng file.
func openFile(path string, index int, stdin io.Reader, warn func(error), secret func(Secret)) (*fileReader, error) {
	if path == "-" {
		if stdin == nil {
			stdin = os.Stdin
		}
		return newFileReader(path, index, stdin, nil, warn, secret)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	return newFileReader(path, index, file, file, warn, secret)
}

// newFileReader reads the capture named name from src; file, when not
// nil, is closed with the reader.
func newFileReader(name string, index int, src io.Reader, file *os.File, warn func(error), secret func(Secret)) (*fileReader, error) {
	f := &fileReader{name: name, index: index, file: file, warn: warn, secret: secret}
	f.r = newChunkReader(src, readSize)
	if m, _ := f.r.Peek(2); bytes.Equal(m, magicGzip) {
		gz, err := gzip.NewReader(f.r)
		if err != nil {
			f.close()
			return nil, fmt.Errorf("capture: %s: gzip: %w", name, err)
		}
		f.gz = gz
		f.r = newChunkReader(gz, readSize)
	}
	m, err := f.r.Peek(4)
	if len(m) == 0 && err != nil {
		f.close()
		if err == io.EOF {
			if name == "-" {
				return nil, errors.New("capture: standard input: no data (it is empty or was closed), not a pcap or pcapng file")
			}
			return nil, fmt.Errorf("capture: %s: empty file, not a pcap or pcapng file", name)
		}
		return nil, fmt.Errorf("capture: %s: %w", name, err)
	}
	switch {
	case bytes.Equal(m, magicNG):
		f.ng = true
	case len(m) == 4 && isPcapMagic(m):
	default:
		f.close()
		return nil, fmt.Errorf("capture: %s: not a pcap or pcapng file (starts with %x)", name, m)
	}
	return f, nil
}

func isPcapMagic(m []byte) bool {
	for _, v := range []uint32{binary.LittleEndian.Uint32(m), binary.BigEndian.Uint32(m)} {
		if v == pcapMicro || v == pcapNano || v == pcapModified {
			return true
		}
	}
	return false
}

func (f *fileReader) close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	var err error
	if f.gz != nil {
		f.gz.Close()
	}
	if f.file != nil {
		err = f.file.Close()
	}
	f.buf = nil
	return err
}

// next reads the next frame into f.fr. It returns io.EOF at a clean end
// of file and a *FileError when the file is damaged; either way the file
// is done.
func (f *fileReader) next() error {
	if f.closed {
		return io.EOF
	}
	if f.ng {
		return f.nextNG()
	}
	return f.nextPcap()
}

// fileErr makes a *FileError about the record or block at offset start.
func (f *fileReader) fileErr(start int64, err error) *FileError {
	return &FileError{File: f.name, Packet: f.frames + 1, Offset: start, Err: err}
}

// blockErr makes the *FileError of a pcapng block that is skipped,
// named by its block number.
func (f *fileReader) blockErr(start int64, err error) *FileError {
	return &FileError{File: f.name, Block: f.blocks, Offset: start, Err: err}
}

// readErr makes the *FileError for a failed read of what, started at
// offset start: truncation or an error of the underlying reader.
func (f *fileReader) readErr(start int64, what string, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return f.fileErr(start, fmt.Errorf("%w %s", ErrTruncated, what))
	}
	return f.fileErr(start, fmt.Errorf("reading %s: %w", what, err))
}

// readFull reads exactly len(p) bytes. It returns io.EOF only when the
// stream ended before the first byte.
func (f *fileReader) readFull(p []byte) error {
	n, err := io.ReadFull(f.r, p)
	f.off += int64(n)
	return err
}

// readBuf reads n bytes into the reusable buffer and returns them. The
// buffer grows with the bytes that actually arrive, so that a length field
// claiming much more than the file holds costs no large allocation.
func (f *fileReader) readBuf(n int) ([]byte, error) {
	const chunk = 1 << 20
	if n <= cap(f.buf) {
		b := f.buf[:n]
		return b, f.readBody(b)
	}
	b := f.buf[:0]
	for len(b) < n {
		step := min(n-len(b), chunk)
		if cap(b)-len(b) < step {
			nb := make([]byte, len(b), max(len(b)+step, min(2*cap(b), n), 4096))
			copy(nb, b)
			b = nb
			f.buf = nb
		}
		if err := f.readBody(b[len(b) : len(b)+step]); err != nil {
			return nil, err
		}
		b = b[:len(b)+step]
	}
	return b, nil
}

// peek returns the next n bytes, consumed, as a slice of the read buffer
// when they fit in it (so that a frame is not copied again): valid until
// the next read from f.r. Larger records go through readBuf. Running out
// is io.ErrUnexpectedEOF, as for readBody.
func (f *fileReader) peek(n int) ([]byte, error) {
	if n > f.r.Size() {
		return f.readBuf(n)
	}
	b, err := f.r.Peek(n)
	m, _ := f.r.Discard(len(b))
	f.off += int64(m)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b[:n:n], nil
}

// readBody reads len(p) bytes that must be there: running out is
// io.ErrUnexpectedEOF.
func (f *fileReader) readBody(p []byte) error {
	err := f.readFull(p)
	if err == io.EOF && len(p) > 0 {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// nextPcap reads one record of a classic pcap file.
func (f *fileReader) nextPcap() error {
	if !f.started {
		f.started = true
		if err := f.readPcapHeader(); err != nil {
			return err
		}
	}
	start := f.off
	h := f.hdr[:f.recLen]
	if err := f.readFull(h); err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return f.readErr(start, "record header", err)
	}
	// The first 16 bytes (the modified format adds 8 after them): seconds,
	// fraction, captured and original lengths.
	var sec, frac, incl, orig uint32
	if f.order == binary.LittleEndian { // read directly, not through the interface
		le := binary.LittleEndian
		sec, frac, incl, orig = le.Uint32(h[0:4]), le.Uint32(h[4:8]), le.Uint32(h[8:12]), le.Uint32(h[12:16])
	} else {
		be := binary.BigEndian
		sec, frac, incl, orig = be.Uint32(h[0:4]), be.Uint32(h[4:8]), be.Uint32(h[8:12]), be.Uint32(h[12:16])
	}
	if incl > maxFrame {
		return f.fileErr(start, fmt.Errorf("record length %d is over the %d byte limit", incl, maxFrame))
	}
	keep := incl
	if f.snap != 0 && incl > f.snap {
		// A record longer than the file's snapshot length: no writer
		// makes one, so it is damage or a trap; keep snap bytes, as
		// libpcap does, and skip the rest unbuffered.
		keep = f.snap
		f.overSnap++
		if f.overSnap == 1 {
			f.warn(f.fileErr(start, fmt.Errorf("record length %d is over the file's snapshot length %d: cut to it (later such records are counted, not warned about)", incl, f.snap)))
		}
	}
	var data []byte
	var buf *Buffer
	var err error
	if keep == incl {
		// Nothing is read after the record until the next one: it can be
		// handed out from the read buffer itself.
		data, err = f.peek(int(keep))
		if int(keep) <= f.r.Size() {
			buf = f.r.cur
		}
	} else {
		data, err = f.readBuf(int(keep))
	}
	if err != nil {
		return f.readErr(start, "record", err)
	}
	if keep < incl {
		n, err := f.r.Discard(int(incl - keep))
		f.off += int64(n)
		if err != nil {
			return f.readErr(start, "record", err)
		}
	}
	f.frames++
	ns := int64(frac)
	if !f.nano {
		ns *= 1000
	}
	f.fr = frame{
		data: data,
		buf:  buf,
		ci: gopacket.CaptureInfo{
			Timestamp:     time.Unix(int64(sec), ns).UTC(),
			CaptureLength: int(keep),
			Length:        int(orig),
		},
		link:   f.link,
		offset: start,
	}
	return nil
}

func (f *fileReader) readPcapHeader() error {
	h := f.hdr[:24]
	if err := f.readFull(h); err != nil {
		return f.readErr(0, "file header", err)
	}
	var magic uint32
	if v := binary.LittleEndian.Uint32(h); v == pcapMicro || v == pcapNano || v == pcapModified {
		f.order, magic = binary.LittleEndian, v
	} else {
		f.order, magic = binary.BigEndian, binary.BigEndian.Uint32(h)
	}
	f.nano = magic == pcapNano
	f.recLen = 16
	if magic == pcapModified {
		f.recLen = 24
	}
	r := reader{b: h[4:], order: f.order}
	var major, minor uint16
	var zone, sigfigs, snap, link uint32
	if !r.u16(&major) || !r.u16(&minor) || !r.u32(&zone) || !r.u32(&sigfigs) ||
		!r.u32(&snap) || !r.u32(&link) {
		return f.fileErr(0, errInternal)
	}
	if major != 2 {
		return f.fileErr(0, fmt.Errorf("unsupported pcap version %d.%d", major, minor))
	}
	// The upper bits of the link type field carry FCS information.
	f.link = layers.LinkType(link & 0xffff)
	f.snap = snap
	return nil
}

// warnLink tells whether link has not been reported for this file yet,
// and remembers that it has now.
func (f *fileReader) warnLink(link layers.LinkType) bool {
	if f.warnedLinks[link] {
		return false
	}
	if f.warnedLinks == nil {
		f.warnedLinks = make(map[layers.LinkType]bool)
	}
	f.warnedLinks[link] = true
	return true
}

// reader reads fixed-size fields in a chosen byte order. Each read
// returns false, and consumes nothing, when too few bytes are left.
type reader struct {
	b     []byte
	order binary.ByteOrder
}

func (r *reader) bytes(out *[]byte, n int) bool {
	if n < 0 || len(r.b) < n {
		return false
	}
	*out, r.b = r.b[:n:n], r.b[n:]
	return true
}

func (r *reader) skip(n int) bool {
	var b []byte
	return r.bytes(&b, n)
}

func (r *reader) u16(out *uint16) bool {
	var b []byte
	if !r.bytes(&b, 2) {
		return false
	}
	*out = r.order.Uint16(b)
	return true
}

func (r *reader) u32(out *uint32) bool {
	var b []byte
	if !r.bytes(&b, 4) {
		return false
	}
	*out = r.order.Uint32(b)
	return true
}

func (r *reader) u64(out *uint64) bool {
	var b []byte
	if !r.bytes(&b, 8) {
		return false
	}
	*out = r.order.Uint64(b)
	return true
}
