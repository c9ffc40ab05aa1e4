package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pcapng block types (draft-ietf-opsawg-pcapng).
const (
	blockSHB = 0x0a0d0d0a // Section Header
	blockIDB = 0x00000001 // Interface Description
	blockPB  = 0x00000002 // Packet (obsolete)
	blockSPB = 0x00000003 // Simple Packet
	blockEPB = 0x00000006 // Enhanced Packet
	blockDSB = 0x0000000a // Decryption Secrets

	byteOrderMagic = 0x1a2b3c4d

	optEndOfOpt  = 0
	optTSResol   = 9
	optTSOffset  = 14
	defaultUnits = 1_000_000 // if_tsresol absent: microseconds
)

var errInternal = errors.New("internal error: short fixed-size header")

// ngIface is what an Interface Description Block says about the packets
// of its interface.
type ngIface struct {
	link   layers.LinkType
	snap   uint32
	units  uint64 // timestamp units per second
	offset int64  // seconds added to every timestamp
}

// nextNG reads blocks until one holds a packet, handling the section,
// interface and secrets blocks on the way and skipping unknown ones.
// Damage to the block framing ends the file; a well-framed block whose
// content is wrong is reported and skipped.
func (f *fileReader) nextNG() error {
	for {
		start := f.off
		h := f.hdr[:8]
		if err := f.readFull(h); err != nil {
			if err == io.EOF {
				return io.EOF
			}
			return f.readErr(start, "block header", err)
		}
		typ := binary.LittleEndian.Uint32(h) // blockSHB reads the same either way
		if typ == blockSHB {
			bom := f.hdr[8:12]
			if err := f.readFull(bom); err != nil {
				return f.readErr(start, "section header block", err)
			}
			switch {
			case binary.LittleEndian.Uint32(bom) == byteOrderMagic:
				f.order = binary.LittleEndian
			case binary.BigEndian.Uint32(bom) == byteOrderMagic:
				f.order = binary.BigEndian
			default:
				return f.fileErr(start, fmt.Errorf("section header block: bad byte-order magic %x", bom))
			}
		} else {
			if f.order == nil {
				return f.fileErr(start, errors.New("block before the first section header"))
			}
			typ = f.order.Uint32(h)
		}
		length := f.order.Uint32(h[4:])
		minLen := uint32(12)
		if typ == blockSHB {
			minLen = 28
		}
		switch {
		case length < minLen || length%4 != 0:
			return f.fileErr(start, fmt.Errorf("block type %#x: bad block length %d", typ, length))
		case length > maxFrame:
			return f.fileErr(start, fmt.Errorf("block type %#x: length %d is over the %d byte limit", typ, length, maxFrame))
		}
		read := int(length) - 8 // body and trailing length
		if typ == blockSHB {
			read -= 4 // the byte-order magic is read already
		}
		rest, err := f.readBuf(read)
		if err != nil {
			return f.readErr(start, "block", err)
		}
		body, trailer := rest[:len(rest)-4], rest[len(rest)-4:]
		if t := f.order.Uint32(trailer); t != length {
			return f.fileErr(start, fmt.Errorf("block type %#x: trailing length %d differs from leading length %d", typ, t, length))
		}
		f.blocks++
		r := reader{b: body, order: f.order}
		switch typ {
		case blockSHB:
			if err := f.readSHB(r); err != nil {
				return f.fileErr(start, err)
			}
		case blockIDB:
			f.readIDB(r, start)
		case blockEPB, blockPB, blockSPB:
			if f.readPacketBlock(typ, r, start) {
				return nil
			}
		case blockDSB:
			f.readDSB(r, start)
		}
	}
}

func (f *fileReader) readSHB(r reader) error {
	var major, minor uint16
	var sectionLen uint64
	if !r.u16(&major) || !r.u16(&minor) || !r.u64(&sectionLen) {
		return errors.New("section header block too short")
	}
	if major != 1 {
		return fmt.Errorf("unsupported pcapng version %d.%d", major, minor)
	}
	f.ifaces = f.ifaces[:0]
	return nil
}

