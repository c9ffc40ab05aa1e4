package parser

// Message is a decoded handshake message. The concrete types are pointers to
// the structs of this package: *ClientHello, *ServerHello, ..., *RawMessage.
type Message interface {
	Type() HandshakeType
}

// Context is what ParseHandshake needs to know about the connection, because
// several message layouts depend on the negotiated version or cipher suite.
//
// With Version 0 (a capture that starts after the hellos), the
// version-dependent layouts (Certificate, CertificateRequest,
// CertificateVerify, NewSessionTicket, the signature of ServerKeyExchange,
// the RSA ClientKeyExchange) are told apart by which one the bytes fit
// exactly. With an unknown CipherSuite, ServerKeyExchange and
// ClientKeyExchange are kept raw.
type Context struct {
	Version     Version     // negotiated version (from ServerHello.SelectedVersion); 0 if unknown
	CipherSuite CipherSuite // negotiated suite; 0 if unknown
	// FromServer is the direction of the message. No layout of SSL 3.0 to
	// TLS 1.3 depends on it; it is carried for callers that pass one
	// Context along with a message.
	FromServer bool
}

// MessageName is the name of m's type for output: the registry name of its
// HandshakeType, except "hello_retry_request" for a ServerHello that is one,
// and for an SSLv2Message the name of its SSLv2MessageType.
func MessageName(m Message) string {
	if v2, ok := m.(SSLv2Message); ok {
		return v2.SSLv2Type().String()
	}
	if sh, ok := m.(*ServerHello); ok && sh.IsHelloRetryRequest() {
		return HandshakeTypeHelloRetryRequest.String()
	}
	return m.Type().String()
}

// RawMessage is a message of a type this package does not decode, or one whose
// body failed to parse.
type RawMessage struct {
	Typ  HandshakeType
	Body []byte
}

func (m *RawMessage) Type() HandshakeType { return m.Typ }

// HelloRequest (RFC 5246 7.4.1.1) has an empty body.
type HelloRequest struct{}

func (*HelloRequest) Type() HandshakeType { return HandshakeTypeHelloRequest }

// ServerHelloDone (RFC 5246 7.4.5) has an empty body.
type ServerHelloDone struct{}

func (*ServerHelloDone) Type() HandshakeType { return HandshakeTypeServerHelloDone }

// EndOfEarlyData (RFC 8446 4.5) has an empty body.
type EndOfEarlyData struct{}

func (*EndOfEarlyData) Type() HandshakeType { return HandshakeTypeEndOfEarlyData }

// ParseHandshake decodes the body of one handshake message of type typ (as
// returned by HandshakeReader.Next). Types it does not know give a
// *RawMessage and no error. When the body is malformed it returns a
// *RawMessage holding the body together with an *Error, so that the caller
// can still show the message; except for a ClientHello or ServerHello
// malformed after its random, which is returned as far as it was read, with
// Partial set (see ClientHello.Partial), together with the *Error.
//
// A body above MaxHandshakeBodyLen(typ) gives an *Error wrapping ErrTooLarge
// and a *RawMessage without Body: nothing of it is copied.
func ParseHandshake(typ HandshakeType, body []byte, ctx Context) (Message, error) {
	if len(body) > MaxHandshakeBodyLen(typ) {
		return &RawMessage{Typ: typ}, &Error{Layer: typ.String(), Field: "length", Err: ErrTooLarge}
	}
	m, err := parseHandshake(typ, body, ctx)
	if err != nil {
		switch h := m.(type) {
		case *ClientHello:
			if h != nil && h.Partial {
				return h, err
			}
		case *ServerHello:
			if h != nil && h.Partial {
				return h, err
			}
		}
		return &RawMessage{Typ: typ, Body: clone(body)}, err
	}
	return m, nil
}

func parseHandshake(typ HandshakeType, body []byte, ctx Context) (Message, error) {
	switch typ {
	case HandshakeTypeHelloRequest:
		return &HelloRequest{}, empty(typ, body)
	case HandshakeTypeClientHello:
		return parseClientHello(body)
	case HandshakeTypeServerHello:
		return parseServerHello(body)
	case HandshakeTypeNewSessionTicket:
		return parseNewSessionTicket(body, ctx)
	case HandshakeTypeEndOfEarlyData:
		return &EndOfEarlyData{}, empty(typ, body)
	case HandshakeTypeEncryptedExtensions:
		return parseEncryptedExtensions(body)
	case HandshakeTypeCertificate:
		return parseCertificate(body, ctx)
	case HandshakeTypeServerKeyExchange:
		return parseServerKeyExchange(body, ctx)
	case HandshakeTypeCertificateRequest:
		return parseCertificateRequest(body, ctx)
	case HandshakeTypeServerHelloDone:
		return &ServerHelloDone{}, empty(typ, body)
	case HandshakeTypeCertificateVerify:
		return parseCertificateVerify(body, ctx)
	case HandshakeTypeClientKeyExchange:
		return parseClientKeyExchange(body, ctx)
	case HandshakeTypeFinished:
		return parseFinished(body)
	case HandshakeTypeCertificateURL:
		return parseCertificateURL(body)
	case HandshakeTypeCertificateStatus:
		return parseCertificateStatus(body)
	case HandshakeTypeSupplementalData:
		return parseSupplementalData(body)
	case HandshakeTypeKeyUpdate:
		return parseKeyUpdate(body)
	case HandshakeTypeCompressedCertificate:
		return parseCompressedCertificate(body)
	case HandshakeTypeNextProtocol:
		return parseNextProtocol(body)
	case HandshakeTypeMessageHash:
		if len(body) == 0 || len(body) > 64 {
			return nil, malformed(typ.String(), "hash", 0)
		}
		return &MessageHash{Hash: clone(body)}, nil
	}
	return &RawMessage{Typ: typ, Body: clone(body)}, nil
}

// empty checks the body of a message that has none.
func empty(typ HandshakeType, body []byte) error {
	if len(body) != 0 {
		return malformed(typ.String(), "body", 0)
	}
	return nil
}

// clone copies b; nil stays nil, empty stays empty.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
