// Package capture reads packets from pcap and pcapng files (plain or gzip,
// several files merged by time, standard input) and decodes them to the TCP
// layer.
package capture