func (f *fileReader) readIDB(r reader, start int64) {
	var link, reserved uint16
	var snap uint32
	if !r.u16(&link) || !r.u16(&reserved) || !r.u32(&snap) {
		// Keep the interface numbering in step with the writer's.
		f.ifaces = append(f.ifaces, ngIface{link: 0xffff, units: defaultUnits})
		f.warn(f.fileErr(start, errors.New("interface description block too short")))
		return
	}
	ifc := ngIface{link: layers.LinkType(link), snap: snap, units: defaultUnits}
	for {
		var code, n uint16
		var val []byte
		if !r.u16(&code) || !r.u16(&n) || !r.bytes(&val, int(n)) {
			break // no options, or a damaged one: keep what was read
		}
		r.skip((4 - int(n)%4) % 4)
		if code == optEndOfOpt {
			break
		}
		switch {
		case code == optTSResol && n >= 1:
			units, ok := tsUnits(val[0])
			if !ok {
				f.warn(f.fileErr(start, fmt.Errorf("interface %d: if_tsresol %#x out of range, using microseconds", len(f.ifaces), val[0])))
				break
			}
			ifc.units = units
		case code == optTSOffset && n == 8:
			ifc.offset = int64(f.order.Uint64(val))
		}
	}
	f.ifaces = append(f.ifaces, ifc)
}

// tsUnits decodes if_tsresol: a power of ten, or of two when the top bit
// is set, that must fit in a uint64.
func tsUnits(v byte) (uint64, bool) {
	if v&0x80 != 0 {
		n := v & 0x7f
		if n > 63 {
			return 0, false
		}
		return 1 << n, true
	}
	if v > 19 {
		return 0, false
	}
	u := uint64(1)
	for range v {
		u *= 10
	}
	return u, true
}

// timestamp converts a pcapng timestamp in ifc's units to a time.
func (ifc *ngIface) timestamp(ts uint64) time.Time {
	sec, frac := ts/ifc.units, ts%ifc.units
	// frac < units, so frac*1e9/units < 1e9 and the division can't overflow.
	hi, lo := bits.Mul64(frac, 1e9)
	ns, _ := bits.Div64(hi, lo, ifc.units)
	return time.Unix(int64(sec)+ifc.offset, int64(ns)).UTC()
}

// readPacketBlock reads an EPB, SPB or obsolete PB into f.fr. It reports
// and skips a block that contradicts its section.
func (f *fileReader) readPacketBlock(typ uint32, r reader, start int64) bool {
	var ifID, tsHigh, tsLow, capLen, origLen uint32
	var ok bool
	switch typ {
	case blockEPB:
		ok = r.u32(&ifID) && r.u32(&tsHigh) && r.u32(&tsLow) && r.u32(&capLen) && r.u32(&origLen)
	case blockPB:
		var id, drops uint16
		ok = r.u16(&id) && r.u16(&drops) && r.u32(&tsHigh) && r.u32(&tsLow) && r.u32(&capLen) && r.u32(&origLen)
		ifID = uint32(id)
	case blockSPB:
		ok = r.u32(&origLen)
		capLen = min(origLen, uint32(len(r.b)))
	}
	var bad error
	switch {
	case !ok:
		bad = fmt.Errorf("packet block type %d too short", typ)
	case int(ifID) >= len(f.ifaces) || uint64(ifID) >= uint64(len(f.ifaces)):
		bad = fmt.Errorf("packet block names interface %d, the section has %d", ifID, len(f.ifaces))
	}
	if bad != nil {
		f.warn(f.blockErr(start, bad))
		return false
	}
	ifc := &f.ifaces[ifID]
	if typ == blockSPB && ifc.snap != 0 {
		capLen = min(capLen, ifc.snap)
	}
	var data []byte
	if !r.bytes(&data, int(capLen)) {
		f.warn(f.blockErr(start, fmt.Errorf("captured length %d is longer than the block", capLen)))
		return false
	}
	f.frames++
	t := f.lastTime // a Simple Packet Block has no timestamp: keep its place
	if typ != blockSPB {
		t = ifc.timestamp(uint64(tsHigh)<<32 | uint64(tsLow))
	}
	f.lastTime = t
	f.fr = frame{
		data: data,
		ci: gopacket.CaptureInfo{
			Timestamp:      t,
			CaptureLength:  int(capLen),
			Length:         int(origLen),
			InterfaceIndex: int(ifID),
		},
		link:   ifc.link,
		offset: start,
	}
	return true
}
