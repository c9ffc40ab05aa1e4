// Command hostilepcap writes a capture of one hostile TLS connection
// (package hostile), optionally mixed with the connections of an Ethernet
// pcap, for measuring what the per-connection caps save:
//
//	go run ./internal/hostile/cmd/hostilepcap -alerts 2000000 -o /tmp/alerts.pcap
//	/usr/bin/time -v ssldissect --format json /tmp/alerts.pcap > /dev/null
package main
