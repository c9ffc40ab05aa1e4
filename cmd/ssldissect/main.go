package main

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ssldissect/ssldissect/internal/editdist"
	"github.com/ssldissect/ssldissect/internal/selectexpr"
	"github.com/ssldissect/ssldissect/reassembly"
)

// version, when set at build time with -ldflags "-X main.version=...",
// is the version printed; otherwise it comes from the build info
// (versionFrom).
var version = ""

// pseudoVersion matches the tail of a Go pseudo-version
// (v0.0.0-20250101120000-abcdef123456), as go build stamps on a checkout
// with no tag.
var pseudoVersion = regexp.MustCompile(`[-.][0-9]{14}-[0-9a-f]{12}(\+.*)?$`)

// versionString is the version "ssldissect --version" prints.
func versionString() string {
	if version != "" {
		return version
	}
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(bi)
}

// versionFrom is the version a build's info gives: a tagged module
// version as it is (go install ...@v1.2.0, or a build at a tag); else,
// built from a git checkout, the commit's first 12 hex digits, with
// "-dirty" when the work tree had changes; else a pseudo-version that go
// install stamped; else "devel".
func versionFrom(bi *debug.BuildInfo) string {
	if bi == nil {
		return "devel"
	}
	v := bi.Main.Version
	if v == "(devel)" {
		v = ""
	}
	if v != "" && !pseudoVersion.MatchString(v) {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "-dirty"
		}
		return rev
	}
	if v != "" {
		return v
	}
	return "devel"
}

// The blocks of flag rows that dissect's and audit's --help share
// (written once: the flag table of the man page reads both texts).
const inputHelp = `Input:
    -i, --interface IFACE  sniff a live interface instead of files
    -f, --filter EXPR      BPF filter in tcpdump syntax (files and live capture)
    -c, --count N          stop after N packets
        --duration D       stop after D of capture time (e.g. 30s, 5m)
    -w, --write FILE       live capture: also save the packets as pcapng, with the
                           key-log secrets embedded (Decryption Secrets Blocks)
        --key-wait D       live capture with key logs: parse each packet D after it
                           was captured, so that secrets written late still apply
                           (default 1.5s)
        --fanout-group ID  live capture: join PACKET_FANOUT group ID (1 to 65535) on
                           the interface, so that several ssldissect processes share
                           its traffic, each flow (both directions) going to one

`

const keysHelp = `    -l, --keylog FILE      NSS key log (SSLKEYLOGFILE format); repeatable.
                           $SSLKEYLOGFILE is read when no -l is given.
                           pcapng Decryption Secrets Blocks are used automatically.
    -k, --rsa-key FILE     PEM RSA private key for static-RSA key exchange; repeatable

`

const limitsHelp = `Limits:
        --idle-timeout D   flush a connection idle this long in capture time (default 2m)
        --max-pages N      reassembly buffer pages in total, 1900 bytes each (default 65536)
        --max-conn-pages N reassembly buffer per connection, in pages' worth of
                           bytes ahead of a hole (default 256)
        --max-conns N      connections open at once, per transport (TCP, QUIC, DTLS);
                           past it the least recently active ends, end_cause
                           "evicted" (default 16384)

`

const performanceHelp = `Performance:
        --workers N        reassemble, parse and decrypt (dissect: and format)
                           on N goroutines, 1 to 64 (default: one per core for
                           files, 1 with -i). The output is the same as with 1
                           worker.

`

