package report

import (
	"fmt"

	"github.com/ssldissect/ssldissect/session"
)

// ECH is a connection's Encrypted ClientHello (CONTRACT.md "Encrypted
// ClientHello"): the outer ClientHello's encrypted_client_hello, the
// server's verdict, and the inner ClientHello where it was decrypted.
type ECH struct {
	ConfigID      int    `json:"config_id"`
	KDF           string `json:"kdf"`
	AEAD          string `json:"aead"`
	EncLength     int    `json:"enc_length"`
	PayloadLength int    `json:"payload_length"`
	// Grease: "no" (a real ECH: decrypted, accepted, or its config
	// published in the capture's DNS), "likely" (the
	// server went on with the outer ClientHello and sent no
	// retry_configs, as a server without ECH does), "unknown".
	Grease string `json:"grease"`
	// Accepted: true, false, or null when it cannot be told;
	// AcceptedBy says how it was told.
	Accepted   *bool  `json:"accepted"`
	AcceptedBy string `json:"accepted_by,omitempty"`
	// RetryConfigsLength is the length of the retry_configs of the
	// server's (decrypted) EncryptedExtensions, absent when none.
	RetryConfigsLength int `json:"retry_configs_length,omitempty"`
	// InnerRandomTrials counts the key log's unmatched client randoms
	// tried on the first server record (at most 64).
	InnerRandomTrials int      `json:"inner_random_trials,omitempty"`
	InnerSNI          string   `json:"inner_sni"`
	InnerALPN         []string `json:"inner_alpn"`
	InnerJA4          string   `json:"inner_ja4"`
	// DNS is set when a DNS response earlier in the capture published the
	// ECHConfig the extension names (grease is then "no").
	DNS *ECHDNS `json:"dns,omitempty"`
}

// ECHDNS is the DNS record that published a connection's ECHConfig: the
// name queried, the record type (HTTPS or SVCB) and the config's
// public_name.
type ECHDNS struct {
	Query      string `json:"query"`
	Type       string `json:"type"`
	PublicName string `json:"public_name"`
}

// hpkeKDFName and hpkeAEADName are the HPKE registry's names (RFC 9180
// section 7), a hex number for others.
func hpkeKDFName(id uint16) string {
	switch id {
	case 0x0001:
		return "HKDF-SHA256"
	case 0x0002:
		return "HKDF-SHA384"
	case 0x0003:
		return "HKDF-SHA512"
	}
	return hex16(id)
}

func hpkeAEADName(id uint16) string {
	switch id {
	case 0x0001:
		return "AES-128-GCM"
	case 0x0002:
		return "AES-256-GCM"
	case 0x0003:
		return "ChaCha20Poly1305"
	case 0xffff:
		return "Export-only"
	}
	return hex16(id)
}

func echOf(e *session.ECHInfo) *ECH {
	if e == nil {
		return nil
	}
	out := &ECH{
		ConfigID: int(e.ConfigID), KDF: hpkeKDFName(e.KDF), AEAD: hpkeAEADName(e.AEAD),
		EncLength: e.EncLen, PayloadLength: e.PayloadLen, Grease: e.Grease, AcceptedBy: e.By,
		RetryConfigsLength: e.RetryConfigs, InnerRandomTrials: e.Trials,
		InnerSNI: e.InnerSNI, InnerALPN: nonNil(e.InnerALPN), InnerJA4: e.InnerJA4,
	}
	if e.Accepted != 0 {
		a := e.Accepted > 0
		out.Accepted = &a
	}
	if d := e.DNS; d != nil {
		out.DNS = &ECHDNS{Query: d.Name, Type: d.Type, PublicName: d.Config.PublicName}
	}
	return out
}

// echText is the text format's line for it.
func echText(e *ECH) string {
	acc := "accepted unknown"
	if e.Accepted != nil {
		acc = map[bool]string{true: "accepted", false: "rejected"}[*e.Accepted]
		if e.AcceptedBy != "" {
			acc += " (" + e.AcceptedBy + ")"
		}
	}
	s := fmt.Sprintf("config_id %d %s/%s enc %d payload %d, %s, grease %s", e.ConfigID, e.KDF, e.AEAD,
		e.EncLength, e.PayloadLength, acc, e.Grease)
	if e.RetryConfigsLength > 0 {
		s += fmt.Sprintf(", retry_configs %d bytes", e.RetryConfigsLength)
	}
	if e.InnerSNI != "" {
		s += ", inner sni " + e.InnerSNI
	}
	if len(e.InnerALPN) > 0 {
		s += fmt.Sprintf(", inner alpn %v", e.InnerALPN)
	}
	if e.InnerJA4 != "" {
		s += ", inner ja4 " + e.InnerJA4
	}
	if e.DNS != nil {
		s += fmt.Sprintf(", config from dns %s %s (public_name %s)", e.DNS.Type, e.DNS.Query, e.DNS.PublicName)
	}
	return s
}
