package report

import "encoding/hex"

// The -X dump of a record's bytes as captured (RecordEvent.Wire), in the
// classic layout of tshark -x and ssldump -x:
//
//	0000  16 03 01 00 cc 01 00 00  c8 03 03 b2 42 10 02 29  ............B..)
//
// an offset of at least 4 hex digits, 16 bytes in two groups of 8, the
// same bytes as ASCII ('.' for anything outside 0x20-0x7e), each line
// indented by indent spaces.

// appendHexDump appends the dump of data to b, a line per 16 bytes; the
// offsets count from base (a multiple of 16).
func appendHexDump(b []byte, data []byte, base, indent int) []byte {
	const digits = "0123456789abcdef"
	for off := 0; off < len(data); off += 16 {
		line := data[off:min(off+16, len(data))]
		b = append(b, padding(indent)...)
		// The offset: 4 hex digits, more past 0xffff (a record never is).
		at, n := base+off, 4
		for at>>(4*n) != 0 {
			n++
		}
		for i := n - 1; i >= 0; i-- {
			b = append(b, digits[at>>(4*i)&0xf])
		}
		b = append(b, ' ')
		for i := range 16 {
			b = append(b, ' ')
			if i == 8 {
				b = append(b, ' ')
			}
			if i < len(line) {
				b = append(b, digits[line[i]>>4], digits[line[i]&0xf])
			} else {
				b = append(b, ' ', ' ')
			}
		}
		b = append(b, ' ', ' ')
		for _, c := range line {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			b = append(b, c)
		}
		b = append(b, '\n')
	}
	return b
}

// hexIndent is the indentation of a record's dump: that of its alert and
// note lines.
const hexIndent = 4

// dumpChunk is how many bytes writeWire dumps through the output buffer at
// a time: 32 lines, well within its 64 KiB.
const dumpChunk = 16 * 32

// writeWire writes the -X dump of a record's bytes as captured, appended
// in place into the output buffer a few lines at a time (a TLS record
// can be 18 KiB).
func writeWire(w textOut, wire []byte) {
	for off := 0; off < len(wire); off += dumpChunk {
		w.Write(appendHexDump(w.AvailableBuffer(), wire[off:min(off+dumpChunk, len(wire))], off, hexIndent))
	}
}

// HexBytes is a []byte that JSON writes as lower-case hex without spaces
// (the "hex" field of -X); nil is left out with omitempty.
type HexBytes []byte

func (h HexBytes) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2*len(h)+2)
	b = append(b, '"')
	b = hex.AppendEncode(b, h)
	return append(b, '"'), nil
}
