package filter

// Built-in name tables. There is no /etc/services or /etc/protocols lookup:
// the tables below are all the names Compile knows.

// services maps well-known service names to port numbers (IANA).
var services = map[string]uint16{
	"ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25,
	"domain": 53, "bootps": 67, "bootpc": 68, "tftp": 69, "http": 80, "www": 80,
	"kerberos": 88, "pop3": 110, "nntp": 119, "ntp": 123, "imap": 143, "imap2": 143,
	"snmp": 161, "bgp": 179, "ldap": 389, "https": 443, "microsoft-ds": 445,
	"smtps": 465, "syslog": 514, "submission": 587, "nntps": 563, "ldaps": 636,
	"ftps-data": 989, "ftps": 990, "imaps": 993, "pop3s": 995, "openvpn": 1194,
	"mysql": 3306, "ms-wbt-server": 3389, "sip": 5060, "sips": 5061,
	"xmpp-client": 5222, "xmpp-server": 5269, "postgresql": 5432,
	"ircs-u": 6697, "http-alt": 8080, "https-alt": 8443,
}

// ipProtos maps names accepted after "ip proto", "ip6 proto" and "proto".
var ipProtos = map[string]uint8{
	"icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ah": 51,
	"icmp6": 58, "ospf": 89, "pim": 103, "vrrp": 112, "sctp": 132,
}

// etherProtos maps names accepted after "ether proto".
var etherProtos = map[string]uint16{
	"ip": 0x0800, "arp": 0x0806, "rarp": 0x8035, "ip6": 0x86dd,
}

// constants are the named values usable in arithmetic (pcap-filter(7)).
var constants = map[string]uint32{
	"tcpflags": 13, "tcp-fin": 0x01, "tcp-syn": 0x02, "tcp-rst": 0x04,
	"tcp-push": 0x08, "tcp-ack": 0x10, "tcp-urg": 0x20, "tcp-ece": 0x40,
	"tcp-cwr": 0x80,

	"icmptype": 0, "icmpcode": 1,
	"icmp-echoreply": 0, "icmp-unreach": 3, "icmp-sourcequench": 4,
	"icmp-redirect": 5, "icmp-echo": 8, "icmp-routeradvert": 9,
	"icmp-routersolicit": 10, "icmp-timxceed": 11, "icmp-paramprob": 12,
	"icmp-tstamp": 13, "icmp-tstampreply": 14, "icmp-ireq": 15,
	"icmp-ireqreply": 16, "icmp-maskreq": 17, "icmp-maskreply": 18,

	"icmp6type": 0, "icmp6code": 1,
	"icmp6-destinationunreach": 1, "icmp6-packettoobig": 2,
	"icmp6-timeexceeded": 3, "icmp6-parameterproblem": 4, "icmp6-echo": 128,
	"icmp6-echoreply": 129, "icmp6-multicastlistenerquery": 130,
	"icmp6-multicastlistenerreportv1": 131, "icmp6-multicastlistenerdone": 132,
	"icmp6-routersolicit": 133, "icmp6-routeradvert": 134,
	"icmp6-neighborsolicit": 135, "icmp6-neighboradvert": 136,
	"icmp6-redirect": 137, "icmp6-routerrenum": 138,
	"icmp6-multicastlistenerreportv2": 143,
}

// unsupported are libpcap keywords this package does not implement. Naming
// them in the error beats calling them unknown hostnames.
var unsupported = map[string]bool{
	"gateway": true, "atalk": true, "aarp": true, "decnet": true, "iso": true,
	"esis": true, "es-is": true, "isis": true, "is-is": true, "clnp": true,
	"l1": true, "l2": true, "iih": true, "lsp": true, "snp": true, "csnp": true,
	"psnp": true, "stp": true, "ipx": true, "netbeui": true, "lat": true,
	"sca": true, "moprc": true, "mopdl": true, "wlan": true, "type": true,
	"subtype": true, "dir": true, "addr1": true, "addr2": true, "addr3": true,
	"addr4": true, "ra": true, "ta": true, "mpls": true, "pppoed": true,
	"pppoes": true, "geneve": true, "vxlan": true, "llc": true, "ifname": true,
	"on": true, "rnr": true, "rulenum": true, "reason": true, "rset": true,
	"ruleset": true, "srnr": true, "subrulenum": true, "action": true,
	"fddi": true, "tr": true, "ppp": true, "slip": true, "radio": true,
	"protochain": true, "inbound": true, "outbound": true, "lane": true,
	"oam": true, "oamf4": true, "oamf4ec": true, "oamf4sc": true,
	"metac": true, "bcc": true, "sc": true, "ilmic": true, "connectmsg": true,
	"metaconnect": true, "vpi": true, "vci": true, "fisu": true, "lssu": true,
	"msu": true, "hfisu": true, "hlssu": true, "hmsu": true, "sio": true,
	"opc": true, "dpc": true, "sls": true, "hsio": true, "hopc": true,
	"hdpc": true, "hsls": true, "carp": true, "vrrp": true, "ah": true,
	"esp": true, "pim": true, "igrp": true,
}

// hyphenWords are the names that contain '-'; the lexer keeps them whole.
var hyphenWords = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range []map[string]bool{unsupported} {
		for k := range t {
			m[k] = true
		}
	}
	for k := range services {
		m[k] = true
	}
	for k := range constants {
		m[k] = true
	}
	return m
}()
