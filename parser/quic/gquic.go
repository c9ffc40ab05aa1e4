package quic

import (
	"bytes"
	"encoding/binary"
)

// Google QUIC, as far as it shows in clear. Versions up to Q043 start
// with gQUIC's public header (a flags byte, the 8-byte connection ID, the
// version while it is negotiated, the packet number); Q046 has a long
// header with both connection ID lengths in one byte; Q050 uses the IETF
// long headers (and Initial protection) with its own CHLO inside CRYPTO
// frames. The client's CHLO (crypto handshake "client hello") is a tag and
// value list that names the server (SNI) and the browser (UAID).

// PacketGoogle is the type of a gQUIC packet with the public header, or a
// Q046 packet.
const PacketGoogle PacketType = 16

// GoogleHeader is what the header of a gQUIC packet shows.
type GoogleHeader struct {
	Version uint32 // 0 when the packet does not carry it
	CID     []byte // 8 bytes, or nil when left out (server packets)
	Long    bool   // Q046's long header
}

// Public header flags (Q043 and earlier).
const (
	gFlagVersion = 0x01
	gFlagReset   = 0x02
	gFlagCID     = 0x08
)

// ParseGoogle reads the header of a gQUIC packet that carries a Google
// version: the public header with its version flag (a client's first
// packets), or Q046's long header. ok is false for anything else.
func ParseGoogle(p []byte) (h GoogleHeader, ok bool) {
	if len(p) < 1 {
		return h, false
	}
	if p[0]&0x80 != 0 { // Q046 long header: 0xc0 | type, version, DCIL/SCIL
		if len(p) < 6 {
			return h, false
		}
		v := binary.BigEndian.Uint32(p[1:5])
		if LookupVersion(v).Family != FamilyGoogle || googleNumber(v) >= 50 {
			return h, false
		}
		dl, sl := int(p[5]>>4), int(p[5]&0x0f)
		if dl > 0 {
			dl += 3
		}
		if sl > 0 {
			sl += 3
		}
		if len(p) < 6+dl+sl {
			return h, false
		}
		h = GoogleHeader{Version: v, Long: true, CID: p[6 : 6+dl : 6+dl]}
		if dl == 0 {
			h.CID = p[6 : 6+sl : 6+sl]
		}
		return h, true
	}
	f := p[0]
	if f&gFlagVersion == 0 || f&gFlagReset != 0 || f&gFlagCID == 0 || len(p) < 13 {
		return h, false
	}
	v := binary.BigEndian.Uint32(p[9:13])
	if LookupVersion(v).Family != FamilyGoogle || googleNumber(v) > 46 {
		return h, false
	}
	return GoogleHeader{Version: v, CID: p[1:9:9]}, true
}

// CHLO is the part of a gQUIC client hello this package reads.
type CHLO struct {
	SNI  string // the SNI tag
	UAID string // the user agent (UAID)
	// Tags lists every tag in order (PAD, SNI, VER, CCS, UAID, ...), up
	// to MaxCHLOTags.
	Tags []string
}

// MaxCHLOTags caps CHLO.Tags (Chrome sends about 25).
const MaxCHLOTags = 64

// FindCHLO looks for a client hello in a gQUIC packet's bytes (its frames
// are in clear up to Q046; the CHLO starts a STREAM frame's data) and
// decodes its tags. ok is false when there is none, or it is cut.
func FindCHLO(b []byte) (c CHLO, ok bool) {
	i := bytes.Index(b, []byte("CHLO"))
	if i < 0 {
		return c, false
	}
	m := b[i+4:]
	if len(m) < 4 {
		return c, false
	}
	n := int(binary.LittleEndian.Uint16(m))
	m = m[4:] // the count, and two bytes of padding
	if n > 1024 || len(m) < 8*n {
		return c, false
	}
	values := m[8*n:]
	prev := uint32(0)
	for k := 0; k < n; k++ {
		tag := string(bytes.TrimRight(m[8*k:8*k+4], "\x00"))
		end := binary.LittleEndian.Uint32(m[8*k+4:])
		if end < prev || int(end) > len(values) {
			return c, false
		}
		v := values[prev:end]
		prev = end
		switch tag {
		case "SNI":
			c.SNI = string(v)
		case "UAID":
			c.UAID = string(v)
		}
		if len(c.Tags) < MaxCHLOTags {
			c.Tags = append(c.Tags, tag)
		}
	}
	return c, true
}
