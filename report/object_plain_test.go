package report

import (
	"encoding/json"
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
	if !plainJSONString("") || !plainJSONString("TLS_AES_128_GCM_SHA256 771,4865-4866") {
		t.Error("plain strings not told plain")
	}
}
