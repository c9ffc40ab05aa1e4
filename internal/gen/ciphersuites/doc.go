// Command ciphersuites generates parser/ciphersuites_gen.go from an extract
// of the IANA TLS Cipher Suites registry (tls-parameters-4.csv beside this
// file): one SuiteInfo per assigned value, with the key exchange,
// authentication, cipher and MAC decomposed from the IANA name.
//
// Usage (from parser/, through go generate):
//
//	go run ../internal/gen/ciphersuites -in ../internal/gen/ciphersuites/tls-parameters-4.csv -out ciphersuites_gen.go
package main
