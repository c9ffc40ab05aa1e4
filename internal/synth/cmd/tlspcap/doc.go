// Command tlspcap writes a capture of real TLS connections made by
// crypto/tls in this process, and the key log that decrypts them; see
// synth.GenerateTLS. The benchmark captures of scripts/bench.sh:
//
//	go run ./internal/synth/cmd/tlspcap -conns 1000 -bytes 131072 -o bulk.pcap -keylog bulk.keylog
//	go run ./internal/synth/cmd/tlspcap -conns 20000 -bytes 1024 -o handshakes.pcap -keylog handshakes.keylog
//
// The same flags write the same files.
package main
