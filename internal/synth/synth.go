package synth

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Options tune Generate.
type Options struct {
	// Size is the output size in bytes to reach: Generate stops after the
	// first whole connection copy that takes the file to Size or beyond,
	// then finishes the copies in flight.
	Size int64
	// Interleave is how many connection copies are in flight at once
	// (default 8).
	Interleave int
	// Start is the timestamp of the first packet (default 2026-01-01 UTC).
	Start time.Time
	// Step is the time between two output packets (default 10µs).
	Step time.Duration
}

// Stats says what Generate wrote.
type Stats struct {
	Templates   int   // TCP connections found in the inputs
	Connections int   // connection copies written
	Packets     int64 // packets written
	Bytes       int64 // file size, headers included
}

// Template is one TCP connection of an input capture, as IP packets.
type Template struct {
	Name    string    // file and connection number, for messages
	Packets []tmplPkt // in capture order
	bytes   int
	// nth is the connection's place in its input file (0 for the first):
	// a later connection may resume the session of an earlier one, whose
	// ticket it needs to have been seen first (Generate).
	nth int
}

type tmplPkt struct {
	ip      []byte // IP header onwards, as captured (IPv4 or IPv6)
	fromCli bool   // sent by the client
	v6      bool
	l4off   int // offset of the TCP header in ip
	l4len   int // TCP header + payload length
}

