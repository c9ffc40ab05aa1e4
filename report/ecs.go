package report

import (
	"crypto/dsa"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"

	"github.com/ssldissect/ssldissect/internal/boundcache"
)

// --format ecs: one Elastic Common Schema document per connection, nested
// as ECS documents are ({"tls":{"client":{"ja3":...}}}). Every name outside
// "ssldissect" is an ECS field with its ECS type; TestECSFields holds the
// output of every shipped capture to ECS's own ecs_flat.yml. What ECS has
// no field for (JA4, MAC counts, notes, ...) goes under "ssldissect".
// Records are not written in this format.

// ECSVersion is the ECS version the documents name in ecs.version: the
// schema of ../shared/conformance/ecs/ecs_flat.yml (elastic/ecs b85f757).
const ECSVersion = "9.0.0"

// ECSDoc is a connection's ECS document.
type ECSDoc struct {
	Timestamp   string       `json:"@timestamp,omitempty"`
	ECS         ecsMeta      `json:"ecs"`
	Event       ecsEvent     `json:"event"`
	Source      *ecsEndpoint `json:"source,omitempty"`
	Destination *ecsEndpoint `json:"destination,omitempty"`
	Client      *ecsEndpoint `json:"client,omitempty"`
	Server      *ecsEndpoint `json:"server,omitempty"`
	Network     *ecsNetwork  `json:"network,omitempty"`
	Related     *ecsRelated  `json:"related,omitempty"`
	TLS         *ecsTLS      `json:"tls,omitempty"`
	SSLDissect  *ecsExtra    `json:"ssldissect,omitempty"`
}

type ecsMeta struct {
	Version string `json:"version"`
}

type ecsEvent struct {
	Kind     string   `json:"kind"`
	Category []string `json:"category,omitempty"`
	Type     []string `json:"type,omitempty"`
	Module   string   `json:"module"`
	Dataset  string   `json:"dataset"`
	Start    string   `json:"start,omitempty"`
	End      string   `json:"end,omitempty"`
	Duration *int64   `json:"duration,omitempty"` // nanoseconds
}

// ecsEndpoint is source and client (the same), or destination and server:
// packets and bytes are those it sent.
type ecsEndpoint struct {
	IP      string `json:"ip"`
	Port    uint16 `json:"port"`
	Packets *int64 `json:"packets,omitempty"`
	Bytes   *int64 `json:"bytes,omitempty"`
}

type ecsNetwork struct {
	Transport   string `json:"transport,omitempty"`
	Type        string `json:"type,omitempty"`
	IANANumber  string `json:"iana_number,omitempty"`
	Protocol    string `json:"protocol"`
	CommunityID string `json:"community_id,omitempty"`
	Packets     *int64 `json:"packets,omitempty"` // both directions
	Bytes       *int64 `json:"bytes,omitempty"`
}

type ecsRelated struct {
	IP    []string `json:"ip,omitempty"`
	Hosts []string `json:"hosts,omitempty"`
}

type ecsTLS struct {
	Version         string      `json:"version,omitempty"`
	VersionProtocol string      `json:"version_protocol,omitempty"`
	Cipher          string      `json:"cipher,omitempty"`
	Curve           string      `json:"curve,omitempty"`
	Established     bool        `json:"established"`
	Resumed         bool        `json:"resumed"`
	NextProtocol    string      `json:"next_protocol,omitempty"`
	Client          *ecsTLSSide `json:"client,omitempty"`
	Server          *ecsTLSSide `json:"server,omitempty"`
}

// ecsTLSSide is tls.client or tls.server: the hello's fields and the
// certificate chain sent, leaf first.
type ecsTLSSide struct {
	ServerName       string    `json:"server_name,omitempty"` // client only
	JA3              string    `json:"ja3,omitempty"`         // client only
	JA3S             string    `json:"ja3s,omitempty"`        // server only
	SupportedCiphers []string  `json:"supported_ciphers,omitempty"`
	Subject          string    `json:"subject,omitempty"`
	Issuer           string    `json:"issuer,omitempty"`
	NotBefore        string    `json:"not_before,omitempty"`
	NotAfter         string    `json:"not_after,omitempty"`
	Hash             *ecsHash  `json:"hash,omitempty"`
	CertificateChain []string  `json:"certificate_chain,omitempty"`
	X509             *ecsX509  `json:"x509,omitempty"`
	certs            []ecsCert // ssldissect's extras, moved there
}

