// Command synthpcap writes a large synthetic capture (and its key log) by
// repeating the TCP connections of real captures; see package synth.
//
//	go run ./internal/synth/cmd/synthpcap -size 200M -o big.pcap -keylog big.keylog 'testdata/pcaps/*.pcap'
//
// Each argument is a glob; the key log of X.pcap is X.keylog or X.txt.
package main
