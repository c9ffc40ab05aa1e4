package capture

import (
	"bufio"
	"encoding/binary"
	"io"
	"time"

	"github.com/gopacket/gopacket"
)

// pcapng option codes used by the writer.
const (
	optSHBUserAppl = 4
	optIFName      = 2
)

// NGWriter writes a pcapng file (draft-ietf-opsawg-pcapng): one section,
// one interface, Enhanced Packet Blocks with nanosecond timestamps, and
// Decryption Secrets Blocks wherever the caller puts them. Writes are
// buffered: call Flush, or Close the underlying file after Flush.
type NGWriter struct {
	w   *bufio.Writer
	buf []byte
}

// NewNGWriter writes the Section Header and Interface Description blocks
// for one interface with the given link type, snapshot length and name.
func NewNGWriter(w io.Writer, link uint16, snaplen int, ifName, app string) (*NGWriter, error) {
	nw := &NGWriter{w: bufio.NewWriterSize(w, 256<<10)}
	le := binary.LittleEndian
	// Section Header Block.
	body := le.AppendUint32(nil, byteOrderMagic)
	body = le.AppendUint16(body, 1)
	body = le.AppendUint16(body, 0)
	body = le.AppendUint64(body, 0xffffffffffffffff) // section length unknown
	if app != "" {
		body = appendOpt(body, optSHBUserAppl, []byte(app))
		body = appendOpt(body, optEndOfOpt, nil)
	}
	if err := nw.block(blockSHB, body); err != nil {
		return nil, err
	}
	// Interface Description Block, with nanosecond timestamps.
	body = le.AppendUint16(nil, link)
	body = le.AppendUint16(body, 0)
	body = le.AppendUint32(body, uint32(snaplen))
	if ifName != "" {
		body = appendOpt(body, optIFName, []byte(ifName))
	}
	body = appendOpt(body, optTSResol, []byte{9})
	body = appendOpt(body, optEndOfOpt, nil)
	if err := nw.block(blockIDB, body); err != nil {
		return nil, err
	}
	return nw, nil
}

func appendOpt(b []byte, code uint16, val []byte) []byte {
	le := binary.LittleEndian
	b = le.AppendUint16(b, code)
	b = le.AppendUint16(b, uint16(len(val)))
	b = append(b, val...)
	return append(b, make([]byte, ngPad(len(val)))...)
}

func ngPad(n int) int { return (4 - n%4) % 4 }

// block writes one block: type, total length, body (padded), total length.
func (nw *NGWriter) block(typ uint32, body []byte) error {
	le := binary.LittleEndian
	n := 12 + len(body) + ngPad(len(body))
	b := le.AppendUint32(nw.buf[:0], typ)
	b = le.AppendUint32(b, uint32(n))
	b = append(b, body...)
	b = append(b, make([]byte, ngPad(len(body)))...)
	b = le.AppendUint32(b, uint32(n))
	nw.buf = b[:0]
	_, err := nw.w.Write(b)
	return err
}

// WritePacket writes an Enhanced Packet Block for interface 0.
func (nw *NGWriter) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	le := binary.LittleEndian
	ns := uint64(ci.Timestamp.UnixNano())
	if ci.Timestamp.IsZero() {
		ns = uint64(time.Now().UnixNano())
	}
	body := make([]byte, 0, 20+len(data)+3)
	body = le.AppendUint32(body, 0)
	body = le.AppendUint32(body, uint32(ns>>32))
	body = le.AppendUint32(body, uint32(ns))
	body = le.AppendUint32(body, uint32(len(data)))
	body = le.AppendUint32(body, uint32(max(ci.Length, len(data))))
	body = append(body, data...)
	return nw.block(blockEPB, body)
}

// WriteSecrets writes a Decryption Secrets Block; for an NSS key log the
// type is SecretsTypeTLSKeyLog and data is whole lines.
func (nw *NGWriter) WriteSecrets(typ uint32, data []byte) error {
	le := binary.LittleEndian
	body := make([]byte, 0, 8+len(data))
	body = le.AppendUint32(body, typ)
	body = le.AppendUint32(body, uint32(len(data)))
	body = append(body, data...)
	return nw.block(blockDSB, body)
}

// Flush writes out what is buffered.
func (nw *NGWriter) Flush() error { return nw.w.Flush() }
