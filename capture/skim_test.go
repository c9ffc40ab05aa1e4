package capture

import (
	"path/filepath"
	"testing"
)

// TestShardFlowHash reads the shipped captures as shard 0 and shard 1 of
// two: a decoded packet that carries its reader's hash (Packet.FlowHash)
// carries the FlowHash of its endpoints, and that hash picks the shard
// that decoded it (a frame skim cannot take is decoded by both, without
// a hash).
func TestShardFlowHash(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "pcaps", "*.pcap"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped captures: %v", err)
	}
	withHash := 0
	for _, path := range files {
		for w := range 2 {
			src, err := OpenFiles([]string{path}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			src.(Sharder).Shard(w, 2)
			for {
				p, err := src.Next()
				if err != nil {
					break
				}
				if p.TCP == nil {
					continue
				}
				want := FlowHash(p.Net.Src().Raw(), p.Net.Dst().Raw(), uint16(p.TCP.SrcPort), uint16(p.TCP.DstPort))
				if h, ok := p.FlowHash(); ok {
					withHash++
					if h != want {
						t.Fatalf("%s frame %d: FlowHash %x, of its endpoints %x", path, p.FileNum, h, want)
					}
					if h%2 != uint64(w) {
						t.Fatalf("%s frame %d: decoded by shard %d, its hash picks %d", path, p.FileNum, w, h%2)
					}
				}
			}
			src.Close()
		}
	}
	if withHash == 0 {
		t.Fatal("no packet carried its reader's hash")
	}
}