const usage = `ssldissect: a passive SSL/TLS traffic analyzer and record dissector

Usage:
    ssldissect [dissect] [flags] FILE...   every record and handshake message (default)
    ssldissect audit     [flags] FILE...   versions, cipher suites, key exchange,
                                           certificates and fingerprints, rated
    ssldissect version                     the version (also --version)
    ssldissect audit --help                the audit's own flags

FILE is a pcap or pcapng file, gzip-compressed or not; "-" is standard input.
Several files are read as one capture, merged by time. TLS is found by content
on any TCP port, also after a STARTTLS exchange; QUIC (v1, v2, drafts, Google
QUIC) and DTLS by content on any UDP port, QUIC's Initial packets decrypted
without keys.

` + inputHelp + `Keys:
` + keysHelp + `Output:
        --format F         dissect: text (default); json (NDJSON); ecs: NDJSON whose
                           connection lines use Elastic Common Schema names
                           (@timestamp, event.*, source.*, destination.*,
                           network.*, tls.*), what ECS lacks (JA4, MAC counts,
                           notes) under ssldissect.*, no record lines; or zeek:
                           Zeek's ssl.log, x509.log (and quic.log) in --log-dir.
                           audit: table (default), json, csv or markdown
        --log-dir D        dissect --format zeek: write Zeek's ssl.log, x509.log
                           (and quic.log for QUIC) to D, in Zeek's TSV format
        --zeek-json        dissect --format zeek: Zeek's JSON logs (one object a
                           line, as LogAscii::use_json) instead of TSV
        --plaintext-dir D  dissect: write each connection's decrypted application data
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
        --select EXPR      keep only the connections that EXPR matches. Their lines in
                           every format are written, their files for the flags
                           of decrypted data too (plaintext-dir, write-decrypted);
                           no others. Fields: sni, version, cipher, cipher_id,
                           alpn, ja3, ja3s, ja4, ja4s, client, server (ip:port),
                           client_ip, server_ip, client_port, server_port, ip and
                           port (either side), transport (tcp, quic, dtls), note
                           (a note code), decrypted, resumed. Operators: == and !=
                           with glob patterns (* ? [...], case-insensitive), =~
                           (Go regexp), < <= > >= (numbers; versions, SSL 2.0 <
                           ... < TLS 1.3), in (CIDR, as == with a prefix); and,
                           or, not (&&, ||, !), parentheses; a field alone is true
                           when set. Values are bare words or quoted. E.g. 'sni ==
                           *.example.com and version < "TLS 1.2"'. The summary
                           still counts all traffic, and says how many matched
    -x, --hex              dissect text: hex dump of decrypted application data
    -a, --ascii            dissect text: decrypted application data as text
    -X, --hex-records      dissect text and json: every record as captured, header
                           and protected fragment (QUIC: every packet, header
                           protection on): a hex dump under its lines in text, a
                           "hex" field in json. Decrypted data: -x or --plaintext-dir
        --fail-on R        audit: exit with status 3 if anything rated R or worse
                           was seen (R is weak or insecure)
        --interval D       audit with -i: also print the report every D (e.g. 1m)

Trust:
        --ca-file FILE     verify server chains against the roots of this PEM bundle
                           instead of the system's. Each chain is verified at its
                           connection's capture time; validation_status is in
                           Zeek's wording ("ok", "unable to get local issuer
                           certificate", "certificate has expired", ...)

` + limitsHelp + `` + performanceHelp + `Shell completion and manual page:
    ssldissect completion bash|zsh|fish   print a completion script for the shell
    ssldissect man                        print the manual page, ssldissect(1)

Exit status: 0 done, 1 bad usage or unreadable input, 3 audit --fail-on matched.

Examples:
    ssldissect capture.pcapng
    ssldissect dissect -l keys.log --format json capture.pcap.gz | jq 'select(.type=="connection")'
    ssldissect dissect -k server.key --plaintext-dir out/ -f 'tcp port 443' capture.pcap
    ssldissect dissect -l keys.log -f 'udp port 443' http3.pcapng
    ssldissect dissect --format ecs capture.pcapng > tls.ndjson   # for Filebeat
    ssldissect dissect --format zeek --log-dir logs/ capture.pcap && zeek-cut server_name < logs/ssl.log
    ssldissect audit --format markdown --fail-on insecure day1.pcap day2.pcap
`

// auditUsage is the help of the audit subcommand: its flags only (the
// input, key and limit flags are dissect's, worded alike).
const auditUsage = `ssldissect audit: versions, cipher suites, key exchange, certificates and
fingerprints of a capture, rated

Usage:
    ssldissect audit [flags] FILE...
    ssldissect audit -i IFACE [--interval D] [flags]

FILE is a pcap or pcapng file, gzip-compressed or not; "-" is standard input.
Several files are read as one capture, merged by time. The report is printed
at the end of the run (with -i, also every --interval).

` + inputHelp + `Keys (TLS 1.3 certificates are encrypted on the wire: audited only with keys):
` + keysHelp + `Trust:
        --ca-file FILE     verify server chains against the roots of this PEM bundle
                           instead of the system's, each at its connection's capture
                           time (the validation table, cert_untrusted findings)

Output:
        --format F         table (default), json, csv or markdown (with -i, json is
                           one object per line: each --interval snapshot, then the last)
        --fail-on R        exit with status 3 if anything rated R or worse was seen
                           (R is weak or insecure)
        --select EXPR      audit only the connections that EXPR matches. Its fields
                           and operators are dissect's (see 'ssldissect --help'),
                           e.g. 'server_ip in 10.0.0.0/8 and not resumed'
        --interval D       with -i: also print the report every D (e.g. 1m)

` + limitsHelp + `` + performanceHelp + `The dissect flags --plaintext-dir, --write-decrypted, -x, -a, -X, --log-dir
and --zeek-json are refused.

Exit status: 0 done, 1 bad usage or unreadable input, 3 --fail-on matched.

Examples:
    ssldissect audit capture.pcap
    ssldissect audit --format markdown -l keys.log day1.pcap day2.pcap > audit.md
    ssldissect audit --format json --fail-on insecure capture.pcapng | jq '.findings[]'
`

