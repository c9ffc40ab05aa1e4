//go:build !linux || pcap

package capture

// OpenLive is not available in this build: live capture uses AF_PACKET on
// Linux. The pcap build tag is reserved for a libpcap implementation
// (live_pcap.go), which is not written yet.
func OpenLive(iface string, opt LiveOptions) (Live, error) {
	return nil, ErrLiveUnsupported
}
