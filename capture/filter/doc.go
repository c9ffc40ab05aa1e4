// Package filter compiles tcpdump filter expressions (the pcap-filter(7)
// language) and matches them against decoded packets, in pure Go: no
// libpcap, no BPF virtual machine, no cgo.
//
//	f, err := filter.Compile("tcp port 443 and not host 10.0.0.1")
//	if err != nil { ... }          // *filter.Error: message and column
//	if f.Match(&meta) { ... }      // meta filled by the capture package
//	fmt.Println(f)                 // canonical form, compiles back to the same filter
//
// Compile never panics, whatever the string; Match never panics, whatever
// the Meta. A Filter is immutable and safe for concurrent use. The empty
// expression matches every packet.
//
// # Supported grammar
//
// Primitives, with the type (host, net, port, portrange), direction (src,
// dst, src or dst, src and dst) and protocol (ether, ip, ip6, arp, rarp,
// tcp, udp, sctp) qualifiers of pcap-filter(7):
//
//	[ip|ip6|arp|rarp] [dir] host ADDR     IPv4 or IPv6 literal; a partial IPv4
//	                                      address ("10.1") or a number, as libpcap
//	[ip|ip6|arp|rarp] [dir] net NET       NET/len, NET mask M, or partial IPv4 ("net 10")
//	[dir] ADDR                            host, when a direction is given
//	[tcp|udp|sctp] [dir] port P           number or a built-in service name
//	[tcp|udp|sctp] [dir] portrange LO-HI
//	ether [dir] host MAC, ether src|dst MAC  aa:bb:cc:dd:ee:ff, aa-bb-..., aabb.ccdd.eeff
//	ether proto N                         number, or \ip \ip6 \arp \rarp
//	ip proto N, ip6 proto N, proto N      number, or \tcp \udp \icmp \icmp6 \sctp \igmp ...
//	ether broadcast, ether multicast, broadcast, multicast
//	ip broadcast (0.0.0.0 or 255.255.255.255, as tcpdump -r with no netmask)
//	ip multicast, ip6 multicast
//	ip ip6 arp rarp tcp udp sctp icmp icmp6 igmp
//	vlan [ID]
//	less N, greater N                     wire length <= N, >= N
//	EXPR RELOP EXPR                       relations: = == != < <= > >=
//
// Arithmetic is 32-bit unsigned with + - * / % & | ^ << >> and unary -,
// numbers in decimal, 0x hex or 0 octal, len (the wire length), the accessors
// PROTO[EXPR] and PROTO[EXPR:SIZE] (SIZE 1, 2 or 4, big-endian) for ether,
// link, ip, ip6, arp, rarp, tcp, udp, sctp, icmp, icmp6 and igmp, and the
// named constants tcpflags, tcp-fin, tcp-syn, tcp-rst, tcp-push, tcp-ack,
// tcp-urg, tcp-ece, tcp-cwr, icmptype, icmpcode, icmp6type, icmp6code and
// the icmp-* and icmp6-* type names. Operator precedence is libpcap's: from
// loosest to tightest | & (<< >>) (+ -) (* /) and unary minus; libpcap gives
// % and ^ no precedence, so they take the operand just before them as the
// left side and all the arithmetic after them as the right side
// ("a * b ^ c + d" is "a * (b ^ (c + d))"), and so does this package.
//
// Boolean operators are and/&&, or/||, not/! and parentheses. As
// pcap-filter(7) says, negation has the highest precedence, and alternation
// and concatenation have equal precedence and associate left to right:
// "tcp or udp and port 53" is "(tcp or udp) and port 53".
//
// A bare value after and/or takes the qualifiers of the primitive before it,
// as in tcpdump: "host a or b" is "host a or host b", "tcp port 80 or 443"
// is "tcp port 80 or tcp port 443", and "port 80 and not 443" or
// "port 80 and (443 or 8080)" work too. After a term with nothing to carry
// (a relation, "tcp", "vlan", ...) a bare value is an error, as in tcpdump.
//
// Keywords that are also protocol names may be escaped with a backslash
// (ip proto \tcp), as tcpdump requires; this package also accepts them
// unescaped after proto.
//
// # Semantics
//
// They follow tcpdump's (libpcap's code generator):
//
//   - A primitive or relation whose protocol is absent is false: tcp[13] = 2
//     on a UDP packet is false, and so is port 53 on a non-first fragment.
//   - A load past the end of the captured bytes rejects the packet outright,
//     as BPF does, whatever surrounds it: "not tcp[100] = 0" is false on a
//     short TCP segment. Evaluation goes left to right and stops early, so
//     "tcp or tcp[100] = 0" matches it. A zero divisor at run time rejects
//     too; a constant zero divisor, or a constant shift over 31, is a
//     compile error, as in libpcap.
//   - tcp[], udp[], sctp[], icmp[] and igmp[] only look at IPv4 packets (the
//     BUGS section of pcap-filter(7)); icmp6[] looks at IPv6 packets. The
//     bare protocol primitives tcp, udp and sctp and port tests cover both.
//   - host and net without a protocol qualifier also test the sender and
//     target protocol addresses of ARP and RARP packets.
//   - Port names come from a built-in table of well-known services (http,
//     https, smtp, smtps, submission, imap, imaps, pop3, pop3s, ldap, ldaps,
//     ftp, ftps, domain, ssh, telnet, mysql, postgresql, xmpp-client,
//     xmpp-server, ...); there is no /etc/services lookup.
//
// Deliberate differences from libpcap, because Meta is already decoded:
//
//   - vlan: libpcap reads a VLAN tag and then moves the offsets of every later
//     primitive past it, so tcpdump's "tcp" does not match a tagged TCP
//     packet unless "vlan and tcp" is written. Here Meta.EtherType, L3 and L4
//     are already past the tags, so "tcp" matches tagged and untagged
//     packets alike, and "vlan [ID]" is only a test on Meta.VLANs. As in
//     libpcap, the Nth vlan primitive of the expression, counting left to
//     right, looks at the Nth tag (outermost first): "vlan 100 and vlan 200"
//     matches an outer tag 100 carrying an inner tag 200.
//   - The protocol of every accessor in a relation must be present. libpcap
//     drops the protocol test of the right operand of an arithmetic
//     operator, so for tcpdump "ip[2:2] - (tcp[12] >> 2) > 0" reads tcp[12]
//     out of UDP headers; here it is false on UDP packets. Write
//     "tcp and ..." to get the same result from both.
//   - ip6 proto, proto and the transport primitives use Meta.Proto, the
//     protocol after all IPv6 extension headers, and tcp[]/icmp6[] index
//     Meta.L4, the transport header wherever it starts. libpcap looks at the
//     fixed IPv6 header (and a fragment header) only.
//   - "-" is an operator wherever it is not part of a known name, so
//     "len-1 > 0" compiles here, where libpcap's scanner takes "len-1" for a
//     name.
//
// # Not supported
//
// Compile fails, naming the word and its column, on: hostnames and any DNS
// lookup ("filter: hostnames are not supported: ..."); gateway; protochain;
// the link types and protocols atalk, aarp, decnet, iso, esis, isis, clnp,
// stp, ipx, netbeui, lat, sca, moprc, mopdl, llc, fddi, tr, ppp, slip, wlan
// and its type/subtype/dir/addr1-4/ra/ta, radio, mpls, pppoed, pppoes,
// geneve, vxlan, the pflog fields (ifname, on, rnr, rulenum, reason, rset,
// ruleset, srnr, subrulenum, action), inbound, outbound, ATM and SS7
// primitives (vpi, vci, lane, oam..., fisu, lssu, msu, sio, opc, dpc, sls,
// ...), and the protocols ah, esp, pim, vrrp, carp and igrp as primitives
// (their numbers still work after "ip proto"); ip6 broadcast; non-contiguous
// netmasks; "mask" with IPv6. Errors are *Error values:
//
//	filter: "gateway" is not supported (at column 1)
package filter