// options is the validated command line.
type options struct {
	command      string // "dissect" or "audit"
	files        []string
	flags        *flag.FlagSet
	iface        string
	filter       string
	count        int64
	duration     time.Duration
	keylogs      []string
	rsaKeys      []string
	format       string
	plaintextDir string
	logDir       string // --format zeek: where the logs go
	zeekJSON     bool   // --format zeek: JSON lines instead of TSV
	hex, ascii   bool
	hexRecords   bool // -X: every record as captured
	failOn       string
	interval     time.Duration
	idleTimeout  time.Duration
	maxPages     int
	maxConnPages int
	maxConns     int
	write        string        // -w: pcapng file for live capture
	keyWait      time.Duration // live: how long packets wait for key-log lines
	fanoutGroup  int           // live: PACKET_FANOUT group, 0 for none
	workers      int           // reassembly and parsing goroutines (files)
	caFile       string        // --ca-file: root bundle for chain verification
	roots        *x509.CertPool

	writeDecrypted string // --write-decrypted: pcapng file (decrypted.go)

	selectSrc  string           // --select (select.go)
	selectExpr *selectexpr.Expr // parsed by validate
}

// maxWorkers bounds --workers: more goroutines than cores only add
// hand-off work.
const maxWorkers = 64

// defaultWorkers is --workers when not given: one per core the Go runtime
// may use (GOMAXPROCS) for files, one for a live capture, whose output
// would otherwise lag the wire by up to 50 ms more.
func defaultWorkers(live bool) int {
	if live {
		return 1
	}
	return min(runtime.GOMAXPROCS(0), maxWorkers)
}

// durationFlag is a duration flag whose error says what a duration looks
// like (flag.DurationVar says only "parse error").
type durationFlag time.Duration

func newDurationFlag(p *time.Duration, def time.Duration) *durationFlag {
	*p = def
	return (*durationFlag)(p)
}

func (d *durationFlag) String() string { return time.Duration(*d).String() }

func (d *durationFlag) Set(v string) error {
	x, err := time.ParseDuration(v)
	if err != nil {
		if _, nerr := strconv.ParseFloat(v, 64); nerr == nil {
			return fmt.Errorf("a duration needs a unit, e.g. %ss or %sm (units: ns, us, ms, s, m, h)", v, v)
		}
		return errors.New("not a duration: give a number with a unit, e.g. 5s, 10m or 1h30m")
	}
	*d = durationFlag(x)
	return nil
}

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
			if len(args) > 1 && args[1] == "audit" {
				o.command = "help audit"
			}
			return o, nil
		default:
			if err := mistypedCommand(args[0]); err != nil {
				return nil, err
			}
		}
	}

	fs := flag.NewFlagSet("ssldissect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.flags = fs // the flag table, for the man page and completions
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
	fs.Var(newDurationFlag(&o.duration, 0), "duration", "")
	str(&o.write, "", "w", "write")
	fs.Var(newDurationFlag(&o.keyWait, 1500*time.Millisecond), "key-wait", "")
	fs.IntVar(&o.fanoutGroup, "fanout-group", 0, "")
	fs.Var(&keylogs, "l", "")
	fs.Var(&keylogs, "keylog", "")
	fs.Var(&rsaKeys, "k", "")
	fs.Var(&rsaKeys, "rsa-key", "")
	str(&o.format, "", "format")
	str(&o.plaintextDir, "", "plaintext-dir")
	str(&o.logDir, "", "log-dir")
	boolean(&o.zeekJSON, "zeek-json")
	str(&o.writeDecrypted, "", "write-decrypted")
	boolean(&o.hex, "x", "hex")
	boolean(&o.ascii, "a", "ascii")
	boolean(&o.hexRecords, "X", "hex-records")
	str(&o.failOn, "", "fail-on")
	fs.Var(newDurationFlag(&o.interval, 0), "interval", "")
	fs.Var(newDurationFlag(&o.idleTimeout, 2*time.Minute), "idle-timeout", "")
	fs.IntVar(&o.maxPages, "max-pages", 65536, "")
	fs.IntVar(&o.maxConnPages, "max-conn-pages", 256, "")
	fs.IntVar(&o.maxConns, "max-conns", reassembly.DefaultMaxConns, "")
	fs.IntVar(&o.workers, "workers", 0, "") // 0: not given (defaultWorkers)
	str(&o.caFile, "", "ca-file")
	str(&o.selectSrc, "", "select")
	var help, showVersion bool
	boolean(&help, "h", "help")
	boolean(&showVersion, "version")

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
	if showVersion && !help {
		o.command = "version"
		return o, nil
	}
	if help {
		if o.command == "audit" {
			o.command = "help audit"
		} else {
			o.command = "help"
		}
		return o, nil
	}
	o.keylogs, o.rsaKeys = keylogs, rsaKeys
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "workers" })
	if !given {
		o.workers = defaultWorkers(o.iface != "")
	}
	return o, o.validate()
}

