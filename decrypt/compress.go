package decrypt

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
)

const (
	maxPlaintext = 16384 // RFC 5246 6.2.1: a record's plaintext
	windowSize   = 32 << 10
)

// inflater is the DEFLATE decompression state of one direction (RFC 3749):
// one zlib stream for the connection's lifetime, each record ending on a
// sync flush. Because a sync flush ends on a block boundary, the only state
// carried from one record to the next is the 32 KiB window; each record is
// inflated by a reader reset with that window as its dictionary, which
// keeps compress/flate's sticky end-of-input error out of the way.
type inflater struct {
	r       io.ReadCloser
	window  []byte
	started bool // the zlib header has been read
	done    bool // the final block was seen
}

func (f *inflater) inflate(data []byte) ([]byte, error) {
	if !f.started {
		// RFC 1950 header: CM 8 (deflate), no preset dictionary, check bits.
		if len(data) < 2 {
			return nil, fmt.Errorf("%w: first record too short for a zlib header", ErrDecompress)
		}
		cmf, flg := data[0], data[1]
		if cmf&0x0f != 8 || (uint16(cmf)<<8|uint16(flg))%31 != 0 || flg&0x20 != 0 {
			return nil, fmt.Errorf("%w: bad zlib header %02x %02x", ErrDecompress, cmf, flg)
		}
		data = data[2:]
		f.started = true
	}
	if len(data) == 0 || f.done {
		return nil, nil
	}
	src := bytes.NewReader(data) // an io.ByteReader: flate adds no buffering
	if f.r == nil {
		f.r = flate.NewReaderDict(src, f.window)
	} else if err := f.r.(flate.Resetter).Reset(src, f.window); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecompress, err)
	}
	out, err := io.ReadAll(io.LimitReader(f.r, maxPlaintext+1))
	switch {
	case err == nil:
		f.done = len(out) <= maxPlaintext // the final block ended the stream
	case errors.Is(err, io.ErrUnexpectedEOF):
		// The normal end of a sync-flushed record: input ends between blocks.
	default:
		return nil, fmt.Errorf("%w: %v", ErrDecompress, err)
	}
	if len(out) > maxPlaintext {
		return nil, fmt.Errorf("%w: record inflates past %d bytes", ErrTooLarge, maxPlaintext)
	}
	f.window = append(f.window, out...)
	if len(f.window) > windowSize {
		f.window = append(f.window[:0], f.window[len(f.window)-windowSize:]...)
	}
	return out, nil
}
