package parser

// Alert is one alert (RFC 5246 7.2).
type Alert struct {
	Level       AlertLevel
	Description AlertDescription
}

// ParseAlert decodes the plaintext payload of an alert record; a record may
// carry several alerts. An empty or odd-length payload is an *Error.
func ParseAlert(b []byte) ([]Alert, error) {
	return nil, errNotImplemented
}

// ParseChangeCipherSpec checks the payload of a change_cipher_spec record,
// which must be the single byte 1.
func ParseChangeCipherSpec(b []byte) error {
	return errNotImplemented
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
	return Heartbeat{}, errNotImplemented
}
