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
		if typ == blockEPB || typ == blockPB || typ == blockSPB {
			got, err := f.readPacketBlock(typ, length, start)
			if err != nil || got {
				return err
			}
			continue
		}
		if typ != blockSHB && typ != blockIDB && typ != blockDSB {
			// Blocks this reader does not use (statistics, name
			// resolution, custom) are skipped unbuffered.
			if err := f.skipRest(int(length)-12, length, typ, start); err != nil {
				return err
			}
			f.blocks++
			continue
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

// readPacketBlock reads an EPB, SPB or obsolete PB of total length
// length (checked by the caller) into f.fr, keeping at most its
// interface's snapshot length of the packet: a longer EPB or PB is cut to
// it, warned about once per file and counted, and the rest is skipped
// unbuffered, as for pcap records. It reports and skips a block that
// contradicts its section; got says whether f.fr holds a packet.
func (f *fileReader) readPacketBlock(typ, length uint32, start int64) (got bool, err error) {
	fixedLen := 20 // interface, timestamp, captured and original lengths
	if typ == blockSPB {
		fixedLen = 4 // original length
	}
	body := int(length) - 12
	fixedLen = min(fixedLen, body)
	fixed := f.hdr[8 : 8+fixedLen]
	if err := f.readBody(fixed); err != nil {
		return false, f.readErr(start, "block", err)
	}
	h, bad := f.packetHeader(typ, reader{b: fixed, order: f.order}, body-fixedLen)
	keep := 0
	if bad == nil {
		keep = int(h.capLen)
		if snap := f.ifaces[h.ifID].snap; snap != 0 && h.capLen > snap {
			keep = int(snap)
			if typ != blockSPB {
				f.overSnap++
				if f.overSnap == 1 {
					f.warn(f.fileErr(start, fmt.Errorf("captured length %d is over interface %d's snapshot length %d: cut to it (later such packets are counted, not warned about)", h.capLen, h.ifID, snap)))
				}
			}
		}
	}
	data, err := f.readBuf(keep)
	if err != nil {
		return false, f.readErr(start, "block", err)
	}
	data = data[:keep:keep]
	if err := f.skipRest(body-fixedLen-keep, length, typ, start); err != nil {
		return false, err
	}
	f.blocks++
	if bad != nil {
		f.warn(f.blockErr(start, bad))
		return false, nil
	}
	ifc := &f.ifaces[h.ifID]
	f.frames++
	t := f.lastTime // a Simple Packet Block has no timestamp: keep its place
	if typ != blockSPB {
		t = ifc.timestamp(h.ts)
	}
	f.lastTime = t
	f.fr = frame{
		data: data,
		ci: gopacket.CaptureInfo{
			Timestamp:      t,
			CaptureLength:  keep,
			Length:         int(h.origLen),
			InterfaceIndex: int(h.ifID),
		},
		link:   ifc.link,
		offset: start,
	}
	return true, nil
}

// packetBlockHeader is the fixed part of a packet block.
type packetBlockHeader struct {
	ifID, capLen, origLen uint32
	ts                    uint64
}

// packetHeader decodes a packet block's fixed part; avail is the number of
// body bytes after it. A block that is too short, names an interface the
// section lacks or claims more bytes than it holds gives an error.
func (f *fileReader) packetHeader(typ uint32, r reader, avail int) (h packetBlockHeader, bad error) {
	var tsHigh, tsLow uint32
	var ok bool
	switch typ {
	case blockEPB:
		ok = r.u32(&h.ifID) && r.u32(&tsHigh) && r.u32(&tsLow) && r.u32(&h.capLen) && r.u32(&h.origLen)
	case blockPB:
		var id, drops uint16
		ok = r.u16(&id) && r.u16(&drops) && r.u32(&tsHigh) && r.u32(&tsLow) && r.u32(&h.capLen) && r.u32(&h.origLen)
		h.ifID = uint32(id)
	case blockSPB:
		ok = r.u32(&h.origLen)
		h.capLen = min(h.origLen, uint32(max(avail, 0)))
	}
	h.ts = uint64(tsHigh)<<32 | uint64(tsLow)
	switch {
	case !ok:
		return h, fmt.Errorf("packet block type %d too short", typ)
	case uint64(h.ifID) >= uint64(len(f.ifaces)):
		return h, fmt.Errorf("packet block names interface %d, the section has %d", h.ifID, len(f.ifaces))
	case uint64(h.capLen) > uint64(avail):
		return h, fmt.Errorf("captured length %d is longer than the block", h.capLen)
	}
	return h, nil
}

// skipRest discards n body bytes of a block unbuffered and checks its
// trailing length.
func (f *fileReader) skipRest(n int, length, typ uint32, start int64) error {
	if n > 0 {
		m, err := f.r.Discard(n)
		f.off += int64(m)
		if err != nil {
			return f.readErr(start, "block", err)
		}
	}
	trailer := f.hdr[:4]
	if err := f.readBody(trailer); err != nil {
		return f.readErr(start, "block", err)
	}
	if t := f.order.Uint32(trailer); t != length {
		return f.fileErr(start, fmt.Errorf("block type %#x: trailing length %d differs from leading length %d", typ, t, length))
	}
	return nil
}
