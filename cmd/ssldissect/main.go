package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ssldissect/ssldissect/reassembly"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `ssldissect: a passive SSL/TLS traffic analyzer and record dissector

Usage:
    ssldissect [dissect] [flags] FILE...   every record and handshake message (default)
    ssldissect audit     [flags] FILE...   versions, cipher suites, key exchange,
                                           certificates and fingerprints, rated
    ssldissect version

FILE is a pcap or pcapng file, gzip-compressed or not; "-" is standard input.
Several files are read as one capture, merged by time. TLS is found by content
on any TCP port, also after a STARTTLS exchange; QUIC (v1, v2, drafts, Google
QUIC) and DTLS by content on any UDP port, QUIC's Initial packets decrypted
without keys.

Input:
    -i, --interface IFACE  sniff a live interface instead of files
    -f, --filter EXPR      BPF filter in tcpdump syntax (files and live capture)
    -c, --count N          stop after N packets
        --duration D       stop after D of capture time (e.g. 30s, 5m)
    -w, --write FILE       live capture: also save the packets as pcapng, with the
                           key-log secrets embedded (Decryption Secrets Blocks)
        --key-wait D       live capture with key logs: parse each packet D after it
                           was captured, so that secrets written late still apply
                           (default 1.5s)

Keys:
    -l, --keylog FILE      NSS key log (SSLKEYLOGFILE format); repeatable.
                           $SSLKEYLOGFILE is read when no -l is given.
                           pcapng Decryption Secrets Blocks are used automatically.
    -k, --rsa-key FILE     PEM RSA private key for static-RSA key exchange; repeatable

Output:
        --format F         dissect: text (default) or json (NDJSON)
                           audit: table (default), json, csv or markdown
        --plaintext-dir D  write each connection's decrypted application data
                           to D/<id>.c2s and D/<id>.s2c (QUIC: each stream's,
                           to D/<id>.s<stream>.c2s and .s2c); what is missing
                           (records not decrypted, bytes not captured) is listed,
                           never filled in, in D/<id>.c2s.gaps and .s2c.gaps as
                           "offset length" lines
        --write-decrypted FILE
                           dissect: write the decrypted application data as a
                           pcapng file of clean synthetic TCP connections (original
                           addresses, ports and times, no TLS bytes) for tshark,
                           Zeek or Suricata; QUIC: a TCP connection per stream;
                           DTLS: UDP datagrams; gaps skipped in sequence numbers
    -x, --hex              dissect text: hex dump of decrypted application data
    -a, --ascii            dissect text: decrypted application data as text
        --fail-on R        audit: exit with status 3 if anything rated R or worse
                           was seen (R is weak or insecure)
        --interval D       audit with -i: also print the report every D (e.g. 1m)

Limits:
        --idle-timeout D   flush a connection idle this long in capture time (default 2m)
        --max-pages N      reassembly buffer pages in total, 1900 bytes each (default 65536)
        --max-conn-pages N reassembly buffer per connection, in pages' worth of
                           bytes ahead of a hole (default 256)
        --max-conns N      connections open at once, per transport (TCP, QUIC, DTLS);
                           past it the least recently active ends, end_cause
                           "evicted" (default 16384)

Performance:
        --workers N        reassemble and parse capture files on N goroutines, 1 to 64
                           (default 1): for large files on a machine with spare cores.
                           The output is the same as with 1 worker. Not with -i.

Exit status: 0 done, 1 bad usage or unreadable input, 3 audit --fail-on matched.

Examples:
    ssldissect capture.pcapng
    ssldissect dissect -l keys.log --format json capture.pcap.gz | jq 'select(.type=="connection")'
    ssldissect dissect -k server.key --plaintext-dir out/ -f 'tcp port 443' capture.pcap
    ssldissect dissect -l keys.log -f 'udp port 443' http3.pcapng
    ssldissect audit --format markdown --fail-on insecure day1.pcap day2.pcap
