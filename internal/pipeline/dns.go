package pipeline

import (
	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser/dns"
)

// DNSStats counts the DNS responses (UDP from port 53) a run read for the
// ECHConfigs of their HTTPS and SVCB records, and what the table of those
// configs took (decrypt.ECHConfigs).
type DNSStats struct {
	Responses int // UDP datagrams from port 53 decoded as DNS responses
	Malformed int // UDP datagrams from port 53 that did not decode
	decrypt.ECHConfigStats
}

// isDNS reports whether p is a datagram from a DNS server.
func isDNS(p *capture.Packet) bool { return p.UDP != nil && p.UDP.SrcPort == 53 }

// dnsECH adds the ECHConfigs that a DNS response p publishes to t (the
// packet goes on to the UDP transports as before).
func dnsECH(t *decrypt.ECHConfigs, st *DNSStats, p *capture.Packet) {
	m, err := dns.Parse(p.UDP.Payload)
	if err != nil {
		st.Malformed++
		return
	}
	if !m.Response() {
		return
	}
	st.Responses++
	for _, l := range m.ECHConfigLists() {
		t.Add(l.Query, l.Type.String(), l.List)
	}
}

// dnsResult fills res.DNS from the table's counts.
func dnsResult(res *Result, t *decrypt.ECHConfigs, st DNSStats) {
	res.DNS = st
	if t != nil {
		res.DNS.ECHConfigStats = t.Stats
	}
}
