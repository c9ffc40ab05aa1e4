// Package capture reads packets from capture files and decodes them down
// to the TCP layer, for the reassembly package to follow.
//
// # Input
//
// OpenFiles takes pcap and pcapng files, "-" for standard input. A file
// compressed with gzip is recognised by its content, not its name. Several
// files are read as one capture: their packets are merged by timestamp, as
// mergecap does (ties go to the file named first), and Packet.Num counts
// across all of them while Packet.FileNum is the frame number within its
// file, as Wireshark shows it.
//
// Classic pcap files are read in either byte order, with microsecond or
// nanosecond timestamps, including the "modified" variant with 24-byte
// record headers. pcapng files (draft-ietf-opsawg-pcapng) are read by a
// block reader of this package: several sections per file, each in its own
// byte order; any number of interfaces, each with its own link type,
// if_tsresol and if_tsoffset; Enhanced, Simple and the obsolete Packet
// blocks. Decryption Secrets Blocks are handed to Options.OnSecrets in file
// order, before the packets that follow them. Other blocks are skipped.
//
// # Decoding
//
// Frames are decoded with a gopacket DecodingLayerParser into layers that
// are reused from packet to packet: a Packet, and every byte slice it
// points into, is valid only until the next call to Next. Supported link
// types: Ethernet (with stacked 802.1Q and 802.1ad VLAN tags), Linux cooked
// capture v1 and v2 (SLL, SLL2), raw IP (LINKTYPE_RAW and the BSD DLT_RAW
// values 12 and 14, LINKTYPE_IPV4, LINKTYPE_IPV6), and BSD loopback (NULL
// and LOOP). Frames of other link types are delivered without a TCP layer,
// and the first one of each type in a file is reported as a warning.
//
// The common frames (Ethernet, with or without VLAN tags, or raw IP,
// carrying an IPv4 header without options that is no fragment, or an IPv6
// header without extension headers, then TCP or UDP) are read by a direct
// decoder (fast.go) instead, which decodes the TCP or UDP header with
// gopacket's own layer and leaves everything else to the parser; its
// results are the parser's (TestFastDecoderSameAsGopacket, and the
// differential fuzz target FuzzDecodeDirect). A classic pcap record that
// fits the 256 KiB read buffer is handed out from that buffer itself.
//
// A Source that is one of several readers of the same files, each taking
// a share of the connections (Sharder: the workers of a sharded run),
// skims the frames the direct decoder would decode as TCP: it reads their
// addresses and ports in place and hashes them (FlowHash), and delivers
// those of other shards counted but not decoded. The same differential
// test and fuzz target hold the skim to the direct decoder.
//
// IPv4 (RFC 791) and IPv6 (RFC 8200, with its extension headers) are
// decoded, and fragmented datagrams are reassembled with gopacket's
// ip4defrag and ip6defrag: the packet that completes a datagram carries the
// TCP segment of the whole datagram. Reassembly holds at most 64 MiB of
// waiting fragments; past that, what waits is dropped and counted. UDP is
// decoded only for its ports, except for the tunnels below.
//
// # Tunnels
//
// Tunnels are opened down to the innermost IP packet and its TCP segment:
// GTPv1-U (3GPP TS 29.281; UDP port 2152, either side; G-PDUs only, with
// the optional sequence number, N-PDU number and extension headers, the
// T-PDU being IPv4 or IPv6), GRE (RFC 2784 and RFC 2890: checksum, key and
// sequence number; payload IPv4, IPv6 or Ethernet by transparent Ethernet
// bridging, 0x6558), VXLAN (RFC 7348; UDP destination port 4789, an
// Ethernet frame with its VLAN tags inside), and IPv4 or IPv6 in IPv4 or
// IPv6 (protocols 4 and 41, RFC 2003 and RFC 4213). Tunnels nest up to 4
// deep; a packet deeper than that is delivered without its TCP layer.
// Tunnel headers are read with cryptobyte, not gopacket's layers (STYLE
// rule 1; gopacket's GTPv1U works in uint16 offsets and refuses a G-PDU
// whose length runs past a cut capture). A malformed or cut tunnel header
// counts the frame in Stats.DecodeErrs and gives no TCP layer; GRE with
// routing or version 1 (PPTP), GTP-U signalling messages and T-PDUs that
// are not IP are left closed. Stats.Tunnels counts the tunnel headers
// opened. Packet.Net and Packet.TCP are those of the innermost packet, so
// connections are keyed by the inner addresses; fragments are reassembled
// at every level, outer datagrams before they are opened, inner ones
// within the tunnel.
//
// # Filters
//
// Options.Filter is a tcpdump expression compiled by capture/filter and
// matched against a filter.Meta built from each frame. A frame that
// completes a fragmented datagram is matched with the transport header of
// the whole datagram, so that a filter on ports keeps it; fragments that
// complete nothing are matched as they are.
//
// The filter.Meta describes the outer headers of a tunneled packet, as
// tcpdump matches them: "udp port 2152" keeps GTP-U traffic with the TLS
// it carries, and "tcp port 443" does not see TLS inside a tunnel.
//
// # Damaged input
//
// Nothing in a file makes this package panic, and lengths are checked
// against a 256 MiB cap before anything is allocated. A file that is not a
// capture file at all makes OpenFiles fail. A file damaged further on
// delivers every packet before the damage, then reports a *FileError
// naming the file, the packet number and the offset through
// Options.OnWarning, and the other files go on. A well-framed pcapng block
// whose contents contradict its section (an unknown interface, a captured
// length beyond the block) is reported and skipped.
//
// # Live capture
//
// OpenLive sniffs a network interface (live_linux.go: an AF_PACKET socket
// through golang.org/x/sys/unix, no cgo; live_stub.go elsewhere). Packets
// are numbered as for a file, with File the interface name. The filter is
// also compiled to classic BPF (filter.EthernetBPF) and attached to the
// socket where it can be; Match decides in every case. On loopback the
// outgoing copy of each packet is skipped. The socket is read through a
// TPACKET_V3 memory-mapped ring (live_ring_linux.go): Next walks the frames
// of a block the kernel handed over in place, and gives the block back when
// it moves past its last frame; the ring's size is LiveOptions.QueueBytes.
// Where the ring cannot be set up (or LiveOptions.NoRing), a reader
// goroutine copies frames, one recvmsg each, into a bounded queue
// (LiveOptions.QueuePackets, QueueBytes), and LiveStats.RingError says why.
// Both paths put back the VLAN tag the kernel took out of a frame. Next can
// hold each frame for LiveOptions.Hold after its capture, so that key-log
// lines written just after it are read first. LiveOptions.FanoutGroup joins
// a PACKET_FANOUT group (flow hash, symmetric, with defragmentation), so
// that several captures share an interface flow by flow. Stop ends the
// capture from any goroutine; LiveStats has the kernel's
// PACKET_STATISTICS (with the ring, tp_freeze_q_cnt too). NGWriter writes
// pcapng files with Decryption Secrets Blocks.
//
// # Not here
//
// The package does not follow TCP streams (see reassembly), does not read
// the pcapng Name Resolution and Interface Statistics blocks, and does not
// use the pcapng per-packet options (flags, hashes, comments). A libpcap
// live source (the pcap build tag) is not written. Only the library's
// callers print or exit.
package capture
