package parser

import "golang.org/x/crypto/cryptobyte"

// SSL 2.0 messages (draft-hickman-netscape-ssl-00). They are Messages like
// the SSL 3.0/TLS handshake messages, so that a record's Messages can hold
// them, but their type numbers are SSLv2MessageType values: Type returns
// that number converted to HandshakeType (the number on the wire, as
// tshark's tls.handshake.type shows it), and SSLv2Type the real type, which
// MessageName uses for the name. Callers that switch on Type() must look
// for SSLv2Message first.
//
// Only CLIENT-HELLO, SERVER-HELLO, CLIENT-MASTER-KEY and ERROR are sent in
// clear. The others (CLIENT-FINISHED, SERVER-VERIFY, SERVER-FINISHED,
// REQUEST-CERTIFICATE, CLIENT-CERTIFICATE) are always encrypted, and SSL 2.0
// is not decrypted: their parsers exist for completeness (and a decrypter
// that may come), but a connection shows those records as opaque.

// SSLv2Message is an SSL 2.0 message.
type SSLv2Message interface {
	Message
	SSLv2Type() SSLv2MessageType
}

// Type and SSLv2Type of the SSL 2.0 messages. The SSLv2-format
// CLIENT-HELLO is a *ClientHello (type 1 in both numberings) and not an
// SSLv2Message.

func (*SSLv2ServerHello) Type() HandshakeType { return HandshakeType(SSLv2MessageTypeServerHello) }
func (*SSLv2ServerHello) SSLv2Type() SSLv2MessageType {
	return SSLv2MessageTypeServerHello
}

// SSLv2Error is an SSL 2.0 ERROR message, sent in clear when it comes
// before the session key is set.
type SSLv2Error struct {
	Code SSLv2ErrorCode
}

func (*SSLv2Error) Type() HandshakeType         { return HandshakeType(SSLv2MessageTypeError) }
func (*SSLv2Error) SSLv2Type() SSLv2MessageType { return SSLv2MessageTypeError }
func (*SSLv2ClientMasterKey) Type() HandshakeType {
	return HandshakeType(SSLv2MessageTypeClientMasterKey)
}
func (*SSLv2ClientFinished) Type() HandshakeType {
	return HandshakeType(SSLv2MessageTypeClientFinished)
}
func (*SSLv2ServerVerify) Type() HandshakeType { return HandshakeType(SSLv2MessageTypeServerVerify) }
func (*SSLv2ServerFinished) Type() HandshakeType {
	return HandshakeType(SSLv2MessageTypeServerFinished)
}
func (*SSLv2ClientCertificate) Type() HandshakeType {
	return HandshakeType(SSLv2MessageTypeClientCertificate)
}
func (*SSLv2RequestCertificate) Type() HandshakeType {
	return HandshakeType(SSLv2MessageTypeRequestCertificate)
}
func (*SSLv2ClientMasterKey) SSLv2Type() SSLv2MessageType { return SSLv2MessageTypeClientMasterKey }
func (*SSLv2ClientFinished) SSLv2Type() SSLv2MessageType  { return SSLv2MessageTypeClientFinished }
func (*SSLv2ServerVerify) SSLv2Type() SSLv2MessageType    { return SSLv2MessageTypeServerVerify }
func (*SSLv2ServerFinished) SSLv2Type() SSLv2MessageType  { return SSLv2MessageTypeServerFinished }
func (*SSLv2RequestCertificate) SSLv2Type() SSLv2MessageType {
	return SSLv2MessageTypeRequestCertificate
}
func (*SSLv2ClientCertificate) SSLv2Type() SSLv2MessageType {
	return SSLv2MessageTypeClientCertificate
}
func (m *SSLv2RawMessage) Type() HandshakeType         { return HandshakeType(m.Typ) }
func (m *SSLv2RawMessage) SSLv2Type() SSLv2MessageType { return m.Typ }

// SSLv2ClientMasterKey is CLIENT-MASTER-KEY: the cipher the client chose
// and the master key, its clear part and its part encrypted with the
// server's RSA key.
type SSLv2ClientMasterKey struct {
	CipherKind   SSLv2CipherSpec
	ClearKey     []byte
	EncryptedKey []byte
	KeyArg       []byte // the IV of block ciphers
}

// SSLv2ClientFinished is CLIENT-FINISHED: the server's connection id.
type SSLv2ClientFinished struct {
	ConnectionID []byte
}

// SSLv2ServerVerify is SERVER-VERIFY: the client's challenge.
type SSLv2ServerVerify struct {
	Challenge []byte
}

// SSLv2ServerFinished is SERVER-FINISHED: the session id.
type SSLv2ServerFinished struct {
	SessionID []byte
}

