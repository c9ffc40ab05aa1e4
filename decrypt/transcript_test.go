package decrypt

import (
	"bytes"
	"crypto"
	"testing"
)

// transcriptMsgs are handshake-message-like chunks, the last one large
// enough to pass maxUnhashed when repeated.
var transcriptMsgs = [][]byte{
	[]byte("\x01\x00\x00\x05hello"),
	[]byte("\x02\x00\x00\x06server"),
	bytes.Repeat([]byte{0x0b}, 40000),
}

func hashOf(h crypto.Hash, parts ...[]byte) []byte {
	s := h.New()
	for _, p := range parts {
		s.Write(p)
	}
	return s.Sum(nil)
}

// TestTranscriptLazy checks that the lazy transcript gives the hashes an
// eager one would, whenever they are asked for, with and without Need, and
// across the point where it starts hashing (a Sum, or maxUnhashed bytes).
func TestTranscriptLazy(t *testing.T) {
	for _, tc := range []struct {
		name string
		need []crypto.Hash
	}{
		{"no Need", nil},
		{"TLS 1.2 SHA-256", hashesSHA256},
		{"TLS 1.2 SHA-384", hashesSHA384},
		{"TLS 1.0 MD5+SHA-1", hashesMD5SHA1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTranscript()
			tr.Need(tc.need...)
			var all [][]byte
			for round := range 3 {
				for _, m := range transcriptMsgs {
					tr.Write(m)
					all = append(all, m)
					asked := tc.need
					if asked == nil {
						asked = transcriptHashes
					}
					if round == 1 && len(m) > 100 {
						continue // let the bytes pile up past maxUnhashed
					}
					for _, h := range asked {
						if got, want := tr.Sum(h), hashOf(h, all...); !bytes.Equal(got, want) {
							t.Fatalf("round %d: %v %x, want %x", round, h, got, want)
						}
					}
				}
			}
			if tc.need != nil {
				// Once hashing started, only the hashes named are kept.
				for _, h := range transcriptHashes {
					if !contains(tc.need, h) && tr.Sum(h) != nil {
						t.Errorf("%v kept though not needed", h)
					}
				}
			}
		})
	}
}

func contains(hs []crypto.Hash, h crypto.Hash) bool {
	for _, x := range hs {
		if x == h {
			return true
		}
	}
	return false
}

// TestTranscriptNoHashUntilAsked checks that a transcript hashes nothing
// until a hash is asked for, that a hash not needed is still computed from
// the kept bytes before hashing starts (a HelloRetryRequest's
// message_hash), and that past maxUnhashed it hashes only what is needed.
func TestTranscriptNoHashUntilAsked(t *testing.T) {
	tr := NewTranscript()
	tr.Write(transcriptMsgs[0])
	if got, want := tr.Sum(crypto.SHA384), hashOf(crypto.SHA384, transcriptMsgs[0]); !bytes.Equal(got, want) {
		t.Fatalf("SHA-384 before Need: %x, want %x", got, want)
	}
	if tr.states != nil {
		t.Fatal("hashing started before Need")
	}
	tr.Need(hashesSHA256...)
	tr.Write(transcriptMsgs[1])
	if tr.states != nil {
		t.Fatal("hashing started before a hash was asked for")
	}
	for range 2 {
		tr.Write(transcriptMsgs[2])
	}
	if len(tr.states) != 1 || tr.kept != nil {
		t.Fatalf("past %d bytes: %d running hashes, %d bytes kept", maxUnhashed, len(tr.states), tr.keptLen)
	}
	want := hashOf(crypto.SHA256, transcriptMsgs[0], transcriptMsgs[1], transcriptMsgs[2], transcriptMsgs[2])
	if got := tr.Sum(crypto.SHA256); !bytes.Equal(got, want) {
		t.Fatalf("SHA-256 %x, want %x", got, want)
	}

	// Past maxUnhashed before Need, all four run; Need then keeps one.
	tr = NewTranscript()
	for range 2 {
		tr.Write(transcriptMsgs[2])
	}
	if len(tr.states) != len(transcriptHashes) {
		t.Fatalf("%d running hashes before Need, want %d", len(tr.states), len(transcriptHashes))
	}
	tr.Need(hashesSHA384...)
	if len(tr.states) != 1 {
		t.Fatalf("%d running hashes after Need, want 1", len(tr.states))
	}
	if got, want := tr.Sum(crypto.SHA384), hashOf(crypto.SHA384, transcriptMsgs[2], transcriptMsgs[2]); !bytes.Equal(got, want) {
		t.Fatalf("SHA-384 %x, want %x", got, want)
	}
}

