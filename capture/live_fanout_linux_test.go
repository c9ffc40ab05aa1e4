//go:build linux && !pcap

package capture

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// TestLiveFanout opens two sockets in one PACKET_FANOUT group on one end
// of a veth pair and sends TCP and UDP flows, both directions of each,
// into the other end: every frame reaches exactly one of the sockets,
// every flow (both directions) is wholly on one of them, and both get
// some flows. It runs on the ring and on the recvmsg fallback.
func TestLiveFanout(t *testing.T) {
	t.Parallel()
	testenv.Need(t, "ip", "the veth pair cannot be made")
	bothPaths(t, func(t *testing.T, noRing bool, _ string) { liveFanout(t, noRing) })
}

// flowKey names a flow the same way in both directions.
func flowKey(p *Packet) string {
	a, b := p.Net.Src().String(), p.Net.Dst().String()
	var pa, pb uint16
	proto := "tcp"
	switch {
	case p.TCP != nil:
		pa, pb = uint16(p.TCP.SrcPort), uint16(p.TCP.DstPort)
	case p.UDP != nil:
		pa, pb, proto = uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort), "udp"
	default:
		return "other"
	}
	x, y := fmt.Sprintf("%s:%d", a, pa), fmt.Sprintf("%s:%d", b, pb)
	if x > y {
		x, y = y, x
	}
	return proto + " " + x + " " + y
}

func liveFanout(t *testing.T, noRing bool) {
	inNewNetns(t, func() {
		for _, c := range [][]string{
			{"ip", "link", "add", "fanA", "type", "veth", "peer", "name", "fanB"},
			{"ip", "link", "set", "fanA", "up"},
			{"ip", "link", "set", "fanB", "up"},
		} {
			if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
				t.Errorf("%v: %v: %s", c, err, out)
				return
			}
		}
		const group = 4242
		var socks []Live
		for range 2 {
			s, err := OpenLive("fanA", LiveOptions{FanoutGroup: group, NoRing: noRing, Filter: "ip", Tick: 50 * time.Millisecond})
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			socks = append(socks, s)
		}
		// A socket of another kind cannot join the group: the error says so.
		if s, err := OpenLive("fanB", LiveOptions{FanoutGroup: group, NoRing: noRing}); err == nil {
			s.Close()
			t.Error("a socket on another interface joined the fanout group")
		} else if !strings.Contains(err.Error(), "joining fanout group 4242") {
			t.Errorf("another interface, same group: %v", err)
		}

		const tcpFlows, udpFlows, perDir = 48, 16, 6
		frames, want := fanoutFrames(t, tcpFlows, udpFlows, perDir)
		ifi, err := net.InterfaceByName("fanB")
		if err != nil {
			t.Error(err)
			return
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer unix.Close(fd)
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index}); err != nil {
			t.Error(err)
			return
		}

		// Each socket is read by a goroutine of its own until Stop.
		seen := make([]map[string]int, len(socks))
		var wg sync.WaitGroup
		for i, s := range socks {
			seen[i] = map[string]int{}
			wg.Go(func() {
				for {
					p, err := s.Next()
					if errors.Is(err, ErrNoPacket) {
						continue
					}
					if err == io.EOF {
						return
					}
					if err != nil {
						t.Error(err)
						return
					}
					seen[i][flowKey(p)]++
				}
			})
		}
		for _, f := range frames {
			if _, err := unix.Write(fd, f); err != nil {
				t.Error(err)
				break
			}
		}
		time.Sleep(300 * time.Millisecond)
		for _, s := range socks {
			s.Stop()
		}
		wg.Wait()

		for k, n := range want {
			a, b := seen[0][k], seen[1][k]
			if a+b != n || (a != 0 && b != 0) {
				t.Errorf("%s: %d frames on socket 1, %d on socket 2; want all %d on one", k, a, b, n)
			}
		}
		for i := range seen {
			for k := range seen[i] {
				if _, ok := want[k]; !ok {
					t.Errorf("socket %d saw %d frames of %s, which was not sent", i+1, seen[i][k], k)
				}
			}
		}
		if len(seen[0]) == 0 || len(seen[1]) == 0 {
			t.Errorf("flows per socket: %d and %d; want both in use", len(seen[0]), len(seen[1]))
		}
		for i, s := range socks {
			ls := s.LiveStats()
			if ls.FanoutGroup != group || ls.KernelDrops != 0 {
				t.Errorf("socket %d: %+v", i+1, ls)
			}
			t.Logf("socket %d: %d flows, %+v", i+1, len(seen[i]), ls)
		}
	})
}

// fanoutFrames makes perDir frames each way of tcpFlows TCP and udpFlows
// UDP flows, interleaved, and the number of frames of each flow by
// flowKey.
func fanoutFrames(t *testing.T, tcpFlows, udpFlows, perDir int) ([][]byte, map[string]int) {
	want := map[string]int{}
	var frames [][]byte
	macA := net.HardwareAddr{2, 0, 0, 0, 0, 0xa}
	macB := net.HardwareAddr{2, 0, 0, 0, 0, 0xb}
	for k := range perDir {
		for f := range tcpFlows + udpFlows {
			cli := net.IPv4(10, 1, byte(f/200), byte(1+f%200))
			srv := net.IPv4(10, 2, 0, 1)
			cport, sport := uint16(30000+f*7), uint16(443)
			for dir := range 2 {
				src, dst, sp, dp, smac, dmac := cli, srv, cport, sport, macB, macA
				if dir == 1 {
					src, dst, sp, dp, smac, dmac = srv, cli, sport, cport, macA, macB
				}
				eth := &layers.Ethernet{SrcMAC: smac, DstMAC: dmac, EthernetType: layers.EthernetTypeIPv4}
				ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: src, DstIP: dst, Protocol: layers.IPProtocolTCP}
				payload := gopacket.Payload(fmt.Appendf(nil, "flow %d frame %d dir %d", f, k, dir))
				var l4 gopacket.SerializableLayer
				if f < tcpFlows {
					tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: uint32(1000 * k), ACK: true, Window: 1000}
					tcp.SetNetworkLayerForChecksum(ip)
					l4 = tcp
				} else {
					ip.Protocol = layers.IPProtocolUDP
					udp := &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
					udp.SetNetworkLayerForChecksum(ip)
					l4 = udp
				}
				buf := gopacket.NewSerializeBuffer()
				if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, l4, payload); err != nil {
					t.Error(err)
					continue
				}
				frames = append(frames, buf.Bytes())
				p := gopacket.NewPacket(buf.Bytes(), layers.LayerTypeEthernet, gopacket.Default)
				pk := &Packet{Net: p.NetworkLayer().NetworkFlow()}
				if tl, ok := p.TransportLayer().(*layers.TCP); ok {
					pk.TCP = tl
				}
				if ul, ok := p.TransportLayer().(*layers.UDP); ok {
					pk.UDP = ul
				}
				want[flowKey(pk)]++
			}
		}
	}
	return frames, want
}
