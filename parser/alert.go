package parser

import "golang.org/x/crypto/cryptobyte"

// Alert is one alert (RFC 5246 7.2).
type Alert struct {
	Level       AlertLevel
	Description AlertDescription
}

// ParseAlert decodes the plaintext payload of an alert record; a record may
// carry several alerts. An empty or odd-length payload is an *Error.
func ParseAlert(b []byte) ([]Alert, error) {
	if len(b) == 0 || len(b)%2 != 0 {
		return nil, malformed("alert", "length", 0)
	}
	s := cryptobyte.String(b)
	alerts := make([]Alert, 0, len(b)/2)
	for !s.Empty() {
		var a Alert
		s.ReadUint8((*uint8)(&a.Level))
		s.ReadUint8((*uint8)(&a.Description))
		alerts = append(alerts, a)
	}
	return alerts, nil
}

// ParseChangeCipherSpec checks the payload of a change_cipher_spec record,
// which must be the single byte 1.
func ParseChangeCipherSpec(b []byte) error {
	if len(b) != 1 || b[0] != 1 {
		return malformed("change_cipher_spec", "type", 0)
	}
	return nil
}

// Heartbeat is a heartbeat message (RFC 6520 4), in clear.
type Heartbeat struct {
	Type          HeartbeatMessageType
	PayloadLength uint16 // as declared
	Actual        int    // bytes after the 3-byte header: payload plus padding, as received
	// Heartbleed: the declared payload and the 16 bytes of minimum padding do
	// not fit in the record (payload_length + 3 + 16 > record length), the
	// signature of CVE-2014-0160 probes and leaks.
	Heartbleed bool
}

// ParseHeartbeat decodes the plaintext payload of a heartbeat record. A
// Heartbleed-shaped message is not an error: it is returned with Heartbleed
// set.
func ParseHeartbeat(b []byte) (Heartbeat, error) {
	s := cryptobyte.String(b)
	var h Heartbeat
	if !s.ReadUint8((*uint8)(&h.Type)) || !s.ReadUint16(&h.PayloadLength) {
		return h, malformed("heartbeat", "header", 0)
	}
	h.Actual = len(s)
	h.Heartbleed = int(h.PayloadLength)+3+16 > len(b)
	return h, nil
}