// ecsHash holds the leaf certificate's fingerprints, upper-case hex as
// ECS asks.
type ecsHash struct {
	MD5    string `json:"md5,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// ecsX509 is ECS's x509 field set, for the leaf certificate.
type ecsX509 struct {
	AlternativeNames   []string `json:"alternative_names,omitempty"`
	Issuer             *ecsDN   `json:"issuer,omitempty"`
	Subject            *ecsDN   `json:"subject,omitempty"`
	NotBefore          string   `json:"not_before,omitempty"`
	NotAfter           string   `json:"not_after,omitempty"`
	PublicKeyAlgorithm string   `json:"public_key_algorithm,omitempty"`
	PublicKeyCurve     string   `json:"public_key_curve,omitempty"`
	PublicKeyExponent  int64    `json:"public_key_exponent,omitempty"`
	PublicKeySize      int      `json:"public_key_size,omitempty"`
	SerialNumber       string   `json:"serial_number,omitempty"`
	SignatureAlgorithm string   `json:"signature_algorithm,omitempty"`
	VersionNumber      string   `json:"version_number,omitempty"`
}

// ecsDN is x509.subject or x509.issuer: every attribute a list, as a name
// may repeat one.
type ecsDN struct {
	CommonName         []string `json:"common_name,omitempty"`
	Country            []string `json:"country,omitempty"`
	DistinguishedName  string   `json:"distinguished_name,omitempty"`
	Locality           []string `json:"locality,omitempty"`
	Organization       []string `json:"organization,omitempty"`
	OrganizationalUnit []string `json:"organizational_unit,omitempty"`
	StateOrProvince    []string `json:"state_or_province,omitempty"`
}

// ecsExtra is "ssldissect": what ECS has no field for, named as in the
// json format's connection line.
type ecsExtra struct {
	ConnID             uint64    `json:"conn_id"`
	EndCause           string    `json:"end_cause,omitempty"`
	Version            string    `json:"version,omitempty"`
	VersionID          string    `json:"version_id,omitempty"`
	CipherSuiteID      string    `json:"cipher_suite_id,omitempty"`
	KeyExchange        string    `json:"key_exchange,omitempty"`
	KeyExchangeBits    int       `json:"key_exchange_bits,omitempty"`
	JA3Full            string    `json:"ja3_full,omitempty"`
	JA3SFull           string    `json:"ja3s_full,omitempty"`
	JA4                string    `json:"ja4,omitempty"`
	JA4S               string    `json:"ja4s,omitempty"`
	ALPNOffered        []string  `json:"alpn_offered,omitempty"`
	ECH                *ECH      `json:"ech,omitempty"`
	HelloRetryRequest  bool      `json:"hello_retry_request"`
	EarlyData          string    `json:"early_data,omitempty"`
	Decrypted          bool      `json:"decrypted"`
	StartTLS           string    `json:"starttls,omitempty"`
	RolesGuessed       bool      `json:"roles_guessed,omitempty"`
	Records            PerDir    `json:"records"`
	PlaintextBytes     PerDir    `json:"plaintext_bytes"`
	MAC                MACCounts `json:"mac"`
	Finished           Finished  `json:"finished"`
	Alerts             []Alert   `json:"alerts,omitempty"`
	Gaps               int       `json:"gaps"`
	Notes              []Note    `json:"notes,omitempty"`
	History            string    `json:"history,omitempty"`
	ServerCertificates []ecsCert `json:"server_certificates,omitempty"`
	ClientCertificates []ecsCert `json:"client_certificates,omitempty"`
	QUIC               *QUICConn `json:"quic,omitempty"`
	// TCP is the json format's "tcp" object, for what ECS has no field
	// for (payload bytes, retransmissions); packets and bytes are in
	// source, destination and network too.
	TCP     *TCPFigures `json:"tcp,omitempty"`
	Dropped *Dropped    `json:"dropped,omitempty"`
}

// ecsCert is what ECS lacks of each certificate of a chain, leaf first.
type ecsCert struct {
	SHA256     string `json:"sha256"`
	Key        string `json:"key,omitempty"`
	SelfSigned bool   `json:"self_signed"`
	Error      string `json:"error,omitempty"`
}

// ECSOf maps a finished connection to its ECS document.
func ECSOf(c *session.Conn) ECSDoc {
	j := ConnectionOf(c)
	d := ECSDoc{
		Timestamp: j.Start,
		ECS:       ecsMeta{Version: ECSVersion},
		Event: ecsEvent{
			Kind: "event", Category: []string{"network"}, Type: []string{"connection", "protocol"},
			Module: "ssldissect", Dataset: "ssldissect.connection",
			Start: j.Start, End: j.End,
		},
	}
	if !c.Start.IsZero() && !c.EndTime.IsZero() {
		ns := c.EndTime.Sub(c.Start).Nanoseconds()
		d.Event.Duration = &ns
	}
	var ips []string
	w := &c.Wire
	figs := func(e *ecsEndpoint, dir session.Dir) {
		if w.Set {
			p, b := int64(w.Packets[dir]), int64(w.Bytes[dir])
			e.Packets, e.Bytes = &p, &b
		}
	}
	if c.Client.IsValid() {
		e := &ecsEndpoint{IP: c.Client.Addr().Unmap().String(), Port: c.Client.Port()}
		figs(e, session.ClientToServer)
		d.Source, d.Client = e, e
		ips = append(ips, e.IP)
	}
	if c.Server.IsValid() {
		e := &ecsEndpoint{IP: c.Server.Addr().Unmap().String(), Port: c.Server.Port()}
		figs(e, session.ServerToClient)
		d.Destination, d.Server = e, e
		if len(ips) == 0 || ips[0] != e.IP {
			ips = append(ips, e.IP)
		}
	}
	switch c.Transport {
	case session.TransportQUIC:
		d.Network = &ecsNetwork{Transport: "udp", IANANumber: "17", Protocol: "quic"}
	case session.TransportDTLS:
		d.Network = &ecsNetwork{Transport: "udp", IANANumber: "17", Protocol: "dtls"}
	default:
		d.Network = &ecsNetwork{Transport: "tcp", IANANumber: "6", Protocol: "tls"}
	}
	if a := c.Client.Addr(); a.IsValid() {
		d.Network.Type = "ipv6"
		if a.Unmap().Is4() {
			d.Network.Type = "ipv4"
		}
	}
	d.Network.CommunityID = communityID(c)
	if w.Set {
		p, b := int64(w.Packets[0]+w.Packets[1]), int64(w.Bytes[0]+w.Bytes[1])
		d.Network.Packets, d.Network.Bytes = &p, &b
	}
	if len(ips) > 0 || c.SNI != "" {
		d.Related = &ecsRelated{IP: ips}
		if c.SNI != "" {
			d.Related.Hosts = []string{c.SNI}
		}
	}

	t := &ecsTLS{Cipher: j.CipherSuite, Curve: j.KeyExchangeGroup, Resumed: c.Resumed, NextProtocol: c.ALPN, Established: established(c)}
	t.Version, t.VersionProtocol = ecsVersion(c.Version)
	if c.Transport == session.TransportQUIC && t.Version == "" && c.ServerHello != nil {
		t.Version, t.VersionProtocol = "1.3", "tls" // QUIC's TLS 1.3
	}
	client := &ecsTLSSide{ServerName: c.SNI, JA3: c.JA3}
	if ch := c.ClientHello; ch != nil {
		for _, cs := range ch.CipherSuites {
			if !parser.IsGREASE(uint16(cs)) {
				client.SupportedCiphers = append(client.SupportedCiphers, cs.String())
			}
		}
	}
	client.certificates(c.ClientCerts)
	server := &ecsTLSSide{JA3S: c.JA3S}
	server.certificates(c.ServerCerts)
	if !client.empty() {
		t.Client = client
	}
	if !server.empty() {
		t.Server = server
	}
	d.TLS = t

	d.SSLDissect = &ecsExtra{
		ConnID: j.ID, EndCause: j.EndCause, Version: j.Version, VersionID: j.VersionID,
		CipherSuiteID: j.CipherSuiteID, KeyExchange: j.KeyExchange, KeyExchangeBits: j.KeyExchangeBits,
		JA3Full: j.JA3Full, JA3SFull: j.JA3SFull, JA4: j.JA4, JA4S: j.JA4S, ALPNOffered: c.ALPNOffered, ECH: j.ECH,
		HelloRetryRequest: j.HelloRetryRequest, EarlyData: j.EarlyData, Decrypted: j.Decrypted,
		StartTLS: j.StartTLS, RolesGuessed: j.RolesGuessed, Records: j.Records, PlaintextBytes: j.PlaintextBytes,
		MAC: j.MAC, Finished: j.Finished, Alerts: j.Alerts, Gaps: j.Gaps, Notes: j.Notes, History: j.History,
		ServerCertificates: server.certs, ClientCertificates: client.certs, QUIC: j.QUICConn, TCP: j.TCP, Dropped: j.Dropped,
	}
	return d
}

// ECSSummaryOf is the summary line in ECS form: an event.kind "metric"
// document whose figures are those of the json summary, under
// ssldissect.summary; at is the time of the last connection seen ("" for
// none, and then no @timestamp).
func ECSSummaryOf(s Summary, at string) ECSSummaryDoc {
	d := ECSSummaryDoc{
		Timestamp: at,
		ECS:       ecsMeta{Version: ECSVersion},
		Event:     ecsEvent{Kind: "metric", Module: "ssldissect", Dataset: "ssldissect.summary"},
	}
	d.SSLDissect.Summary = s
	return d
}

// ECSSummaryDoc is the summary's ECS document.
type ECSSummaryDoc struct {
	Timestamp  string   `json:"@timestamp,omitempty"`
	ECS        ecsMeta  `json:"ecs"`
	Event      ecsEvent `json:"event"`
	SSLDissect struct {
		Summary Summary `json:"summary"`
	} `json:"ssldissect"`
}

// established is tls.established: the handshake finished and both sides
// moved to protected data, as Zeek's ssl.log decides it (both
// directions past a Finished or carrying application data). For QUIC,
// both sides sent Handshake packets after a ServerHello.
func established(c *session.Conn) bool {
	if c.ServerHello == nil && c.V2CipherSpec == 0 {
		return false
	}
	if q := c.QUIC; q != nil {
		h := string(q.History)
		return strings.ContainsRune(h, 'H') && strings.ContainsRune(h, 'h')
	}
	h := string(c.History)
	done := func(upper, lower rune) bool {
		return strings.ContainsRune(h, upper) && strings.ContainsRune(h, lower)
	}
	return done('F', 'f') || done('D', 'd')
}

// ecsVersion is tls.version and tls.version_protocol: "1.2" and "tls",
// "3.0" and "ssl", "1.2" and "dtls"; "" for a version with no number.
func ecsVersion(v parser.Version) (string, string) {
	switch v {
	case parser.VersionSSL20:
		return "2.0", "ssl"
	case parser.VersionSSL30:
		return "3.0", "ssl"
	case parser.VersionTLS10:
		return "1.0", "tls"
	case parser.VersionTLS11:
		return "1.1", "tls"
	case parser.VersionTLS12:
		return "1.2", "tls"
	case parser.VersionTLS13:
		return "1.3", "tls"
	case parser.VersionDTLS10, parser.VersionDTLS10Pre:
		return "1.0", "dtls"
	case parser.VersionDTLS12:
		return "1.2", "dtls"
	case parser.VersionDTLS13:
		return "1.3", "dtls"
	}
	if v.IsTLS13Draft() {
		return "1.3", "tls"
	}
	return "", ""
}

func (s *ecsTLSSide) empty() bool {
	return s.ServerName == "" && s.JA3 == "" && s.JA3S == "" && len(s.SupportedCiphers) == 0 && len(s.certs) == 0
}

// certificates fills the chain's fields: the leaf's in x509, hash, subject
// and the rest, the whole chain in certificate_chain (base64 DER, as ECS's
// "MII..." example), and ssldissect's per-certificate extras.
func (s *ecsTLSSide) certificates(chain []parser.CertInfo) {
	for i := range chain {
		ci := &chain[i]
		e := ecsCert{SHA256: ci.SHA256, Key: ci.Key, SelfSigned: ci.SelfSigned}
		if ci.Err != nil {
			e.Error = ci.Err.Error()
		}
		s.certs = append(s.certs, e)
		if len(ci.DER) > 0 {
			s.CertificateChain = append(s.CertificateChain, base64.StdEncoding.EncodeToString(ci.DER))
		}
	}
	if len(chain) == 0 {
		return
	}
	leaf := &chain[0]
	s.Subject, s.Issuer = leaf.Subject, leaf.Issuer
	s.NotBefore, s.NotAfter = timeString(leaf.NotBefore), timeString(leaf.NotAfter)
	s.Hash = &ecsHash{SHA256: strings.ToUpper(leaf.SHA256)}
	if len(leaf.DER) > 0 {
		m, h := md5.Sum(leaf.DER), sha1.Sum(leaf.DER)
		s.Hash.MD5, s.Hash.SHA1 = strings.ToUpper(hex.EncodeToString(m[:])), strings.ToUpper(hex.EncodeToString(h[:]))
	}
	s.X509 = x509Of(leaf)
}

// x509Cache keeps x509Of's results by SHA-256, as the same leaf comes back
// in connection after connection; when full it starts again empty.
var x509Cache = boundcache.New[string, *ecsX509](x509CacheSize)

const x509CacheSize = 1024

// x509Of is ECS's x509 set for a certificate, from its DER; from the
// summary alone when crypto/x509 rejects it. The result is shared: it is
// never changed.
func x509Of(ci *parser.CertInfo) *ecsX509 {
	if ci.SHA256 == "" {
		return newX509Of(ci) // no key to cache it by
	}
	if x, ok := x509Cache.Get(ci.SHA256); ok {
		return x
	}
	x := newX509Of(ci)
	x509Cache.Put(ci.SHA256, x)
	return x
}

// newX509Of makes the ECS x509 object of a certificate.
func newX509Of(ci *parser.CertInfo) *ecsX509 {
	x := &ecsX509{
		NotBefore: timeString(ci.NotBefore), NotAfter: timeString(ci.NotAfter),
		SerialNumber: strings.ToUpper(ci.Serial), SignatureAlgorithm: ci.SignatureAlgorithm,
		AlternativeNames: ci.SAN,
	}
	if ci.Subject != "" {
		x.Subject = &ecsDN{DistinguishedName: ci.Subject}
	}
	if ci.Issuer != "" {
		x.Issuer = &ecsDN{DistinguishedName: ci.Issuer}
	}
	if c, err := x509.ParseCertificate(ci.DER); err == nil {
		x.Subject, x.Issuer = dnOf(c.Subject), dnOf(c.Issuer)
		x.VersionNumber = strconv.Itoa(c.Version)
		x.PublicKeyAlgorithm = c.PublicKeyAlgorithm.String()
		switch k := c.PublicKey.(type) {
		case *rsa.PublicKey:
			x.PublicKeySize, x.PublicKeyExponent = k.N.BitLen(), int64(k.E)
		case *ecdsa.PublicKey:
			x.PublicKeySize = k.Curve.Params().BitSize
			x.PublicKeyCurve = curveName(k.Curve.Params().Name)
		case ed25519.PublicKey:
			x.PublicKeySize = 256
		case *dsa.PublicKey:
			x.PublicKeySize = k.P.BitLen()
		case *ecdh.PublicKey:
			x.PublicKeyAlgorithm, x.PublicKeySize = "X25519", 256
		}
	}
	return x
}

// curveName is a crypto/elliptic name in ECS's (OpenSSH's) form:
// "P-256" is "nistp256".
func curveName(n string) string {
	if rest, ok := strings.CutPrefix(n, "P-"); ok {
		return "nistp" + rest
	}
	return strings.ToLower(n)
}

var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

func dnOf(n pkix.Name) *ecsDN {
	d := &ecsDN{
		DistinguishedName:  n.String(),
		Country:            n.Country,
		Locality:           n.Locality,
		Organization:       n.Organization,
		OrganizationalUnit: n.OrganizationalUnit,
		StateOrProvince:    n.Province,
	}
	// pkix.Name.CommonName keeps only the last; a name may hold several.
	for _, atv := range n.Names {
		if s, ok := atv.Value.(string); ok && atv.Type.Equal(oidCommonName) {
			d.CommonName = append(d.CommonName, s)
		}
	}
	return d
}
