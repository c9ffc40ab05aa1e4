//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/testenv"
)

// TestLiveRingRate sends a shipped TLS 1.3 capture, copied ringCopies
// times with a client port of its own each (so many connections), as
// fast as one thread can write it to the far end of a veth pair, while
// ssldissect sniffs the near end with the capture's key log. The burst
// (about 20 MB) fits in the memory-mapped ring, so however far the parser
// falls behind, the kernel must drop nothing: every frame sent is counted
// by the kernel and delivered, and every connection is decrypted, as many
// as ssldissect finds (and decrypts) in the file, times the copies. It
// runs with one worker and with --workers 2 (the sharded pipeline on a
// live capture).
func TestLiveRingRate(t *testing.T) {
	if testing.Short() {
		t.Skip("live capture test: not in -short mode")
	}
	t.Parallel()
	testenv.Need(t, "root", "live capture test: network namespaces need root")
	testenv.Need(t, "ip", "live capture test: the namespaces need it")
	const ringCopies = 400
	pcap := filepath.Join("..", "..", "testdata", "pcaps", "openssl-tls13-aes256-gcm.pcap")
	keylog := strings.TrimSuffix(pcap, ".pcap") + ".keylog"
	bin := ssldissectBinary(t)

	// The file: what one copy holds.
	out, err := exec.Command(bin, "dissect", "--format", "json", "-l", keylog, pcap).Output()
	if err != nil {
		t.Fatalf("ssldissect on the file: %v", err)
	}
	fileSum, _ := readNDJSON(t, out)
	fileConns, fileDec := num(fileSum["connections"]), num(fileSum["decrypted_connections"])
	if fileConns == 0 || fileDec != fileConns {
		t.Fatalf("the file has %d connections, %d decrypted: not a usable capture", fileConns, fileDec)
	}
	frames := copiedFrames(t, pcap, ringCopies)
	keylogAbs, err := filepath.Abs(keylog)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers %d", workers), func(t *testing.T) {
			liveRingRate(t, bin, keylogAbs, frames, workers, ringCopies*fileConns)
		})
	}
}

