package parser

import "errors"

var errNotImplemented = errors.New("not implemented yet")

// Message is a decoded handshake message. The concrete types are pointers to
// the structs of this package: *ClientHello, *ServerHello, ..., *RawMessage.
type Message interface {
	Type() HandshakeType
}

// Context is what ParseHandshake needs to know about the connection, because
// several message layouts depend on the negotiated version or cipher suite.
type Context struct {
	Version     Version     // negotiated version (from ServerHello.SelectedVersion); 0 if unknown
	CipherSuite CipherSuite // negotiated suite; 0 if unknown
	FromServer  bool        // the message was sent by the server
}

// MessageName is the name of m's type for output: the registry name of its
// HandshakeType, except "hello_retry_request" for a ServerHello that is one.
func MessageName(m Message) string {
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
// can still show the message.
func ParseHandshake(typ HandshakeType, body []byte, ctx Context) (Message, error) {
	return &RawMessage{Typ: typ, Body: clone(body)}, errNotImplemented
}

// clone copies b; nil stays nil, empty stays empty.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