// commands are the subcommands, for mistypedCommand.
var commands = []string{"dissect", "audit", "version", "help"}

// mistypedCommand refuses a first argument that is no file, no flag and
// no subcommand but within two edits of one ("disect"), naming the
// subcommand meant; anything else is left to be read as a file.
func mistypedCommand(arg string) error {
	if arg == "" || arg[0] == '-' || strings.ContainsAny(arg, "./") {
		return nil
	}
	if _, err := os.Stat(arg); err == nil {
		return nil
	}
	best, dist := "", 3
	for _, c := range commands {
		if d := editdist.Distance(arg, c); d < dist {
			best, dist = c, d
		}
	}
	if best == "" {
		return nil
	}
	return usagef(fmt.Sprintf("did you mean %s? (run 'ssldissect --help' for the commands)", best), "unknown command %q, and no such file", arg)
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
	if o.fanoutGroup != 0 && o.iface == "" {
		return usagef("a fanout group shares an interface; add -i IFACE", "--fanout-group needs -i")
	}
	if o.fanoutGroup < 0 || o.fanoutGroup > 0xffff {
		return usagef("", "--fanout-group must be from 1 to 65535")
	}
	switch o.command {
	case "dissect":
		if o.format == "" {
			o.format = "text"
		}
		if o.format != "text" && o.format != "json" && o.format != "ecs" && o.format != "zeek" {
			return usagef("dissect takes --format text, json, ecs or zeek", "unknown format %q", o.format)
		}
		if err := o.validateZeek(); err != nil {
			return err
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
		if o.hexRecords && o.format != "text" && o.format != "json" {
			return usagef("-X dumps records in the text and json output", "--hex-records needs --format text or json")
		}
	case "audit":
		if o.logDir != "" || o.zeekJSON {
			return usagef("use 'ssldissect dissect --format zeek --log-dir DIR'", "--log-dir and --zeek-json are dissect flags")
		}
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
		if o.hexRecords {
			return usagef("use 'ssldissect dissect -X ...'", "--hex-records is a dissect flag")
		}
		if o.plaintextDir != "" {
			return usagef("use 'ssldissect dissect --plaintext-dir ...'", "--plaintext-dir is a dissect flag")
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
	if err := o.parseSelect(); err != nil {
		return err
	}
	if err := o.loadRoots(); err != nil {
		return err
	}
	if len(o.keylogs) == 0 {
		if env := os.Getenv("SSLKEYLOGFILE"); env != "" {
			o.keylogs = []string{env}
		}
	}
	return nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if ok, err := docsCommand(args, stdout); ok {
		return err
	}
	o, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	switch o.command {
	case "help":
		_, err := io.WriteString(stdout, usage)
		return err
	case "help audit":
		_, err := io.WriteString(stdout, auditUsage)
		return err
	case "version":
		_, err := fmt.Fprintf(stdout, "ssldissect %s\n", versionString())
		return err
	}
	return dissect(o, stdin, stdout, stderr)
}
