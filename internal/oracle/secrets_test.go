package oracle

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssldissect/ssldissect/capture"
)

// pcapng block types (draft-ietf-opsawg-pcapng section 11.1).
const (
	blockSectionHeader            = 0x0A0D0D0A // the same in either byte order
	blockDecryptionSecrets        = 0x0000000A
	byteOrderMagic         uint32 = 0x1A2B3C4D
)

// withoutSecrets copies the pcapng file src to dst without its Decryption
// Secrets Blocks and returns how many it left out, so that tshark shows
// the records as they are on the wire, as we count them. It does what
// editcap --discard-all-secrets does, for the files editcap cannot write
// too (foxio-ja4/pcap/chrome-cloudflare-quic-with-secrets.pcapng: "The
// capture file being read can't be written as a "pcapng" file"). Every
// other block is copied byte for byte.
func withoutSecrets(src, dst string) (int, error) {
	b, err := os.ReadFile(src)
	if err != nil {
		return 0, err
	}
	var order binary.ByteOrder
	var out []byte
	dropped := 0
	for off := 0; off < len(b); {
		if len(b)-off < 12 {
			return dropped, fmt.Errorf("%s: %d bytes after the last block", src, len(b)-off)
		}
		if binary.LittleEndian.Uint32(b[off:]) == blockSectionHeader {
			switch byteOrderMagic {
			case binary.LittleEndian.Uint32(b[off+8:]):
				order = binary.LittleEndian
			case binary.BigEndian.Uint32(b[off+8:]):
				order = binary.BigEndian
			default:
				return dropped, fmt.Errorf("%s: section header at %d without the byte-order magic", src, off)
			}
		}
		if order == nil {
			return dropped, fmt.Errorf("%s: not a pcapng file", src)
		}
		typ, n := order.Uint32(b[off:]), int(order.Uint32(b[off+4:]))
		if n < 12 || n%4 != 0 || n > len(b)-off {
			return dropped, fmt.Errorf("%s: block at %d of type %#x has length %d", src, off, typ, n)
		}
		if typ == blockDecryptionSecrets {
			dropped++
		} else {
			out = append(out, b[off:off+n]...)
		}
		off += n
	}
	return dropped, os.WriteFile(dst, out, 0o644)
}

// TestWithoutSecrets checks withoutSecrets on the corpus's DSB captures:
// the copy has every packet and no secrets block left.
func TestWithoutSecrets(t *testing.T) {
	t.Parallel()
	dir := needConformance(t)
	for _, rel := range []string{"foxio-ja4/pcap/http2-with-cookies.pcapng", "foxio-ja4/pcap/chrome-cloudflare-quic-with-secrets.pcapng"} {
		t.Run(rel, func(t *testing.T) {
			src := filepath.Join(dir, rel)
			dst := filepath.Join(t.TempDir(), "nosecrets.pcapng")
			n, err := withoutSecrets(src, dst)
			if err != nil || n == 0 {
				t.Fatalf("%d blocks removed, %v", n, err)
			}
			read := func(name string) (packets uint64, secrets int) {
				s, err := capture.OpenFiles([]string{name}, capture.Options{OnSecrets: func(capture.Secret) { secrets++ }})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				for {
					if _, err := s.Next(); err != nil {
						break
					}
				}
				return s.Stats().Delivered, secrets
			}
			p0, s0 := read(src)
			p1, s1 := read(dst)
			if p0 == 0 || p1 != p0 || s0 != n || s1 != 0 {
				t.Errorf("before: %d packets, %d secrets blocks; after: %d packets, %d secrets blocks (%d removed)", p0, s0, p1, s1, n)
			}
		})
	}
}
