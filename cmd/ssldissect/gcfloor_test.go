package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestGCFloor runs gcFloor in a process of its own (this test binary,
// again) and counts the collections while it allocates garbage: none for
// the first 24 MB (below the floor: no cycle at startup either), then a
// cycle every floor's worth or so; and the collector's own pace, a cycle
// every few MB, with the floor set to 0 or GOGC in the environment.
func TestGCFloor(t *testing.T) {
	if os.Getenv("SSLDISSECT_GCFLOOR_CHILD") == "1" {
		gcFloor()
		var sink [][]byte
		count := func(mb int) uint32 {
			before := numGC()
			for range mb {
				sink = append(sink[:0], make([]byte, 1<<20))
			}
			return numGC() - before
		}
		first, later := count(24), count(256)
		// With 64 MB live, the pace follows the live heap (set again
		// after each cycle): a cycle every 100 MB or so, not one at
		// every allocation.
		var live [][]byte
		for range 64 {
			live = append(live, make([]byte, 1<<20))
		}
		grown := count(256)
		runtime.KeepAlive(live)
		fmt.Printf("gcfloor %d %d %d\n", first, later, grown)
		os.Exit(0)
	}
	for _, c := range []struct {
		env                 string
		first, later, grown [2]uint32 // bounds on the cycles of 24 MB, the next 256 MB, 256 MB with 64 MB live
	}{
		{"", [2]uint32{0, 0}, [2]uint32{4, 12}, [2]uint32{1, 5}},
		{"SSLDISSECT_GC_FLOOR_MB=0", [2]uint32{3, 100}, [2]uint32{15, 1000}, [2]uint32{1, 1000}},
		{"GOGC=100", [2]uint32{3, 100}, [2]uint32{15, 1000}, [2]uint32{1, 1000}},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestGCFloor$")
		cmd.Env = append(os.Environ(), "SSLDISSECT_GCFLOOR_CHILD=1", "GOGC=", "GOMEMLIMIT=")
		if c.env != "" {
			cmd.Env = append(cmd.Env, c.env)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", c.env, err, out)
		}
		var got [3]uint32
		found := false
		for _, l := range strings.Split(string(out), "\n") {
			if f := strings.Fields(l); len(f) == 4 && f[0] == "gcfloor" {
				for i := range got {
					v, _ := strconv.Atoi(f[i+1])
					got[i] = uint32(v)
				}
				found = true
			}
		}
		if !found {
			t.Fatalf("%q: no counts from the child:\n%s", c.env, out)
		}
		t.Logf("%q: %v collections", c.env, got)
		for i, b := range [][2]uint32{c.first, c.later, c.grown} {
			if got[i] < b[0] || got[i] > b[1] {
				t.Errorf("%q: %d collections in phase %d (24 MB, 256 MB, 256 MB with 64 MB live), want %d-%d", c.env, got[i], i+1, b[0], b[1])
			}
		}
	}
}

func numGC() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}
