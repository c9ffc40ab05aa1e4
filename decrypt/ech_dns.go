package decrypt

import (
	"strings"
)

// MaxDNSECHConfigs caps the ECHConfigs an ECHConfigs table holds, and
// MaxDNSECHConfigBytes their bytes (a real config is under 100 bytes, one
// DNS message may carry 64 KiB); those seen once it is full are counted in
// ECHConfigStats.Dropped.
const (
	MaxDNSECHConfigs     = 1024
	MaxDNSECHConfigBytes = 1 << 20
)

// DNSECHConfig is an ECHConfig a DNS response carried in the ech SvcParam
// of an HTTPS or SVCB record, with the name that was queried.
type DNSECHConfig struct {
	Config *ECHConfig
	Name   string // the response's question name
	Type   string // "HTTPS" or "SVCB"
}

// ECHConfigStats counts what an ECHConfigs table took.
type ECHConfigStats struct {
	Lists     int // ech parameters seen
	Malformed int // of them, ECHConfigLists that did not decode (what did is kept)
	Configs   int // distinct ECHConfigs held (of version 0xfe0d)
	Dropped   int // distinct ECHConfigs not held: the table was full
}

// ECHConfigs is the table of ECHConfigs published in the DNS responses of
// a capture (RFC 9848), in the order they were seen, first come first
// kept up to MaxDNSECHConfigs (and MaxDNSECHConfigBytes), each config once (by its bytes). It tells a
// real ECH offer from GREASE: a ClientHello whose encrypted_client_hello
// names a config the capture's DNS published before it is real. The
// configs are public keys; the table is not safe for concurrent use: each
// worker of a sharded run has its own (KeyStore.ForWorker) and sees the DNS
// responses in capture order.
type ECHConfigs struct {
	byRaw map[string]bool
	byID  map[uint8][]DNSECHConfig
	bytes int // of the configs held
	Stats ECHConfigStats
}

// NewECHConfigs makes an empty table.
func NewECHConfigs() *ECHConfigs {
	return &ECHConfigs{byRaw: map[string]bool{}, byID: map[uint8][]DNSECHConfig{}}
}

// Add takes an ECHConfigList from a DNS response whose question was name
// (of record type typ). It returns how many new configs were kept.
func (t *ECHConfigs) Add(name, typ string, list []byte) int {
	if t == nil {
		return 0
	}
	t.Stats.Lists++
	cfgs, err := ParseECHConfigList(list)
	if err != nil {
		t.Stats.Malformed++
	}
	n := 0
	for _, c := range cfgs {
		if c.Version != ECHConfigVersion || t.byRaw[string(c.Raw)] {
			continue
		}
		if t.Stats.Configs >= MaxDNSECHConfigs || t.bytes+len(c.Raw) > MaxDNSECHConfigBytes {
			t.Stats.Dropped++
			continue
		}
		t.bytes += len(c.Raw)
		t.byRaw[string(c.Raw)] = true
		t.byID[c.ConfigID] = append(t.byID[c.ConfigID], DNSECHConfig{Config: c, Name: name, Type: typ})
		t.Stats.Configs++
		n++
	}
	return n
}

// Match finds the first config seen whose config_id is configID, whose
// cipher_suites hold (kdf, aead), whose public key is as long as the
// ClientHello's enc (encLen; DHKEM's enc is a public key of the config's
// KEM) and, when sni is not "", whose public_name is sni (RFC 9849 6.1:
// the outer ClientHello's server_name is the config's public_name).
func (t *ECHConfigs) Match(configID uint8, kdf, aead uint16, encLen int, sni string) (DNSECHConfig, bool) {
	if t == nil {
		return DNSECHConfig{}, false
	}
	for _, d := range t.byID[configID] {
		c := d.Config
		if encLen != len(c.PublicKey) || (sni != "" && !strings.EqualFold(strings.TrimSuffix(sni, "."), c.PublicName)) {
			continue
		}
		for _, cs := range c.CipherSuites {
			if cs.KDF == kdf && cs.AEAD == aead {
				return d, true
			}
		}
	}
	return DNSECHConfig{}, false
}
