// Key shares and signatures follow Config.Rand only with this setting
// (see synth.GenerateTLS): it makes the output a function of the flags.
//
//go:debug cryptocustomrand=1
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/ssldissect/ssldissect/internal/synth"
)

func main() {
	conns := flag.Int("conns", 100, "TLS connections")
	bytes := flag.Int64("bytes", 128<<10, "application data per connection, both directions (the client sends a quarter, at most 1 KiB)")
	seed := flag.Uint64("seed", 1, "seed of every random choice (keys, nonces, write sizes, sequence numbers)")
	out := flag.String("o", "tls.pcap", "output pcap")
	keylog := flag.String("keylog", "", "key log output (default: the pcap's name with .keylog)")
	inter := flag.Int("interleave", 8, "connections in flight at once")
	step := flag.Duration("step", 10*time.Microsecond, "time between two packets (10µs: 100k packets/s)")
	verbose := flag.Bool("v", false, "print the connections of each variant")
	flag.Parse()
	if flag.NArg() > 0 || *conns <= 0 || *bytes <= 0 {
		fmt.Fprintln(os.Stderr, "usage: tlspcap [-conns N] [-bytes N] [-seed N] [-o FILE] [-keylog FILE]")
		os.Exit(2)
	}
	if *keylog == "" {
		*keylog = trimExt(*out) + ".keylog"
	}
	t0 := time.Now()
	st, err := synth.GenerateTLSFile(*out, *keylog, synth.TLSOptions{Conns: *conns, Bytes: *bytes, Seed: *seed, Interleave: *inter, Step: *step})
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlspcap:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "tlspcap: %s: %d bytes, %d packets, %d connections, application data %d + %d bytes; %s; %.1fs\n",
		*out, st.Bytes, st.Packets, st.Connections, st.AppBytes[0], st.AppBytes[1], *keylog, time.Since(t0).Seconds())
	if !st.Deterministic {
		fmt.Fprintln(os.Stderr, "tlspcap: warning: key generation ignored the seed (GODEBUG cryptocustomrand=0?): the capture is not reproducible")
	}
	if *verbose {
		names := make([]string, 0, len(st.Suites))
		for n := range st.Suites {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(os.Stderr, "  %6d %s\n", st.Suites[n], n)
		}
	}
}

func trimExt(s string) string {
	for i := len(s) - 1; i >= 0 && s[i] != '/'; i-- {
		if s[i] == '.' {
			return s[:i]
		}
	}
	return s
}
