//go:build linux && !pcap

package capture

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// TestLiveVLAN sends 802.1Q-tagged frames (one VLAN, 802.1ad outside
// 802.1Q) into one end of a veth pair and captures the other: the kernel
// takes the outer tag out of each frame on receive (skb_vlan_untag), and
// the capture puts it back, so that every frame read is the one sent,
// byte for byte, on the ring and on recvmsg.
func TestLiveVLAN(t *testing.T) {
	t.Parallel()
	testenv.Need(t, "ip", "the veth pair cannot be made")
	bothPaths(t, func(t *testing.T, noRing bool, _ string) { liveVLAN(t, noRing) })
}

func liveVLAN(t *testing.T, noRing bool) {
	inNewNetns(t, func() {
		for _, c := range [][]string{
			{"ip", "link", "add", "vlA", "type", "veth", "peer", "name", "vlB"},
			{"ip", "link", "set", "vlA", "up"},
			{"ip", "link", "set", "vlB", "up"},
		} {
			if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
				t.Errorf("%v: %v: %s", c, err, out)
				return
			}
		}
		src, err := OpenLive("vlA", LiveOptions{NoRing: noRing, Tick: 50 * time.Millisecond})
		if err != nil {
			t.Error(err)
			return
		}
		defer src.Close()
		var sent [][]byte
		for i := range 20 {
			eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 1, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 1, 2},
				EthernetType: layers.EthernetTypeDot1Q}
			ls := []gopacket.SerializableLayer{eth}
			if i%4 == 3 {
				// 802.1ad (S-tag) outside an 802.1Q C-tag.
				eth.EthernetType = layers.EthernetTypeQinQ
				ls = append(ls, &layers.Dot1Q{VLANIdentifier: 300, Type: layers.EthernetTypeDot1Q})
			}
			ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: net.IPv4(10, 9, 0, 1), DstIP: net.IPv4(10, 9, 0, 2), Protocol: layers.IPProtocolUDP}
			udp := &layers.UDP{SrcPort: 5000, DstPort: layers.UDPPort(6000 + i)}
			udp.SetNetworkLayerForChecksum(ip)
			ls = append(ls, &layers.Dot1Q{Priority: 5, VLANIdentifier: uint16(100 + i), Type: layers.EthernetTypeIPv4},
				ip, udp, gopacket.Payload("tagged"))
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
				t.Error(err)
				return
			}
			sent = append(sent, buf.Bytes())
		}
		ifi, err := net.InterfaceByName("vlB")
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
		for _, f := range sent {
			if _, err := unix.Write(fd, f); err != nil {
				t.Error(err)
				return
			}
		}
		time.AfterFunc(300*time.Millisecond, src.Stop)
		var got [][]byte
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
			// Only the test's frames: the interfaces' own (IPv6 router
			// solicitations) are untagged.
			if len(p.Data) >= 14 && (p.Data[12] == 0x81 || p.Data[12] == 0x88) {
				got = append(got, append([]byte(nil), p.Data...))
				if p.CI.CaptureLength != len(p.Data) || p.CI.Length != len(p.Data) {
					t.Errorf("frame %d: CaptureLength %d, Length %d, %d bytes", len(got), p.CI.CaptureLength, p.CI.Length, len(p.Data))
				}
			}
		}
		if len(got) != len(sent) {
			t.Errorf("captured %d tagged frames, sent %d", len(got), len(sent))
		}
		for i := range min(len(got), len(sent)) {
			if !bytes.Equal(got[i], sent[i]) {
				t.Errorf("frame %d:\ncaptured % x\nsent     % x", i+1, got[i], sent[i])
			}
		}
		if ls := src.LiveStats(); ls.VLANRestored != uint64(len(sent)) {
			t.Errorf("%d tags restored, want %d: %+v", ls.VLANRestored, len(sent), ls)
		}
	})
}

// TestLiveInterfaceGone deletes the interface being captured: Next
// returns an error that says so, on the ring and on recvmsg, instead of
// waiting for ever.
func TestLiveInterfaceGone(t *testing.T) {
	t.Parallel()
	testenv.Need(t, "ip", "the veth pair cannot be made")
	for _, noRing := range []bool{false, true} {
		inNewNetns(t, func() {
			for _, c := range [][]string{
				{"ip", "link", "add", "goA", "type", "veth", "peer", "name", "goB"},
				{"ip", "link", "set", "goA", "up"},
				{"ip", "link", "set", "goB", "up"},
			} {
				if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
					t.Errorf("%v: %v: %s", c, err, out)
					return
				}
			}
			src, err := OpenLive("goA", LiveOptions{NoRing: noRing, Tick: 50 * time.Millisecond})
			if err != nil {
				t.Error(err)
				return
			}
			defer src.Close()
			if out, err := exec.Command("ip", "link", "del", "goA").CombinedOutput(); err != nil {
				t.Errorf("ip link del: %v: %s", err, out)
				return
			}
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) {
				_, err := src.Next()
				if errors.Is(err, ErrNoPacket) || err == nil {
					continue
				}
				if err == io.EOF || !strings.Contains(err.Error(), "interface goA went down") {
					t.Errorf("noRing %v: Next: %v; want the interface gone", noRing, err)
				}
				return
			}
			t.Errorf("noRing %v: Next went on for 5 s after the interface was deleted", noRing)
		})
	}
}