func liveRingRate(t *testing.T, bin, keylogAbs string, frames [][]byte, workers, wantConns int) {
	id := (os.Getpid()*2 + workers) % 100000
	nsA, nsB := fmt.Sprintf("sdring%da", id), fmt.Sprintf("sdring%db", id)
	vethPair(t, nsA, nsB, "sdrA", "sdrB")

	dir := t.TempDir()
	var sniffOut bytes.Buffer
	var sniffErr lockedBuffer
	sniff := exec.Command("ip", "netns", "exec", nsA, bin, "dissect", "-i", "sdrA", "-l", keylogAbs,
		"--key-wait", "0", "--format", "json", "--workers", fmt.Sprint(workers))
	sniff.Dir, sniff.Env, sniff.Stdout = dir, envWithout("SSLKEYLOGFILE"), &sniffOut
	startAndWait(t, sniff, &sniffErr, "listening on")
	t.Cleanup(func() { sniff.Process.Kill() })

	start := time.Now()
	bytesSent := sendFrames(t, nsB, "sdrB", frames)
	took := time.Since(start)
	t.Logf("sent %d frames, %d bytes in %v: %.0f Mbit/s, %.0f packets/s", len(frames), bytesSent, took,
		float64(bytesSent)*8/took.Seconds()/1e6, float64(len(frames))/took.Seconds())
	// The frames are in the ring once the receive path has run; Stop
	// then delivers what the ring holds.
	time.Sleep(300 * time.Millisecond)
	sniff.Process.Signal(syscall.SIGTERM)
	if err := sniff.Wait(); err != nil {
		t.Fatalf("ssldissect -i: %v\n%s", err, sniffErr.String())
	}
	sum, conns := readNDJSON(t, sniffOut.Bytes())
	t.Logf("summary: %v", sum)
	if m := sum["capture_method"]; m != "tpacket_v3" {
		t.Errorf("capture_method %v, want tpacket_v3\n%s", m, sniffErr.String())
	}
	for _, f := range []string{"kernel_drops", "queue_drops", "kernel_freezes"} {
		if v, ok := sum[f]; !ok || num(v) != 0 {
			t.Errorf("%s = %v, want 0", f, v)
		}
	}
	if kp, p := num(sum["kernel_packets"]), num(sum["packets"]); kp != len(frames) || p != len(frames) {
		t.Errorf("kernel_packets %d, packets %d; want the %d frames sent", kp, p, len(frames))
	}
	if c, d := num(sum["connections"]), num(sum["decrypted_connections"]); c != wantConns || d != c {
		t.Errorf("%d connections, %d decrypted; want %d, all decrypted", c, d, wantConns)
	}
	if len(conns) != wantConns {
		t.Errorf("%d connection objects, want %d", len(conns), wantConns)
	}
	// Connection ids in order of first packet, as one worker gives them.
	for i, c := range conns {
		if num(c["id"]) != i+1 {
			t.Errorf("connection object %d has id %v", i+1, c["id"])
			break
		}
	}
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// vethPair makes two namespaces joined by a veth pair (MTU 1500, IPv6
// off so that nothing but the test's frames crosses it), removed at the
// end of the test.
func vethPair(t *testing.T, nsA, nsB, ifA, ifB string) {
	t.Helper()
	for _, ns := range []string{nsA, nsB} {
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			testenv.Unavailable(t, "netns", "ip netns add: %v: %s", err, out)
		}
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	}
	for _, c := range [][]string{
		{"ip", "link", "add", ifA, "netns", nsA, "mtu", "1500", "type", "veth", "peer", "name", ifB, "netns", nsB, "mtu", "1500"},
		{"ip", "netns", "exec", nsA, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"},
		{"ip", "netns", "exec", nsB, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"},
		{"ip", "netns", "exec", nsA, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"},
		{"ip", "netns", "exec", nsB, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"},
		{"ip", "-n", nsA, "link", "set", ifA, "up"},
		{"ip", "-n", nsB, "link", "set", ifB, "up"},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			testenv.Unavailable(t, "netns", "%s: %v: %s", strings.Join(c, " "), err, out)
		}
	}
}

// copiedFrames reads an Ethernet/IPv4/TCP capture of connections and
// returns its frames n times over, the client port of copy i moved to
// 20000+i (checksums made again).
func copiedFrames(t *testing.T, pcap string, n int) [][]byte {
	t.Helper()
	src, err := capture.OpenFiles([]string{pcap}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var orig [][]byte
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		orig = append(orig, append([]byte(nil), p.Data...))
	}
	var client layers.TCPPort
	var out [][]byte
	for i := range n {
		for _, f := range orig {
			pk := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
			eth, _ := pk.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
			ip, _ := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			tcp, _ := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
			if eth == nil || ip == nil || tcp == nil {
				t.Fatalf("%s: a frame that is not Ethernet/IPv4/TCP", pcap)
			}
			if client == 0 && tcp.SYN && !tcp.ACK {
				client = tcp.SrcPort
			}
			port := layers.TCPPort(20000 + i)
			switch client {
			case tcp.SrcPort:
				tcp.SrcPort = port
			case tcp.DstPort:
				tcp.DstPort = port
			default:
				t.Fatalf("%s: a frame of another connection (client port %d)", pcap, client)
			}
			tcp.SetNetworkLayerForChecksum(ip)
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
				eth, ip, tcp, gopacket.Payload(tcp.Payload)); err != nil {
				t.Fatal(err)
			}
			out = append(out, buf.Bytes())
		}
	}
	return out
}

// sendFrames writes frames to iface of the named namespace, from a
// thread of its own moved there, as fast as the socket takes them; it
// returns the bytes sent.
func sendFrames(t *testing.T, ns, iface string, frames [][]byte) int {
	t.Helper()
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		n, err := func() (int, error) {
			f, err := os.Open("/var/run/netns/" + ns)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
				return 0, fmt.Errorf("setns: %w", err)
			}
			ifi, err := net.InterfaceByName(iface)
			if err != nil {
				return 0, err
			}
			fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return 0, err
			}
			defer unix.Close(fd)
			if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index}); err != nil {
				return 0, err
			}
			sent := 0
			for _, fr := range frames {
				for {
					_, err := unix.Write(fd, fr)
					if errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
						runtime.Gosched()
						continue
					}
					if err != nil {
						return sent, err
					}
					break
				}
				sent += len(fr)
			}
			return sent, nil
		}()
		done <- result{n, err}
	}()
	r := <-done
	if r.err != nil {
		t.Fatalf("sending on %s in %s: %v", iface, ns, r.err)
	}
	return r.n
}
