package oracle

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
)

// dirState is what one direction's protected records or packets came to.
type dirState struct {
	protected, opened int
	keyless           int // closed, not for a failed tag, since the last opened
}

func (s *dirState) see(protected, decrypted bool, mac string) {
	if !protected {
		return
	}
	s.protected++
	switch {
	case decrypted:
		s.opened++
		s.keyless = 0
	case mac != "failed":
		s.keyless++
	}
}

// TestDecryptFailureEverywhere: every connection of every shipped and
// conformance capture, with its key material and with none, carries a
// decrypt_failure for exactly the directions whose protected records
// (QUIC: Handshake, 0-RTT and 1-RTT packets) were all left closed or
// ended closed for want of a key; without key material every reason is
// no_keys (captures whose secrets are in pcapng blocks aside). The codes met are logged, with an
// example detail each, for a reviewer.
func TestDecryptFailureEverywhere(t *testing.T) {
	t.Parallel()
	codes := map[string]int{}
	example := map[string]string{}
	for _, c := range keyedCaptures(t) {
		for _, keyed := range []bool{true, false} {
			if keyed && len(c.keylogs)+len(c.rsa) == 0 {
				continue
			}
			var r *Result
			var err error
			if keyed {
				r, err = DissectKeys(c.keylogs, c.rsa, c.path)
			} else {
				r, err = Dissect(c.path)
			}
			if err != nil {
				t.Errorf("%s: %v", c.path, err)
				continue
			}
			state := map[string]*dirState{}
			at := func(conn uint64, dir string) *dirState {
				k := fmt.Sprint(conn, dir)
				if state[k] == nil {
					state[k] = &dirState{}
				}
				return state[k]
			}
			for _, rec := range r.Records {
				at(rec.Conn, rec.Dir).see(rec.Encrypted && !rec.NullCipher, rec.Decrypted, rec.MAC)
			}
			for _, p := range r.QUICPackets {
				protected := p.PacketType == "handshake" || p.PacketType == "0rtt" || p.PacketType == "1rtt"
				at(p.Conn, p.Dir).see(protected, p.Decrypted, p.MAC)
			}
			name := filepath.Base(c.path)
			if !keyed {
				name += " (no keys)"
			}
			for _, conn := range r.Conns {
				got := map[string]string{}
				for _, f := range conn.DecryptFailure {
					got[f.Dir] = f.Code
					codes[f.Code]++
					if example[f.Code] == "" {
						example[f.Code] = name + ": " + f.Detail
					}
					if f.Detail == "" {
						t.Errorf("%s: connection %d %s: %s without a detail", name, conn.ID, f.Dir, f.Code)
					}
					if !keyed && f.Code != "no_keys" && !c.dsb {
						t.Errorf("%s: connection %d %s: %s, want no_keys (%s)", name, conn.ID, f.Dir, f.Code, f.Detail)
					}
				}
				for _, dir := range []string{"c2s", "s2c"} {
					s := at(conn.ID, dir)
					want := s.protected > 0 && (s.opened == 0 || s.keyless > 0)
					if _, has := got[dir]; has != want {
						t.Errorf("%s: connection %d %s: decrypt_failure %q, but %d protected, %d opened, %d closed at the end for want of a key",
							name, conn.ID, dir, got[dir], s.protected, s.opened, s.keyless)
					}
				}
			}
		}
	}
	for _, code := range slices.Sorted(maps.Keys(codes)) {
		t.Logf("%-20s %5d  e.g. %s", code, codes[code], example[code])
	}
	if codes["no_keys"] == 0 {
		t.Error("no connection said no_keys: the captures without keys were not read")
	}
}