`

// options is the validated command line.
type options struct {
	command      string // "dissect" or "audit"
	files        []string
	iface        string
	filter       string
	count        int64
	duration     time.Duration
	keylogs      []string
	rsaKeys      []string
	format       string
	plaintextDir string
	hex, ascii   bool
	failOn       string
	interval     time.Duration
	idleTimeout  time.Duration
	maxPages     int
	maxConnPages int
	maxConns     int
	write        string        // -w: pcapng file for live capture
	keyWait      time.Duration // live: how long packets wait for key-log lines
	workers      int           // reassembly and parsing goroutines (files)

	writeDecrypted string // --write-decrypted: pcapng file (decrypted.go)
}

// maxWorkers bounds --workers: more goroutines than cores only add
// hand-off work.
const maxWorkers = 64

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{command: "dissect"}
	if len(args) > 0 {
		switch args[0] {
		case "dissect", "audit":
			o.command = args[0]
			args = args[1:]
		case "version":
			o.command = "version"
			if len(args) > 1 {
				return nil, usagef("", "version takes no arguments")
			}
			return o, nil
		case "help":
			o.command = "help"
			return o, nil
		}
	}

	fs := flag.NewFlagSet("ssldissect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var keylogs, rsaKeys stringList
	str := func(p *string, def string, names ...string) {
		for _, n := range names {
			fs.StringVar(p, n, def, "")
		}
	}
	boolean := func(p *bool, names ...string) {
		for _, n := range names {
			fs.BoolVar(p, n, false, "")
		}
	}
	str(&o.iface, "", "i", "interface")
	str(&o.filter, "", "f", "filter")
	fs.Int64Var(&o.count, "c", 0, "")
	fs.Int64Var(&o.count, "count", 0, "")
	fs.DurationVar(&o.duration, "duration", 0, "")
	str(&o.write, "", "w", "write")
	fs.DurationVar(&o.keyWait, "key-wait", 1500*time.Millisecond, "")
	fs.Var(&keylogs, "l", "")
	fs.Var(&keylogs, "keylog", "")
	fs.Var(&rsaKeys, "k", "")
	fs.Var(&rsaKeys, "rsa-key", "")
	str(&o.format, "", "format")
	str(&o.plaintextDir, "", "plaintext-dir")
	str(&o.writeDecrypted, "", "write-decrypted")
	boolean(&o.hex, "x", "hex")
	boolean(&o.ascii, "a", "ascii")
	str(&o.failOn, "", "fail-on")
	fs.DurationVar(&o.interval, "interval", 0, "")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 2*time.Minute, "")
	fs.IntVar(&o.maxPages, "max-pages", 65536, "")
	fs.IntVar(&o.maxConnPages, "max-conn-pages", 256, "")
	fs.IntVar(&o.maxConns, "max-conns", reassembly.DefaultMaxConns, "")
	fs.IntVar(&o.workers, "workers", 1, "")
	var help bool
	boolean(&help, "h", "help")

	// Flags and file names may be interleaved, as in tcpdump and tshark.
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef("run 'ssldissect --help' for the flags", "%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		o.files = append(o.files, args[0])
		args = args[1:]
		if len(args) > 0 && args[0] == "--" {
			o.files = append(o.files, args[1:]...)
			break
		}
	}
	if help {
		o.command = "help"
		return o, nil
	}
	o.keylogs, o.rsaKeys = keylogs, rsaKeys
	return o, o.validate()
}

// validate checks flag combinations before any work is done.
func (o *options) validate() error {
	if o.iface != "" && len(o.files) > 0 {
		return usagef("give either -i IFACE or files", "both an interface and files were given")
	}
	if o.iface == "" && len(o.files) == 0 {
		return usagef("name a pcap or pcapng file, '-' for standard input, or -i IFACE", "no input")
	}
	stdin := 0
	for _, f := range o.files {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usagef("", "standard input ('-') can be read only once")
	}
	if o.count < 0 {
		return usagef("", "-c must not be negative")
	}
	if o.duration < 0 {
		return usagef("", "--duration must not be negative")
	}
	if o.keyWait < 0 {
		return usagef("", "--key-wait must not be negative")
	}
	if o.write != "" && o.iface == "" {
		return usagef("-w saves a live capture; add -i IFACE", "-w needs -i")
	}
	switch o.command {
	case "dissect":
		if o.format == "" {
			o.format = "text"
		}
		if o.format != "text" && o.format != "json" {
			return usagef("dissect takes --format text or json", "unknown format %q", o.format)
		}
		if o.failOn != "" {
			return usagef("use 'ssldissect audit --fail-on ...'", "--fail-on is an audit flag")
		}
		if o.interval != 0 {
			return usagef("use 'ssldissect audit -i IFACE --interval ...'", "--interval is an audit flag")
		}
		if (o.hex || o.ascii) && o.format != "text" {
			return usagef("--hex and --ascii shape the text output", "--hex/--ascii need --format text")
		}
		if o.hex && o.ascii {
			return usagef("", "choose one of --hex and --ascii")
		}
	case "audit":
		if o.format == "" {
			o.format = "table"
		}
		switch o.format {
		case "table", "json", "csv", "markdown":
		default:
			return usagef("audit takes --format table, json, csv or markdown", "unknown format %q", o.format)
		}
		switch o.failOn {
		case "", "weak", "insecure":
		default:
			return usagef("use --fail-on weak or --fail-on insecure", "unknown rating %q", o.failOn)
		}
		if o.hex || o.ascii {
			return usagef("", "--hex and --ascii are dissect flags")
		}
		if o.writeDecrypted != "" {
			return usagef("use 'ssldissect dissect --write-decrypted ...'", "--write-decrypted is a dissect flag")
		}
		if o.interval < 0 {
			return usagef("", "--interval must be positive")
		}
		if o.interval > 0 && o.iface == "" {
			return usagef("the report of a file is printed once, at its end", "--interval needs live capture (-i)")
		}
	}
	if o.idleTimeout <= 0 {
		return usagef("", "--idle-timeout must be positive")
	}
	if o.maxPages <= 0 || o.maxConnPages <= 0 || o.maxConns <= 0 {
		return usagef("", "--max-pages, --max-conn-pages and --max-conns must be positive")
	}
	if o.workers < 1 || o.workers > maxWorkers {
		return usagef("--workers 1 is the single-threaded pipeline", "--workers must be from 1 to %d", maxWorkers)
	}
	if o.workers > 1 && o.iface != "" {
		return usagef("live capture runs on one worker", "--workers applies to capture files, not -i")
	}
	if len(o.keylogs) == 0 {
		if env := os.Getenv("SSLKEYLOGFILE"); env != "" {
			o.keylogs = []string{env}
		}
	}
	return nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	switch o.command {
	case "help":
		_, err := io.WriteString(stdout, usage)
		return err
	case "version":
		_, err := fmt.Fprintf(stdout, "ssldissect %s\n", version)
		return err
	}
	return dissect(o, stdin, stdout, stderr)
}
