package decrypt_test

import (
	"fmt"
	"strings"

	"github.com/ssldissect/ssldissect/decrypt"
)

// The calls a connection state machine makes for a TLS 1.2 connection
// whose master secret is in a key log.
func Example() {
	var kl decrypt.KeyLog
	clientRandom := make([]byte, 32) // from the ClientHello
	serverRandom := make([]byte, 32) // from the ServerHello
	line := "CLIENT_RANDOM " + strings.Repeat("00", 32) + " " + strings.Repeat("11", 48) + "\n"
	if _, errs := kl.Load(strings.NewReader(line), "keys.log"); len(errs) > 0 {
		fmt.Println(errs)
	}

	suite, _ := decrypt.LookupSuite(0xC02F) // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	master, _ := kl.Lookup(decrypt.LabelClientRandom, clientRandom)
	keys, err := decrypt.KeysFromMasterSecret(decrypt.VersionTLS12, suite, master, clientRandom, serverRandom)
	if err != nil {
		fmt.Println(err)
		return
	}
	// After the client's ChangeCipherSpec:
	client, err := decrypt.NewHalfConn12(decrypt.VersionTLS12, suite, keys.ClientMAC, keys.ClientKey, keys.ClientIV, false, decrypt.CompressionNull)
	if err != nil {
		fmt.Println(err)
		return
	}
	// For each record from the client: header fields and body.
	_, typ, mac, err := client.Decrypt(22, decrypt.VersionTLS12, make([]byte, 40))
	fmt.Println(typ, mac, err, client.Seq())
	// Output: 22 failed <nil> 1
}
