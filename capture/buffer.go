package capture

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"unsafe"
)

// A Buffer is one of the read buffers of a capture file that frames are
// handed out from. A frame's bytes are valid until the next call to Next,
// unless its Buffer is retained: the reader then leaves that buffer alone
// (it reads on into another one) until every Retain has been matched by a
// Release. This is how a sharded run hands its workers the packets it
// read without copying them.
type Buffer struct {
	b    []byte
	refs atomic.Int32 // the reader's own reference, and each Retain's
	pool *bufferPool
}

// Retain keeps b from being reused until the matching Release. It is
// called by the goroutine that reads the source (before its next call to
// Next); Release may be called from any goroutine.
func (b *Buffer) Retain() { b.refs.Add(1) }

// Release undoes one Retain.
func (b *Buffer) Release() {
	if b.refs.Add(-1) == 0 {
		b.pool.put(b)
	}
}

// bufferPool keeps the Buffers of one reader that nothing holds, for the
// reader to fill again.
type bufferPool struct {
	mu   sync.Mutex
	free []*Buffer
	size int
}

// maxFreeBuffers caps a pool's free list: more buffers than this are only
// in use at once when the workers of a sharded run fall behind (the
// pipeline's depth bounds them), and are left to the collector.
const maxFreeBuffers = 64

func (p *bufferPool) get() *Buffer {
	p.mu.Lock()
	var b *Buffer
	if n := len(p.free); n > 0 {
		b = p.free[n-1]
		p.free = p.free[:n-1]
	}
	p.mu.Unlock()
	if b == nil {
		b = &Buffer{b: make([]byte, p.size), pool: p}
	}
	b.refs.Store(1)
	return b
}

func (p *bufferPool) put(b *Buffer) {
	p.mu.Lock()
	if len(p.free) < maxFreeBuffers {
		p.free = append(p.free, b)
	}
	p.mu.Unlock()
}

// chunkReader is a buffered reader (the part of bufio.Reader a file reader
// uses) whose buffer is a Buffer: when the buffer is retained and more
// room is needed, it moves on to a fresh one, copying over only the bytes
// not consumed yet, instead of moving them to the front of the buffer in
// place as bufio does.
type chunkReader struct {
	src  io.Reader
	cur  *Buffer
	r, w int // read and write positions in cur.b
	err  error
	pool *bufferPool
}

func newChunkReader(src io.Reader, size int) *chunkReader {
	p := &bufferPool{size: size}
	return &chunkReader{src: src, cur: p.get(), pool: p}
}

// Size is the size of the buffer: the most Peek can return.
func (c *chunkReader) Size() int { return len(c.cur.b) }

// errBufferFull is Peek's answer to a request over Size.
var errBufferFull = errors.New("capture: frame larger than the read buffer")

// fill reads until at least n bytes are buffered, the source fails or
// ends (n <= Size).
func (c *chunkReader) fill(n int) {
	if c.r+n > len(c.cur.b) {
		// Not enough room after r: start the buffered bytes at 0, in
		// place when nobody holds the buffer, else in a fresh one.
		b := c.cur
		if b.refs.Load() != 1 {
			b = c.pool.get()
		}
		c.w = copy(b.b, c.cur.b[c.r:c.w])
		c.r = 0
		if b != c.cur {
			c.cur.Release()
			c.cur = b
		}
	}
	for c.w-c.r < n && c.err == nil {
		m, err := c.src.Read(c.cur.b[c.w:])
		if m < 0 {
			m, err = 0, errors.New("capture: the underlying reader returned a negative count")
		}
		c.w += m
		if err != nil {
			c.err = err
		} else if m == 0 {
			// Keep reading: io.Reader allows (0, nil), rarely.
			continue
		}
	}
}

// Peek returns the next n bytes without consuming them, as a slice of the
// buffer (valid until the next call); fewer with the error that stopped
// the reading.
func (c *chunkReader) Peek(n int) ([]byte, error) {
	if n > len(c.cur.b) {
		return nil, errBufferFull
	}
	if c.w-c.r < n {
		c.fill(n)
	}
	if c.w-c.r < n {
		return c.cur.b[c.r:c.w], c.readErr()
	}
	return c.cur.b[c.r : c.r+n], nil
}

// readErr is the error that stopped the reading, once it is reported.
func (c *chunkReader) readErr() error {
	if c.err == nil {
		return io.EOF // not reached: fill stops on an error only
	}
	return c.err
}

// Discard skips the next n bytes, returning how many it skipped.
func (c *chunkReader) Discard(n int) (int, error) {
	done := 0
	for done < n {
		if c.r == c.w {
			if c.err != nil {
				return done, c.err
			}
			c.fill(1)
			continue
		}
		k := min(n-done, c.w-c.r)
		c.r += k
		done += k
	}
	return done, nil
}

// Read reads into p, from the buffer first.
func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.r == c.w {
		if c.err != nil {
			return 0, c.err
		}
		if len(p) >= len(c.cur.b) {
			// A large read goes straight to p.
			return c.src.Read(p)
		}
		c.fill(1)
		if c.r == c.w {
			return 0, c.err
		}
	}
	n := copy(p, c.cur.b[c.r:c.w])
	c.r += n
	return n, nil
}

// ReadByte reads one byte (for gzip's decompressor, which reads a byte at
// a time from an io.ByteReader).
func (c *chunkReader) ReadByte() (byte, error) {
	if c.r == c.w {
		if c.err != nil {
			return 0, c.err
		}
		c.fill(1)
		if c.r == c.w {
			return 0, c.err
		}
	}
	b := c.cur.b[c.r]
	c.r++
	return b, nil
}

// within reports whether inner lies inside outer's memory.
func within(outer, inner []byte) bool {
	if len(inner) == 0 {
		return true
	}
	if len(outer) == 0 {
		return false
	}
	o := uintptr(unsafe.Pointer(unsafe.SliceData(outer)))
	i := uintptr(unsafe.Pointer(unsafe.SliceData(inner)))
	return i >= o && i+uintptr(len(inner)) <= o+uintptr(len(outer))
}

// offsetIn is the offset of inner in outer (within it), or -1.
func offsetIn(outer, inner []byte) int {
	if len(inner) == 0 || !within(outer, inner) {
		return -1
	}
	return int(uintptr(unsafe.Pointer(unsafe.SliceData(inner))) - uintptr(unsafe.Pointer(unsafe.SliceData(outer))))
}
