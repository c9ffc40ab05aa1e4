package decrypt

import (
	"bytes"
	"crypto/tls"
	"testing"
)

// TestTrialCandidates: two real TLS 1.3 connections' key logs in one
// KeyLog; the unmatched server handshake secrets come in random order, a
// lookup removes one, the cap cuts the list but not the count, and only
// the right connection's secret opens its first protected server record.
func TestTrialCandidates(t *testing.T) {
	a := runTLS(t, tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256, false)
	b := runTLS(t, tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256, false)
	var kl KeyLog
	for _, s := range []*session{a, b} {
		if _, errs := kl.Load(bytes.NewReader(s.keylog), "keylog"); len(errs) > 0 {
			t.Fatal(errs)
		}
	}
	cands, total := kl.TrialCandidates(MaxECHTrials)
	if total != 2 || len(cands) != 2 || bytes.Compare(cands[0].Random, cands[1].Random) >= 0 {
		t.Fatalf("candidates %d of %d, want 2 in byte order", len(cands), total)
	}
	if c, n := kl.TrialCandidates(1); len(c) != 1 || n != 2 {
		t.Errorf("cap 1: %d of %d", len(c), n)
	}

	cRecs, sRecs := splitRecords(t, a.c2s), splitRecords(t, a.s2c)
	ch := parseHello(t, splitHandshake(t, cRecs[0].payload)[0])
	sh := parseHello(t, splitHandshake(t, sRecs[0].payload)[0])
	suite, ok := LookupSuite(sh.suite)
	if !ok {
		t.Fatalf("suite %#04x", sh.suite)
	}
	var first *record
	for i := range sRecs {
		if sRecs[i].typ == 23 {
			first = &sRecs[i]
			break
		}
	}
	if first == nil {
		t.Fatal("no protected server record")
	}
	opened := 0
	for _, c := range cands {
		if OpensRecord13(suite, c.Secret, first.typ, first.version, first.payload) {
			opened++
			if !bytes.Equal(c.Random, ch.random) {
				t.Errorf("the secret of %x opens the record of %x", c.Random, ch.random)
			}
		}
	}
	if opened != 1 {
		t.Errorf("%d secrets open the record, want 1", opened)
	}

	// A lookup (the connection found its keys) leaves the other only.
	kl.Lookup(LabelServerHandshakeTrafficSecret, ch.random)
	if c, n := kl.TrialCandidates(MaxECHTrials); n != 1 || bytes.Equal(c[0].Random, ch.random) {
		t.Errorf("after the lookup: %d candidates", n)
	}
}