// TestTranscriptDrop checks that a dropped transcript keeps nothing and
// gives no hash: Sum is nil, SessionHash and the Finished computations
// fail rather than hash nothing.
func TestTranscriptDrop(t *testing.T) {
	tr := NewTranscript()
	tr.Write(transcriptMsgs[0])
	tr.Drop()
	tr.Write(transcriptMsgs[1])
	if tr.kept != nil || tr.states != nil {
		t.Fatal("a dropped transcript keeps bytes")
	}
	for _, h := range transcriptHashes {
		if tr.Sum(h) != nil {
			t.Errorf("Sum(%v) after Drop", h)
		}
	}
	s, _ := LookupSuite(0xc02f)
	if _, err := tr.SessionHash(VersionTLS12, s); err == nil {
		t.Error("SessionHash after Drop")
	}
	if _, err := FinishedVerifyData(VersionSSL30, s, make([]byte, 48), tr, true); err == nil {
		t.Error("SSL 3.0 Finished after Drop")
	}
}

// TestHandshakeTranscriptCost checks what a handshake hashes: nothing when
// no key is ever found (the transcript is let go at the first opaque
// record), one hash (started once the master secret is known) for a TLS
// 1.2 Finished, nothing for TLS 1.3 without handshake secrets.
func TestHandshakeTranscriptCost(t *testing.T) {
	random := bytes.Repeat([]byte{7}, 32)
	t.Run("TLS 1.2 no keys", func(t *testing.T) {
		h := NewHandshake()
		h.ClientHello(random, nil, nil, false)
		h.AddMessage(transcriptMsgs[0])
		if err := h.ServerHello(random, VersionTLS12, 0xc02f, 0, false, false); err != nil {
			t.Fatal(err)
		}
		h.AddMessage(transcriptMsgs[1])
		if _, found, _ := h.FindMaster(NewKeyStore(), RSAExchange{}, false); found {
			t.Fatal("a master secret from an empty key store")
		}
		if h.transcript.states != nil {
			t.Fatal("hashed without keys")
		}
		h.SetOpaque(Client)
		if !h.transcript.dropped {
			t.Fatal("transcript kept after an opaque record")
		}
		if _, ok := h.FinishedVerifyData(Server); ok {
			t.Fatal("verify_data without keys")
		}
	})
	t.Run("TLS 1.2 keys", func(t *testing.T) {
		h := NewHandshake()
		h.ClientHello(random, nil, nil, false)
		h.AddMessage(transcriptMsgs[0])
		if err := h.ServerHello(random, VersionTLS12, 0xc030, 0, false, false); err != nil {
			t.Fatal(err)
		}
		h.AddMessage(transcriptMsgs[1])
		ks := NewKeyStore()
		line := "CLIENT_RANDOM " + string(bytes.Repeat([]byte("07"), 32)) + " " + string(bytes.Repeat([]byte("ab"), 48)) + "\n"
		if n, errs := ks.Log.Load(bytes.NewReader([]byte(line)), "t.log"); n != 1 || errs != nil {
			t.Fatalf("key log: %d, %v", n, errs)
		}
		if _, found, errs := h.FindMaster(ks, RSAExchange{}, false); !found || errs != nil {
			t.Fatalf("FindMaster: %v %v", found, errs)
		}
		if h.transcript.kept != nil {
			t.Fatal("bytes still kept once the master secret is known")
		}
		if _, ok := h.FinishedVerifyData(Client); !ok {
			t.Fatal("no verify_data with a master secret")
		}
		if len(h.transcript.states) != 1 {
			t.Fatalf("%d hashes run for TLS 1.2 with SHA-384, want 1", len(h.transcript.states))
		}
	})
	t.Run("TLS 1.3 no keys", func(t *testing.T) {
		h := NewHandshake()
		h.ClientHello(random, nil, nil, false)
		h.AddMessage(transcriptMsgs[0])
		if err := h.ServerHello(random, VersionTLS13, 0x1301, 0, false, false); err != nil {
			t.Fatal(err)
		}
		h.TrafficSecrets(NewKeyStore().Log)
		if !h.transcript.dropped {
			t.Fatal("transcript kept without handshake secrets")
		}
	})
}
