//go:build linux && !pcap

package capture

import (
	"errors"
	"io"
	"net"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// inNewNetns runs f on a thread of its own in a new, empty network
// namespace (where lo is down), or skips (fails, when root or netns is
// required: internal/testenv). The thread is not reused.
func inNewNetns(t *testing.T, f func()) {
	t.Helper()
	testenv.Need(t, "root", "a network namespace needs root")
	done := make(chan struct{})
	skip := make(chan string, 1)
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			skip <- "cannot make a network namespace: " + err.Error()
			return
		}
		f()
	}()
	<-done
	select {
	case msg := <-skip:
		testenv.Unavailable(t, "netns", "%s", msg)
	default:
	}
}

func TestOpenLiveErrors(t *testing.T) {
	_, err := OpenLive("no-such-if0", LiveOptions{})
	if err == nil || !strings.Contains(err.Error(), `no interface "no-such-if0"`) {
		t.Errorf("unknown interface: %v", err)
	}
	inNewNetns(t, func() {
		_, err := OpenLive("lo", LiveOptions{})
		if err == nil || !strings.Contains(err.Error(), "interface lo is down") {
			t.Errorf("interface down: %v", err)
		}
	})
}

// TestLiveLoopback sniffs lo in a namespace of its own while a TCP
// connection goes over it: every packet is seen once (lo shows the kernel
// each one twice, outgoing and incoming), the filter runs in the kernel,
// and Stop ends Next with io.EOF.
func TestLiveLoopback(t *testing.T) {
	t.Parallel()
	testenv.Need(t, "ip", "lo cannot be brought up in the namespace")
	bothPaths(t, func(t *testing.T, noRing bool, method string) { liveLoopback(t, noRing, method) })
}

// bothPaths runs f as a subtest on the TPACKET_V3 ring and on the
// recvmsg fallback, named after the method (the summary's capture_method).
func bothPaths(t *testing.T, f func(t *testing.T, noRing bool, method string)) {
	for _, noRing := range []bool{false, true} {
		method := "tpacket_v3"
		if noRing {
			method = "recvmsg"
		}
		t.Run(method, func(t *testing.T) { f(t, noRing, method) })
	}
}

func liveLoopback(t *testing.T, noRing bool, method string) {
	inNewNetns(t, func() {
		if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
			t.Errorf("ip link set lo up: %v: %s", err, out)
			return
		}
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Error(err)
			return
		}
		defer ln.Close()
		port := ln.Addr().(*net.TCPAddr).Port
		src, err := OpenLive("lo", LiveOptions{Filter: "tcp port " + strconv.Itoa(port), Tick: 100 * time.Millisecond, NoRing: noRing})
		if err != nil {
			t.Error(err)
			return
		}
		defer src.Close()
		if !src.LiveStats().KernelFilter {
			t.Error("the filter is not in the kernel")
		}
		if m := src.LiveStats().Method; m != method {
			t.Errorf("read by %s, want %s (%s)", m, method, src.LiveStats().RingError)
		}
		go func() {
			c, err := ln.Accept()
			if err == nil {
				io.Copy(io.Discard, c)
				c.Close()
			}
		}()
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			t.Error(err)
			return
		}
		c.Write([]byte("hello"))
		c.Close()
		time.AfterFunc(time.Second, src.Stop)
		syn, synack, data, total := 0, 0, 0, 0
		for {
			p, err := src.Next()
			if errors.Is(err, ErrNoPacket) {
				continue
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Error(err)
				return
			}
			total++
			if p.File != "lo" || p.FileNum != uint64(total) || p.Num != uint64(total) || len(p.Data) == 0 {
				t.Errorf("packet %d: File %q FileNum %d Num %d, %d bytes", total, p.File, p.FileNum, p.Num, len(p.Data))
			}
			if p.TCP == nil {
				t.Errorf("packet %d has no TCP layer", total)
				continue
			}
			switch {
			case p.TCP.SYN && !p.TCP.ACK:
				syn++
			case p.TCP.SYN && p.TCP.ACK:
				synack++
			case len(p.TCP.Payload) > 0:
				data++
			}
		}
		if syn != 1 || synack != 1 || data != 1 {
			t.Errorf("saw %d SYN, %d SYN-ACK, %d data packets; want one each (%d packets)", syn, synack, data, total)
		}
		ls := src.LiveStats()
		if ls.KernelPackets != uint64(total)+ls.Outgoing || ls.KernelDrops != 0 {
			t.Errorf("kernel counted %d packets, %d drops; want %d (delivered and outgoing copies), 0", ls.KernelPackets, ls.KernelDrops, uint64(total)+ls.Outgoing)
		}
		if ls.Outgoing == 0 {
			t.Errorf("no outgoing loopback copies skipped: %+v", ls)
		}
		t.Logf("%d packets, %+v", total, ls)
	})
}
