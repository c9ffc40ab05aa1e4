package decrypt

import (
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/decrypt/internal/aescbc"
)

// TestAESCBCPipelined: every AES CBC suite of the table decrypts with the
// pipelined decrypter (decrypt/internal/aescbc), not crypto/cipher's
// block-at-a-time one, and every other CBC suite with its own block
// cipher: a renamed cipher must not fall back silently.
func TestAESCBCPipelined(t *testing.T) {
	n := 0
	for _, id := range SuiteIDs() {
		s, _ := LookupSuite(id)
		if s.Mode != ModeCBC {
			continue
		}
		key := make([]byte, s.KeyLen)
		if s.ExportKeyLen > 0 { // the expanded key
			key = make([]byte, s.ExportKeyLen)
		}
		hc, err := NewHalfConn12(VersionTLS12, s, make([]byte, s.MACLen), key, make([]byte, s.IVLen), false, 0)
		if err != nil {
			t.Errorf("suite %#04x (%s): %v", id, s.Cipher, err)
			continue
		}
		_, pipelined := hc.cbc.(*aescbc.Decrypter)
		if isAES := strings.HasPrefix(s.Cipher, "AES_"); pipelined != isAES {
			t.Errorf("suite %#04x (%s): pipelined AES-CBC decrypter %v, want %v", id, s.Cipher, pipelined, isAES)
		}
		if strings.HasPrefix(s.Cipher, "AES_") {
			n++
		}
	}
	if n < 10 {
		t.Errorf("only %d AES CBC suites in the table", n)
	}
}
