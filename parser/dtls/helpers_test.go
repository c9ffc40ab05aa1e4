package dtls

import "unsafe"

// within reports whether s lies inside in, capacity included (a nil s does).
func within(s, in []byte) bool {
	if s == nil {
		return true
	}
	if cap(s) == 0 {
		return true
	}
	if len(in) == 0 || cap(s) != len(s) {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(in)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return p >= lo && p+uintptr(cap(s)) <= lo+uintptr(len(in))
}

func be(n int, v uint64) []byte {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return b
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// plain builds a DTLS 1.0/1.2 record.
func plain(typ uint8, vers uint16, epoch uint16, seq uint64, cid, payload []byte) []byte {
	h := cat([]byte{typ}, be(2, uint64(vers)), be(2, uint64(epoch)), be(6, seq), cid, be(2, uint64(len(payload))))
	return cat(h, payload)
}

// fragment builds a handshake fragment.
func fragment(typ uint8, length uint32, seq uint16, off uint32, data []byte) []byte {
	return cat([]byte{typ}, be(3, uint64(length)), be(2, uint64(seq)), be(3, uint64(off)), be(3, uint64(len(data))), data)
}

func seqBytes(n int, c byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c + byte(i)
	}
	return b
}

// clientHelloBody is the body of a DTLS 1.2 ClientHello as OpenSSL sends it
// first: client_version 0xfefd, an empty session_id and cookie.
func clientHelloBody(cookie []byte) []byte {
	suites := []byte{0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x9c, 0x00, 0x35, 0x00, 0xff}
	exts := cat(
		[]byte{0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02},             // ec_point_formats
		[]byte{0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17}, // supported_groups
		[]byte{0x00, 0x23, 0x00, 0x00},                                     // session_ticket
		[]byte{0x00, 0x16, 0x00, 0x00},                                     // encrypt_then_mac
		[]byte{0x00, 0x17, 0x00, 0x00},                                     // extended_master_secret
		[]byte{0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x08, 0x04}, // signature_algorithms
	)
	return cat([]byte{0xfe, 0xfd}, seqBytes(32, 0x40), []byte{0}, []byte{byte(len(cookie))}, cookie,
		be(2, uint64(len(suites))), suites, []byte{1, 0}, be(2, uint64(len(exts))), exts)
}

// clientHelloRecord is the first record of a DTLS 1.2 handshake from
// OpenSSL: record version DTLS 1.0, epoch 0, sequence 0, one fragment.
func clientHelloRecord() []byte {
	body := clientHelloBody(nil)
	return plain(22, 0xfeff, 0, 0, nil, fragment(1, uint32(len(body)), 0, 0, body))
}
