package parser

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"strings"
)

// dnNames are the attribute types a distinguished name is written with,
// by OID: OpenSSL's short names (crypto/objects/objects.txt), as its
// RFC 2253 output (-nameopt RFC2253) and Zeek's x509.log write them. Go's
// pkix knows only some, and writes SERIALNUMBER, STREET, POSTALCODE.
var dnNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "street",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "title",
	"2.5.4.13":                   "description",
	"2.5.4.15":                   "businessCategory",
	"2.5.4.17":                   "postalCode",
	"2.5.4.18":                   "postOfficeBox",
	"2.5.4.41":                   "name",
	"2.5.4.42":                   "GN",
	"2.5.4.43":                   "initials",
	"2.5.4.44":                   "generationQualifier",
	"2.5.4.46":                   "dnQualifier",
	"2.5.4.65":                   "pseudonym",
	"2.5.4.72":                   "role",
	"2.5.4.97":                   "organizationIdentifier",
	"1.2.840.113549.1.9.1":       "emailAddress",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
	"1.3.6.1.4.1.311.60.2.1.1":   "jurisdictionL",
	"1.3.6.1.4.1.311.60.2.1.2":   "jurisdictionST",
	"1.3.6.1.4.1.311.60.2.1.3":   "jurisdictionC",
}

// rdnString writes a DER Name (RFC 5280 4.1.2.4) as RFC 4514 does and
// OpenSSL's RFC 2253 output: the RDNs last first, joined by ',', the
// attributes of a multi-valued one by '+' (last first too, as OpenSSL
// reverses every entry), each as NAME=value with
// OpenSSL's short name (dnNames), or the dotted OID and '#' with the
// value's DER in hex when the type is unknown or the value no string.
// Unlike pkix.Name.String, it keeps the certificate's order. "" when der
// is no Name.
func rdnString(der []byte) string { return DistinguishedName(der) }

// DistinguishedName is a DER Name as rdnString writes it: CertInfo's
// Subject and Issuer, and Zeek's x509.log, write names this way.
func DistinguishedName(der []byte) string {
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &rdns); err != nil || len(rest) != 0 {
		return ""
	}
	var b strings.Builder
	for i := len(rdns) - 1; i >= 0; i-- {
		if i < len(rdns)-1 {
			b.WriteByte(',')
		}
		rdn := rdns[i]
		for j := len(rdn) - 1; j >= 0; j-- {
			tv := rdn[j]
			if j < len(rdn)-1 {
				b.WriteByte('+')
			}
			oid := tv.Type.String()
			name, known := dnNames[oid]
			s, isString := tv.Value.(string)
			if !known || !isString {
				if !known {
					name = oid
				}
				der, err := asn1.Marshal(tv.Value)
				if err != nil {
					b.WriteString(name + "=")
					continue
				}
				b.WriteString(name + "=#" + hex.EncodeToString(der))
				continue
			}
			b.WriteString(name + "=")
			writeDNValue(&b, s)
		}
	}
	return b.String()
}

// writeDNValue escapes a string value as RFC 4514 2.4 (and pkix) do.
func writeDNValue(b *strings.Builder, v string) {
	for k, c := range v {
		escape := false
		switch c {
		case ',', '+', '"', '\\', '<', '>', ';':
			escape = true
		case ' ':
			escape = k == 0 || k == len(v)-1
		case '#':
			escape = k == 0
		}
		if escape {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
}
