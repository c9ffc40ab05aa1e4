package report

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// TestPlainJSONString: plainJSONString is true only when json.Marshal
// writes the string as it is between quotes, and for every printable
// ASCII byte json.Marshal leaves alone (DEL and non-ASCII bytes take the
// escaping path, which writes them right too), for every byte alone and in
// a longer string.
func TestPlainJSONString(t *testing.T) {
	for c := range 256 {
		for _, s := range []string{string([]byte{byte(c)}), "ab" + string([]byte{byte(c)}) + "cd"} {
			b, _ := json.Marshal(s)
			want := string(b) == `"`+s+`"`
			if c >= 0x7f {
				want = false // not claimed plain
			}
			if got := plainJSONString(s); got != want {
				t.Errorf("plainJSONString(%q) = %v, json.Marshal gives %s", s, got, b)
			}
		}
	}
	// Each byte in each of the eight lanes of a word, and in the tail.
	for c := range 256 {
		for pos := range 21 {
			b := []byte("0123456789abcdefABCDE")
			b[pos] = byte(c)
			s := string(b)
			j, _ := json.Marshal(s)
			want := string(j) == `"`+s+`"` && c < 0x7f
			if got := plainJSONString(s); got != want {
				t.Errorf("plainJSONString(%q) = %v, json.Marshal gives %s", s, got, j)
			}
		}
	}
	if !plainJSONString("") || !plainJSONString("TLS_AES_128_GCM_SHA256 771,4865-4866") {
		t.Error("plain strings not told plain")
	}
}

func BenchmarkPlainJSONString(b *testing.B) {
	hex := strings.Repeat("0123456789abcdef", 152) // an X25519MLKEM768 key share
	for _, s := range []string{"TLS_AES_128_GCM_SHA256", hex[:64], hex} {
		b.Run(strconv.Itoa(len(s)), func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				if !plainJSONString(s) {
					b.Fatal("not plain")
				}
			}
		})
	}
}
