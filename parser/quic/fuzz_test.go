package quic

import (
	"errors"
	"testing"
	"unsafe"
)

// within reports whether s lies inside in (a nil s does).
func within(s, in []byte) bool {
	if s == nil {
		return true
	}
	if len(s) == 0 {
		return cap(s) == 0 || len(in) > 0
	}
	if len(in) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(in)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return p >= lo && p+uintptr(cap(s)) <= lo+uintptr(len(in))
}

func FuzzParseFrames(f *testing.F) {
	for _, c := range frameCases {
		f.Add(c.in, 4)
	}
	b, _ := multiFrame()
	f.Add(b, 100)
	f.Add(b, 3)
	ack := vi(nil, 2, 10000, 0, 300, 0)
	for i := 0; i < 300; i++ {
		ack = vi(ack, 0, 1)
	}
	f.Add(ack, 2)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		max %= 1000
		frames, more, err := ParseFrames(in, max)
		if len(frames) > max && len(frames) > 0 || more < 0 || more > 0 && len(frames) < max {
			t.Fatalf("max %d: %d frames, %d more", max, len(frames), more)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", err)
		}
		end := 0
		for _, fr := range frames {
			for _, s := range [][]byte{fr.Data, fr.Reason, fr.Token, fr.ConnectionID, fr.StatelessResetToken} {
				if !within(s, in) {
					t.Fatalf("%v frame at %d: a slice outside the input", fr.Type, fr.Pos)
				}
			}
			if fr.Pos < end || fr.Pos >= len(in) {
				t.Fatalf("%v frame at %d, after %d of %d", fr.Type, fr.Pos, end, len(in))
			}
			end = fr.Pos + 1
			if len(fr.Ranges) > MaxAckRanges || fr.MoreRanges > 0 && len(fr.Ranges) != MaxAckRanges {
				t.Fatalf("%d ranges, %d more", len(fr.Ranges), fr.MoreRanges)
			}
			if fr.Type == FramePadding && fr.Length < 1 {
				t.Fatalf("padding of %d bytes", fr.Length)
			}
			_ = fr.Type.String()
		}
	})
}

func FuzzParseTransportParameters(f *testing.F) {
	f.Add(fullParams())
	f.Add(tp(nil, ParamPreferredAddress, preferred()))
	f.Add(tp(nil, ParamMaxIdleTimeout, []byte{5, 0}))
	f.Add(tp(tp(nil, ParamInitialMaxData, vi(nil, 7)), ParamInitialMaxData, vi(nil, 7)))
	f.Add([]byte{0x40})
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := ParseTransportParameters(in)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", err)
		}
		if len(p.List) > MaxTransportParameters || p.More > 0 && len(p.List) != MaxTransportParameters {
			t.Fatalf("%d kept, %d more", len(p.List), p.More)
		}
		for _, tp := range p.List {
			if !within(tp.Value, in) {
				t.Fatalf("parameter %s: value outside the input", TransportParameterName(tp.ID))
			}
		}
		for _, s := range [][]byte{p.OriginalDestinationConnectionID, p.InitialSourceConnectionID,
			p.RetrySourceConnectionID} {
			if !within(s, in) || len(s) > MaxCIDLen {
				t.Fatal("a connection ID outside the input or too long")
			}
		}
		if !within(p.StatelessResetToken, in) || p.StatelessResetToken != nil && len(p.StatelessResetToken) != 16 {
			t.Fatal("stateless reset token")
		}
		if pa := p.PreferredAddress; pa != nil {
			if len(pa.ConnectionID) < 1 || len(pa.ConnectionID) > MaxCIDLen || len(pa.StatelessResetToken) != 16 ||
				!pa.IPv4.Addr().Is4() || !pa.IPv6.Addr().Is6() {
				t.Fatalf("preferred address %+v", pa)
			}
		}
		if v := p.VersionInformation; v != nil && len(v.Available) > MaxAvailableVersions {
			t.Fatalf("%d available versions", len(v.Available))
		}
		if p.MaxUDPPayloadSize < 1200 || p.AckDelayExponent > 20 || p.MaxAckDelay >= 1<<14 ||
			p.ActiveConnectionIDLimit < 2 {
			t.Fatalf("out of range: %+v", p)
		}
	})
}

// FuzzParseLong: a long header's fields and the rest of the datagram lie
// inside the input, the packet's Length inside what follows the header,
// and the rest is exactly what follows the packet.
func FuzzParseLong(f *testing.F) {
	f.Add([]byte{0xc3, 0, 0, 0, 1, 8, 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08, 0, 0, 0x40, 0x05, 0, 0, 0, 2, 9})
	f.Add([]byte{0xff, 0, 0, 0, 1, 0, 8, 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5, 't', 'o', 'k', 'e', 'n',
		4, 0xa2, 0x65, 0xba, 0x2e, 0xff, 0x4d, 0x82, 0x90, 0x58, 0xfb, 0x3f, 0x0f, 0x24, 0x96, 0xba})
	f.Add([]byte{0x80, 0, 0, 0, 0, 1, 1, 1, 2, 0, 0, 0, 1, 0xff, 0, 0, 0x1d})
	f.Add([]byte{0xd0, 0xff, 0, 0, 24, 1, 7, 1, 8, 3, 1, 2, 3, 't'})
	f.Fuzz(func(t *testing.T, in []byte) {
		h, rest, err := ParseLong(in)
		if !within(h.DCID, in) || !within(h.SCID, in) || !within(h.Token, in) || !within(h.Raw, in) || !within(rest, in) {
			t.Fatalf("a slice outside the input: %+v", h)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownVersion) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrUnknownVersion", err)
			}
			return
		}
		if len(h.Raw)+len(rest) != len(in) {
			t.Fatalf("packet %d + rest %d != input %d", len(h.Raw), len(rest), len(in))
		}
		if h.Length > 0 && h.PNOffset+h.Length != len(h.Raw) {
			t.Fatalf("PNOffset %d + Length %d != packet %d", h.PNOffset, h.Length, len(h.Raw))
		}
		LooksLikeQUIC(in)
		if s, err := ParseShort(in, int(in[0])%21); err == nil && !within(s.DCID, in) {
			t.Fatal("short DCID outside the input")
		}
	})
}