// SSLv2RequestCertificate is REQUEST-CERTIFICATE.
type SSLv2RequestCertificate struct {
	AuthenticationType uint8 // 1: SSL_AT_MD5_WITH_RSA_ENCRYPTION
	Challenge          []byte
}

// SSLv2ClientCertificate is CLIENT-CERTIFICATE.
type SSLv2ClientCertificate struct {
	CertificateType uint8 // 1: X.509
	Certificate     []byte
	CertInfo        CertInfo
	Response        []byte
}

// SSLv2RawMessage is an SSL 2.0 message of a type this package does not
// know, or one whose body failed to parse.
type SSLv2RawMessage struct {
	Typ  SSLv2MessageType
	Body []byte // after the type byte
}

// ParseSSLv2Message decodes one SSL 2.0 message in clear: b starts at the
// message type byte, as in Record.Payload of ParseSSLv2Record, and holds
// the message exactly. A CLIENT-HELLO gives a *ClientHello. Unknown types
// give an *SSLv2RawMessage and no error; a malformed message gives an
// *SSLv2RawMessage holding its body together with an *Error.
func ParseSSLv2Message(b []byte) (Message, error) {
	if len(b) == 0 {
		return nil, malformed("sslv2", "msg_type", 0)
	}
	typ := SSLv2MessageType(b[0])
	var m Message
	var err error
	switch typ {
	case SSLv2MessageTypeClientHello:
		m, err = ParseSSLv2ClientHello(b)
	case SSLv2MessageTypeServerHello:
		m, err = ParseSSLv2ServerHello(b)
	default:
		m, err = parseSSLv2Message(typ, b[1:])
	}
	if err != nil {
		return &SSLv2RawMessage{Typ: typ, Body: clone(b[1:])}, err
	}
	return m, nil
}

func parseSSLv2Message(typ SSLv2MessageType, body []byte) (Message, error) {
	layer := typ.String()
	s := cryptobyte.String(body)
	off := func() int { return 1 + len(body) - len(s) }
	switch typ {
	case SSLv2MessageTypeError:
		var code uint16
		if !s.ReadUint16(&code) || !s.Empty() {
			return nil, malformed(layer, "error_code", off())
		}
		return &SSLv2Error{Code: SSLv2ErrorCode(code)}, nil
	case SSLv2MessageTypeClientMasterKey:
		m := &SSLv2ClientMasterKey{}
		var kind uint32
		var clearLen, encLen, argLen uint16
		if !s.ReadUint24(&kind) || !s.ReadUint16(&clearLen) || !s.ReadUint16(&encLen) || !s.ReadUint16(&argLen) {
			return nil, malformed(layer, "header", off())
		}
		m.CipherKind = SSLv2CipherSpec(kind)
		var clear, enc, arg []byte
		if !s.ReadBytes(&clear, int(clearLen)) {
			return nil, malformed(layer, "clear_key", off())
		}
		if !s.ReadBytes(&enc, int(encLen)) {
			return nil, malformed(layer, "encrypted_key", off())
		}
		if !s.ReadBytes(&arg, int(argLen)) || !s.Empty() {
			return nil, malformed(layer, "key_arg", off())
		}
		m.ClearKey, m.EncryptedKey, m.KeyArg = clone(clear), clone(enc), clone(arg)
		return m, nil
	case SSLv2MessageTypeClientFinished:
		return &SSLv2ClientFinished{ConnectionID: clone(body)}, nil
	case SSLv2MessageTypeServerVerify:
		return &SSLv2ServerVerify{Challenge: clone(body)}, nil
	case SSLv2MessageTypeServerFinished:
		return &SSLv2ServerFinished{SessionID: clone(body)}, nil
	case SSLv2MessageTypeRequestCertificate:
		m := &SSLv2RequestCertificate{}
		if !s.ReadUint8(&m.AuthenticationType) {
			return nil, malformed(layer, "authentication_type", off())
		}
		m.Challenge = clone(s)
		return m, nil
	case SSLv2MessageTypeClientCertificate:
		m := &SSLv2ClientCertificate{}
		var certLen, respLen uint16
		if !s.ReadUint8(&m.CertificateType) || !s.ReadUint16(&certLen) || !s.ReadUint16(&respLen) {
			return nil, malformed(layer, "header", off())
		}
		var cert, resp []byte
		if !s.ReadBytes(&cert, int(certLen)) {
			return nil, malformed(layer, "certificate", off())
		}
		if !s.ReadBytes(&resp, int(respLen)) || !s.Empty() {
			return nil, malformed(layer, "response", off())
		}
		if len(cert) > 0 {
			m.Certificate = clone(cert)
			m.CertInfo = ParseCertInfo(m.Certificate)
		}
		m.Response = clone(resp)
		return m, nil
	}
	return &SSLv2RawMessage{Typ: typ, Body: clone(body)}, nil
}
