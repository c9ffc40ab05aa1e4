package main

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/ssldissect/ssldissect/internal/hostile"
)

func main() {
	var o hostile.Options
	flag.IntVar(&o.Alerts, "alerts", 0, "alert records the client sends")
	flag.IntVar(&o.Certificates, "certs", 0, "certificates in the server's chain")
	flag.IntVar(&o.ALPN, "alpn", 0, "ALPN protocols the ClientHello offers")
	flag.IntVar(&o.RecordMessages, "record-messages", 0, "hello_request messages in one server record")
	flag.IntVar(&o.RecordAlerts, "record-alerts", 0, "alerts in one client record")
	with := flag.String("with", "", "an Ethernet pcap whose packets are mixed in, by time")
	out := flag.String("o", "hostile.pcap", "output pcap")
	flood := flag.Int("flood", 0, "write this many flows that open and never close instead (a SYN each, and a ClientHello with -flood-hello)")
	floodHello := flag.Bool("flood-hello", false, "with -flood: each flow's client sends a ClientHello after its SYN")
	floodStep := flag.Duration("flood-step", time.Microsecond, "with -flood: time between two frames")
	flag.Parse()
	if *flood > 0 {
		o := hostile.FloodOptions{Flows: *flood, Hello: *floodHello, Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Step: *floodStep}
		if err := writeFlood(o, *out); err != nil {
			fmt.Fprintln(os.Stderr, "hostilepcap:", err)
			os.Exit(1)
		}
		return
	}
	if err := write(o, *with, *out); err != nil {
		fmt.Fprintln(os.Stderr, "hostilepcap:", err)
		os.Exit(1)
	}
}

func write(o hostile.Options, with, out string) error {
	conv, err := hostile.Conversation(o)
	if err != nil {
		return err
	}
	var other []hostile.Frame
	t0, step := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Microsecond
	if with != "" {
		if other, err = hostile.ReadPcap(with); err != nil {
			return err
		}
		if len(other) > 0 {
			t0 = other[0].Time.Add(-time.Millisecond)
		}
	}
	frames, err := hostile.Frames(conv, netip.MustParseAddrPort("192.0.2.66:40000"), netip.MustParseAddrPort("192.0.2.67:443"), t0, step)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := hostile.WritePcap(f, hostile.Merge(frames, other)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeFlood(o hostile.FloodOptions, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := hostile.Flood(f, o); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
