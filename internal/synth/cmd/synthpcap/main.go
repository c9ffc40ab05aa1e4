package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ssldissect/ssldissect/internal/synth"
)

func main() {
	size := flag.String("size", "100M", "output size: bytes, or with a K, M or G suffix (powers of 1024)")
	out := flag.String("o", "synth.pcap", "output pcap")
	keylog := flag.String("keylog", "", "also write the inputs' key logs, concatenated, to this file")
	inter := flag.Int("interleave", 8, "connections in flight at once")
	step := flag.Duration("step", 10*time.Microsecond, "time between two packets (10µs: 100k packets/s)")
	flag.Parse()
	n, err := parseSize(*size)
	if err != nil {
		fail(err)
	}
	args := flag.Args()
	if len(args) == 0 {
		args = []string{"testdata/pcaps/*.pcap"}
	}
	var pcaps, keylogs []string
	for _, a := range args {
		p, k, err := synth.Inputs(a)
		if err != nil {
			fail(err)
		}
		pcaps, keylogs = append(pcaps, p...), append(keylogs, k...)
	}
	if len(pcaps) == 0 {
		fail(fmt.Errorf("no capture matches %q", args))
	}
	st, err := synth.GenerateFile(*out, pcaps, *keylog, keylogs, synth.Options{Size: n, Interleave: *inter, Step: *step})
	if err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "synthpcap: %s: %d bytes, %d packets, %d connections from %d templates in %d files; %d key logs\n",
		*out, st.Bytes, st.Packets, st.Connections, st.Templates, len(pcaps), len(keylogs))
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "synthpcap:", err)
	os.Exit(1)
}