// LoadTemplates reads classic pcap files (Ethernet, Linux cooked, raw IP,
// BSD loopback) and returns one template per TCP connection, in order of
// first packet. The client of a connection is the sender of the SYN, or of
// the first packet seen when the SYN is missing.
func LoadTemplates(files ...string) ([]*Template, error) {
	var out []*Template
	for _, name := range files {
		ts, err := loadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	if len(out) == 0 {
		return nil, errors.New("synth: no TCP connection in the inputs")
	}
	return out, nil
}

type connKey struct {
	a, b [16]byte
	pa   uint16
	pb   uint16
}

func loadFile(name string) ([]*Template, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if len(data) < 24 {
		return nil, fmt.Errorf("synth: %s: too short for a pcap file", name)
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(data) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("synth: %s: not a classic pcap file (pcapng is not supported; convert with editcap -F pcap)", name)
	}
	link := bo.Uint32(data[20:]) & 0xffff
	var conns []*Template
	index := map[connKey]int{}
	clients := map[connKey][16]byte{}
	clientPort := map[connKey]uint16{}
	off := 24
	for off+16 <= len(data) {
		incl := int(bo.Uint32(data[off+8:]))
		orig := int(bo.Uint32(data[off+12:]))
		off += 16
		if incl > len(data)-off {
			break // truncated last record
		}
		frame := data[off : off+incl]
		off += incl
		if incl < orig {
			continue // snapped: the copy would be short of payload
		}
		ip := stripLink(link, frame)
		p, src, dst, sp, dp, syn, ack, ok := parseIP(ip)
		if !ok {
			continue
		}
		k := connKey{a: src, b: dst, pa: sp, pb: dp}
		if string(src[:]) > string(dst[:]) || (src == dst && sp > dp) {
			k = connKey{a: dst, b: src, pa: dp, pb: sp}
		}
		i, seen := index[k]
		if !seen {
			i = len(conns)
			index[k] = i
			conns = append(conns, &Template{Name: fmt.Sprintf("%s#%d", name, i), nth: i})
			clients[k], clientPort[k] = src, sp
		}
		if syn && !ack && len(conns[i].Packets) == 0 {
			clients[k], clientPort[k] = src, sp
		}
		p.fromCli = clientIs(clients[k], clientPort[k], src, sp)
		p.ip = append([]byte(nil), ip[:p.l4off+p.l4len]...)
		conns[i].Packets = append(conns[i].Packets, p)
		conns[i].bytes += 16 + 14 + len(p.ip)
	}
	return conns, nil
}

func clientIs(cli [16]byte, cport uint16, src [16]byte, sport uint16) bool {
	return cli == src && cport == sport
}

// stripLink returns the IP packet in a frame, or nil.
func stripLink(link uint32, f []byte) []byte {
	switch link {
	case 1: // Ethernet
		if len(f) < 14 {
			return nil
		}
		et, off := binary.BigEndian.Uint16(f[12:]), 14
		for (et == 0x8100 || et == 0x88a8) && len(f) >= off+4 {
			et, off = binary.BigEndian.Uint16(f[off+2:]), off+4
		}
		if et != 0x0800 && et != 0x86dd {
			return nil
		}
		return f[off:]
	case 113: // Linux cooked
		if len(f) < 16 {
			return nil
		}
		return f[16:]
	case 276: // Linux cooked v2
		if len(f) < 20 {
			return nil
		}
		return f[20:]
	case 0, 108: // BSD loopback
		if len(f) < 4 {
			return nil
		}
		return f[4:]
	case 12, 14, 101, 228, 229: // raw IP
		return f
	}
	return nil
}

// parseIP finds the TCP segment in an IP packet.
func parseIP(ip []byte) (p tmplPkt, src, dst [16]byte, sp, dp uint16, syn, ack, ok bool) {
	if len(ip) < 20 {
		return
	}
	var l4 []byte
	switch ip[0] >> 4 {
	case 4:
		hl := int(ip[0]&0xf) * 4
		tot := int(binary.BigEndian.Uint16(ip[2:]))
		if hl < 20 || tot < hl || tot > len(ip) || ip[9] != 6 {
			return
		}
		if binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 {
			return // fragment
		}
		copy(src[12:], ip[12:16])
		copy(dst[12:], ip[16:20])
		p.l4off, l4 = hl, ip[hl:tot]
	case 6:
		if len(ip) < 40 || ip[6] != 6 { // no extension headers
			return
		}
		pl := int(binary.BigEndian.Uint16(ip[4:]))
		if 40+pl > len(ip) {
			return
		}
		copy(src[:], ip[8:24])
		copy(dst[:], ip[24:40])
		p.v6, p.l4off, l4 = true, 40, ip[40:40+pl]
	default:
		return
	}
	if len(l4) < 20 || int(l4[12]>>4)*4 < 20 || int(l4[12]>>4)*4 > len(l4) {
		return
	}
	p.l4len = len(l4)
	sp, dp = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
	syn, ack = l4[13]&0x02 != 0, l4[13]&0x10 != 0
	ok = true
	return
}

// Generate writes a pcap of about opt.Size bytes to w.
func Generate(w io.Writer, tmpls []*Template, opt Options) (Stats, error) {
	if len(tmpls) == 0 {
		return Stats{}, errors.New("synth: no templates")
	}
	if opt.Interleave <= 0 {
		opt.Interleave = 8
	}
	if opt.Start.IsZero() {
		opt.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if opt.Step <= 0 {
		opt.Step = 10 * time.Microsecond
	}
	// Every file's first connections, then their second ones, and so on:
	// a connection that resumes an earlier one of its file (a TLS 1.2
	// ticket whose key log line is left out) then starts long after the
	// connection that issued its ticket, whatever the files around it.
	tmpls = slices.Clone(tmpls)
	slices.SortStableFunc(tmpls, func(a, b *Template) int { return a.nth - b.nth })
	nextCopy := 0
	planned := int64(24) // bytes of the copies started so far
	next := func() (*Template, error) {
		if planned >= opt.Size && nextCopy > 0 {
			return nil, nil
		}
		t := tmpls[nextCopy%len(tmpls)]
		nextCopy++
		planned += int64(t.bytes)
		return t, nil
	}
	st, err := interleave(w, opt, next)
	st.Templates = len(tmpls)
	return st, err
}

// interleave writes a pcap of the connections next returns, until it
// returns nil: opt.Interleave of them in flight at once, their packets
// alternating one by one, packet i at opt.Start + i*opt.Step. Connection
// n (counted from 0 in the order next returns them) gets client address
// 10.0.0.0+n+1 and port 1024+n mod 64000 (appendPacket).
func interleave(w io.Writer, opt Options, next func() (*Template, error)) (Stats, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	st := Stats{Bytes: 24}
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	if _, err := bw.Write(hdr); err != nil {
		return st, err
	}

	type slot struct {
		t    *Template
		copy int // copy number, unique across the file
		next int // next packet
	}
	slots := make([]*slot, opt.Interleave)
	nextCopy := 0
	start := func() (*slot, error) {
		t, err := next()
		if t == nil || err != nil {
			return nil, err
		}
		s := &slot{t: t, copy: nextCopy}
		nextCopy++
		return s, nil
	}
	var err error
	for i := range slots {
		if slots[i], err = start(); err != nil {
			return st, err
		}
	}
	buf := make([]byte, 0, 16+14+65536)
	ts := opt.Start
	for live := true; live; {
		live = false
		for i, s := range slots {
			for s != nil && s.next >= len(s.t.Packets) {
				st.Connections++
				if s, err = start(); err != nil {
					return st, err
				}
				slots[i] = s
			}
			if s == nil {
				continue
			}
			live = true
			buf = appendPacket(buf[:0], ts, s.t.Packets[s.next], s.copy)
			s.next++
			ts = ts.Add(opt.Step)
			if _, err := bw.Write(buf); err != nil {
				return st, err
			}
			st.Packets++
			st.Bytes += int64(len(buf))
		}
	}
	return st, bw.Flush()
}

var (
	macCli = []byte{0x02, 0, 0, 0, 0, 1}
	macSrv = []byte{0x02, 0, 0, 0, 0, 2}
)

// appendPacket appends the pcap record of packet p of copy n.
func appendPacket(b []byte, ts time.Time, p tmplPkt, n int) []byte {
	l := 14 + len(p.ip)
	b = binary.LittleEndian.AppendUint32(b, uint32(ts.Unix()))
	b = binary.LittleEndian.AppendUint32(b, uint32(ts.Nanosecond()/1000))
	b = binary.LittleEndian.AppendUint32(b, uint32(l))
	b = binary.LittleEndian.AppendUint32(b, uint32(l))
	if p.fromCli {
		b = append(b, macSrv...)
		b = append(b, macCli...)
	} else {
		b = append(b, macCli...)
		b = append(b, macSrv...)
	}
	if p.v6 {
		b = append(b, 0x86, 0xdd)
	} else {
		b = append(b, 0x08, 0x00)
	}
	ip := len(b)
	b = append(b, p.ip...)
	pkt := b[ip:]
	tcp := pkt[p.l4off:]
	// Copy n: client address 10.0.0.0 + n + 1 (IPv4) or low 32 bits n + 1
	// (IPv6); client port 1024 + n mod 64000.
	addr := uint32(n%(1<<24-2)) + 1
	port := uint16(1024 + n%64000)
	var addrAt, portAt int
	switch {
	case p.v6 && p.fromCli:
		addrAt, portAt = 8+12, 0
	case p.v6:
		addrAt, portAt = 24+12, 2
	case p.fromCli:
		addrAt, portAt = 12, 0
	default:
		addrAt, portAt = 16, 2
	}
	if p.v6 {
		binary.BigEndian.PutUint32(pkt[addrAt:], addr)
	} else {
		binary.BigEndian.PutUint32(pkt[addrAt:], 10<<24|addr)
	}
	binary.BigEndian.PutUint16(tcp[portAt:], port)
	// Checksums.
	var sum uint32
	if p.v6 {
		sum = sum16(pkt[8:40], 0) + 6 + uint32(p.l4len)
	} else {
		pkt[10], pkt[11] = 0, 0
		binary.BigEndian.PutUint16(pkt[10:], fold(sum16(pkt[:p.l4off], 0)))
		sum = sum16(pkt[12:20], 0) + 6 + uint32(p.l4len)
	}
	tcp[16], tcp[17] = 0, 0
	binary.BigEndian.PutUint16(tcp[16:], fold(sum16(tcp[:p.l4len], sum)))
	return b
}

func sum16(b []byte, s uint32) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

func fold(s uint32) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// WriteKeyLog concatenates key log files to w, each once, with a newline
// between them when a file does not end with one.
func WriteKeyLog(w io.Writer, files ...string) error {
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// Inputs lists the pcap files matching the glob pattern and, for each that
// has a key log (the same name with .keylog or .txt for .pcap), the file
// and its key log; captures without one are left out.
func Inputs(pattern string) (pcaps, keylogs []string, err error) {
	pcaps, err = filepath.Glob(pattern)
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(pcaps)
	keyed := pcaps[:0]
	for _, p := range pcaps {
		base := strings.TrimSuffix(p, filepath.Ext(p))
		for _, ext := range []string{".keylog", ".txt"} {
			if _, err := os.Stat(base + ext); err == nil {
				keylogs = append(keylogs, base+ext)
				keyed = append(keyed, p)
				break
			}
		}
	}
	// Captures without a key log (those decrypted with an RSA key only)
	// are left out, so that every generated connection decrypts.
	return keyed, keylogs, nil
}

// GenerateFile loads the pcaps, writes a capture of opt.Size bytes to out
// and, when keylogOut is not empty, the concatenated key logs to keylogOut.
func GenerateFile(out string, pcaps []string, keylogOut string, keylogs []string, opt Options) (Stats, error) {
	tmpls, err := LoadTemplates(pcaps...)
	if err != nil {
		return Stats{}, err
	}
	f, err := os.Create(out)
	if err != nil {
		return Stats{}, err
	}
	st, err := Generate(f, tmpls, opt)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return st, err
	}
	if keylogOut != "" {
		k, err := os.Create(keylogOut)
		if err != nil {
			return st, err
		}
		err = WriteKeyLog(k, keylogs...)
		if cerr := k.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return st, err
		}
	}
	return st, nil
}
