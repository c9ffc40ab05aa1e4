package main

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"sort"
	"strconv"
	"strings"
)

type suite struct {
	ID                                       uint16
	Name                                     string
	KeyExchange, Auth, Cipher, MAC, PRFHash  string
	Export, TLS13, SCSV, Recommended, DTLSOK bool
	Reference                                string
}

func main() {
	in := flag.String("in", "tls-parameters-4.csv", "registry extract (CSV)")
	out := flag.String("out", "ciphersuites_gen.go", "Go file to write")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gen/ciphersuites: ")

	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	suites, err := readRegistry(f)
	if err != nil {
		log.Fatalf("%s: %v", *in, err)
	}
	src, err := render(suites)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// readRegistry parses the CSV, keeping rows with a single value and a
// TLS_ name; ranges ("0x00,0x1C-1D"), "Unassigned" and "Reserved" rows are
// skipped.
func readRegistry(r io.Reader) ([]suite, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 5
	header, err := cr.Read()
	if err != nil {
		return nil, err
	}
	if strings.Join(header, ",") != "Value,Description,DTLS-OK,Recommended,Reference" {
		return nil, fmt.Errorf("unexpected header %q", header)
	}
	seen := map[uint16]bool{}
	var suites []suite
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		name := strings.TrimSpace(row[1])
		if !strings.HasPrefix(name, "TLS_") || strings.ContainsAny(row[0], "-*") {
			continue
		}
		id, err := parseValue(row[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("line %d: duplicate value 0x%04x", line, id)
		}
		seen[id] = true
		s, err := decompose(name)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		s.ID = id
		s.DTLSOK = row[2] == "Y"
		s.Recommended = row[3] == "Y"
		s.Reference = row[4]
		suites = append(suites, s)
	}
	if len(suites) == 0 {
		return nil, fmt.Errorf("no cipher suites found")
	}
	sort.Slice(suites, func(i, j int) bool { return suites[i].ID < suites[j].ID })
	return suites, nil
}

// parseValue reads "0xC0,0x2F".
func parseValue(v string) (uint16, error) {
	hi, lo, ok := strings.Cut(v, ",")
	if !ok {
		return 0, fmt.Errorf("bad value %q", v)
	}
	h, err1 := strconv.ParseUint(strings.TrimSpace(hi), 0, 8)
	l, err2 := strconv.ParseUint(strings.TrimSpace(lo), 0, 8)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad value %q", v)
	}
	return uint16(h<<8 | l), nil
}

// kexAuth maps the part of a name between "TLS_" and "_WITH_" (with any
// "_EXPORT" removed) to the key exchange and the authentication.
var kexAuth = map[string][2]string{
	"NULL":            {"NULL", "NULL"},
	"RSA":             {"RSA", "RSA"},
	"DH_DSS":          {"DH", "DSS"},
	"DH_RSA":          {"DH", "RSA"},
	"DHE_DSS":         {"DHE", "DSS"},
	"DHE_RSA":         {"DHE", "RSA"},
	"DH_anon":         {"DH", "anon"},
	"ECDH_ECDSA":      {"ECDH", "ECDSA"},
	"ECDH_RSA":        {"ECDH", "RSA"},
	"ECDHE_ECDSA":     {"ECDHE", "ECDSA"},
	"ECDHE_RSA":       {"ECDHE", "RSA"},
	"ECDH_anon":       {"ECDH", "anon"},
	"KRB5":            {"KRB5", "KRB5"},
	"PSK":             {"PSK", "PSK"},
	"DHE_PSK":         {"DHE_PSK", "PSK"},
	"PSK_DHE":         {"DHE_PSK", "PSK"}, // RFC 6655's spelling of 0xC0AA/0xC0AB
	"RSA_PSK":         {"RSA_PSK", "RSA"},
	"ECDHE_PSK":       {"ECDHE_PSK", "PSK"},
	"SRP_SHA":         {"SRP", "SRP"},
	"SRP_SHA_RSA":     {"SRP", "RSA"},
	"SRP_SHA_DSS":     {"SRP", "DSS"},
	"ECCPWD":          {"ECCPWD", "ECCPWD"},
	"GOSTR341112_256": {"GOST", "GOST"},
}

// macs are the trailing name components that name a MAC or a PRF hash.
var macs = map[string]bool{"SHA": true, "SHA256": true, "SHA384": true, "MD5": true, "NULL": true, "OMAC": true, "IMIT": true, "SM3": true}

func isAEAD(cipher string) bool {
	for _, m := range []string{"GCM", "CCM", "POLY1305", "MGM", "AEGIS"} {
		if strings.Contains(cipher, m) {
			return true
		}
	}
	return false
}

// decompose splits an IANA name into its parts.
func decompose(name string) (suite, error) {
	s := suite{Name: name}
	rest := strings.TrimPrefix(name, "TLS_")
	if strings.HasSuffix(rest, "_SCSV") {
		s.SCSV = true
		return s, nil
	}
	left, right, hasWith := strings.Cut(rest, "_WITH_")
	if !hasWith {
		// TLS 1.3 suites (and RFC 9150, RFC 8998): CIPHER_HASH, no key
		// exchange or authentication.
		s.TLS13 = true
		right = rest
	} else {
		if strings.HasSuffix(left, "_EXPORT") {
			s.Export = true
			left = strings.TrimSuffix(left, "_EXPORT")
		}
		ka, ok := kexAuth[left]
		if !ok {
			return s, fmt.Errorf("%s: unknown key exchange %q", name, left)
		}
		s.KeyExchange, s.Auth = ka[0], ka[1]
	}
	cipher, hash := right, ""
	if i := strings.LastIndexByte(right, '_'); i > 0 && macs[right[i+1:]] {
		cipher, hash = right[:i], right[i+1:]
	}
	switch {
	case s.TLS13 && macs[cipher]:
		// RFC 9150 integrity-only suites: TLS_SHA256_SHA256.
		s.Cipher, s.MAC, s.PRFHash = "NULL", hash, hash
	case isAEAD(cipher):
		s.Cipher, s.MAC = cipher, "AEAD"
		if hash != "SHA" && hash != "NULL" {
			s.PRFHash = hash
		}
	default:
		if hash == "" {
			return s, fmt.Errorf("%s: no MAC in %q", name, right)
		}
		s.Cipher, s.MAC = cipher, hash
		if hash == "SHA256" || hash == "SHA384" {
			s.PRFHash = hash
		}
	}
	if strings.Contains(s.Cipher, "_40") || strings.Contains(s.Cipher, "40_") {
		s.Export = true
	}
	return s, nil
}

func render(suites []suite) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/gen/ciphersuites from tls-parameters-4.csv; DO NOT EDIT.\n\npackage parser\n\n")
	b.WriteString("// suites is sorted by ID; see suiteIndex.\nvar suites = [...]SuiteInfo{\n")
	for _, s := range suites {
		fmt.Fprintf(&b, "\t{ID: 0x%04x, Name: %q, KeyExchange: %q, Auth: %q, Cipher: %q, MAC: %q, PRFHash: %q, Export: %t, TLS13: %t, SCSV: %t, Recommended: %t, DTLSOK: %t, Reference: %q},\n",
			s.ID, s.Name, s.KeyExchange, s.Auth, s.Cipher, s.MAC, s.PRFHash, s.Export, s.TLS13, s.SCSV, s.Recommended, s.DTLSOK, s.Reference)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
