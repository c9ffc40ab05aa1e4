package decrypt

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rc4"
	"fmt"
	"slices"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/ssldissect/ssldissect/decrypt/internal/aria"
	"github.com/ssldissect/ssldissect/decrypt/internal/camellia"
	"github.com/ssldissect/ssldissect/decrypt/internal/idea"
	"github.com/ssldissect/ssldissect/decrypt/internal/rc2"
	"github.com/ssldissect/ssldissect/decrypt/internal/seed"
)

// Protocol versions, as on the wire.
const (
	VersionSSL30 uint16 = 0x0300
	VersionTLS10 uint16 = 0x0301
	VersionTLS11 uint16 = 0x0302
	VersionTLS12 uint16 = 0x0303
	VersionTLS13 uint16 = 0x0304
)

// KeyExchange is how a suite agrees on the pre-master secret. It tells the
// caller whether a server's RSA private key can recover the secrets.
type KeyExchange uint8

// Key exchange kinds of the IANA registry.
const (
	KxNull       KeyExchange = iota // TLS_NULL_WITH_NULL_NULL
	KxRSA                           // static RSA: the server key decrypts the pre-master secret
	KxDHDSS                         // static DH, DSS certificate
	KxDHRSA                         // static DH, RSA certificate
	KxDHEDSS                        // ephemeral DH signed with DSS
	KxDHERSA                        // ephemeral DH signed with RSA
	KxDHAnon                        // anonymous DH
	KxECDHECDSA                     // static ECDH, ECDSA certificate
	KxECDHRSA                       // static ECDH, RSA certificate
	KxECDHEECDSA                    // ephemeral ECDH signed with ECDSA
	KxECDHERSA                      // ephemeral ECDH signed with RSA
	KxECDHAnon                      // anonymous ECDH
	KxPSK                           // pre-shared key
	KxDHEPSK                        // PSK with ephemeral DH
	KxRSAPSK                        // PSK with an RSA-encrypted secret
	KxECDHEPSK                      // PSK with ephemeral ECDH
	KxSRP                           // SRP
	KxSRPRSA                        // SRP, RSA certificate
	KxSRPDSS                        // SRP, DSS certificate
	KxTLS13                         // TLS 1.3: negotiated by extensions, never RSA
)

var kxNames = [...]string{
	KxNull: "NULL", KxRSA: "RSA", KxDHDSS: "DH_DSS", KxDHRSA: "DH_RSA",
	KxDHEDSS: "DHE_DSS", KxDHERSA: "DHE_RSA", KxDHAnon: "DH_anon",
	KxECDHECDSA: "ECDH_ECDSA", KxECDHRSA: "ECDH_RSA", KxECDHEECDSA: "ECDHE_ECDSA",
	KxECDHERSA: "ECDHE_RSA", KxECDHAnon: "ECDH_anon", KxPSK: "PSK",
	KxDHEPSK: "DHE_PSK", KxRSAPSK: "RSA_PSK", KxECDHEPSK: "ECDHE_PSK",
	KxSRP: "SRP_SHA", KxSRPRSA: "SRP_SHA_RSA", KxSRPDSS: "SRP_SHA_DSS", KxTLS13: "TLS13",
}

func (k KeyExchange) String() string {
	if int(k) < len(kxNames) {
		return kxNames[k]
	}
	return fmt.Sprintf("KeyExchange(%d)", uint8(k))
}

// RSAKeyHelps reports whether a server RSA private key recovers the
// pre-master secret of this key exchange (static RSA, RSA_PSK needs the PSK
// too and so does not count).
func (k KeyExchange) RSAKeyHelps() bool { return k == KxRSA }

// Mode is the record protection construction of a suite.
type Mode uint8

// Record protection modes.
const (
	ModeStream Mode = iota // RC4 or NULL, MAC-then-encrypt
	ModeCBC                // block cipher in CBC mode, MAC-then-encrypt (or EtM)
	ModeAEAD               // AEAD: GCM, CCM, ChaCha20-Poly1305
)

// nonceKind is how an AEAD suite builds its per-record nonce.
type nonceKind uint8

const (
	noncePrefix nonceKind = iota // fixed IV (4) || explicit nonce (8) from the record (RFC 5288, 6655)
	nonceXOR                     // IV (12) XOR padded sequence number (RFC 7905, RFC 8446)
)

// cipherSpec describes one bulk cipher.
type cipherSpec struct {
	name          string
	mode          Mode
	keyLen        int // key material taken from the key block
	exportKeyLen  int // export ciphers: length of the final, expanded key
	ivLen         int // IV or fixed nonce taken from the key block
	explicitNonce int // per-record nonce bytes in front of an AEAD payload
	blockSize     int
	tagLen        int
	nonce         nonceKind
	newStream     func(key []byte) (cipher.Stream, error) // ModeStream; nil: NULL cipher
	newBlock      func(key []byte) (cipher.Block, error)  // ModeCBC, and block-based AEADs
	// newCBC, when set, makes a ModeCBC cipher's decrypter itself
	// (AES: the pipelined one) instead of crypto/cipher's over newBlock.
	newCBC  func(key []byte) (cbcMode, error)
	newAEAD func(key []byte) (cipher.AEAD, error) // ModeAEAD
}

type cipherID uint8

const (
	cNull cipherID = iota
	cRC4_40
	cRC4_128
	cRC2_40
	cDES40
	cDES
	c3DES
	cIDEA
	cSEED
	cAES128
	cAES256
	cCamellia128
	cCamellia256
	cARIA128
	cARIA256
	cAES128GCM
	cAES256GCM
	cAES128CCM
	cAES256CCM
	cAES128CCM8
	cAES256CCM8
	cChaCha20
	cCamellia128GCM
	cCamellia256GCM
	cARIA128GCM
	cARIA256GCM
	numCiphers
)

func newRC4(key []byte) (cipher.Stream, error) { return rc4.NewCipher(key) }
func newDES(key []byte) (cipher.Block, error)  { return des.NewCipher(key) }
func new3DES(key []byte) (cipher.Block, error) { return des.NewTripleDESCipher(key) }
func newAES(key []byte) (cipher.Block, error)  { return aes.NewCipher(key) }

func gcmWith(newBlock func([]byte) (cipher.Block, error)) func([]byte) (cipher.AEAD, error) {
	if newBlock == nil {
		return nil
	}
	return func(key []byte) (cipher.AEAD, error) {
		b, err := newBlock(key)
		if err != nil {
			return nil, err
		}
		return cipher.NewGCM(b)
	}
}

func ccmWith(tagLen int) func([]byte) (cipher.AEAD, error) {
	return func(key []byte) (cipher.AEAD, error) {
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return NewCCM(b, 12, tagLen)
	}
}

// Block ciphers outside the standard library come from decrypt/internal.
// A cipher spec whose constructor is nil leaves its suites in the table
// with Available false, so that the caller still learns their key exchange.
var (
	newCamellia = camellia.NewCipher
	newARIA     = aria.NewCipher
	newSEED     = seed.NewCipher
	newIDEA     = idea.NewCipher
	newRC2_40   = newRC2Export
)

// rc2ExportBits is the RC2 effective key length (T1 of RFC 2268) of
// RC2_CBC_40. The "40" and RFC 2246's "effective key bits 40" count the
// secret bits: 5 bytes of key block, expanded with the public randoms into
// the 16-byte final key. RC2 itself is then keyed as OpenSSL's EVP RC2-CBC
// keys a 16-byte key, with T1 = 8 * 16 = 128. With T1 = 40 no record of
// the captures verifies; with 128 all do (wireshark-notes all/, ssl3/ and
// tls-all/ dump.pcapng, SSL 3.0 and TLS 1.2; see TestRC2ExportCaptured).
const rc2ExportBits = 128

func newRC2Export(key []byte) (cipher.Block, error) { return rc2.NewCipher(key, rc2ExportBits) }

func cipherSpecs() [numCiphers]cipherSpec {
	return [numCiphers]cipherSpec{
		cNull:           {name: "NULL", mode: ModeStream},
		cRC4_40:         {name: "RC4_40", mode: ModeStream, keyLen: 5, exportKeyLen: 16, newStream: newRC4},
		cRC4_128:        {name: "RC4_128", mode: ModeStream, keyLen: 16, newStream: newRC4},
		cRC2_40:         {name: "RC2_CBC_40", mode: ModeCBC, keyLen: 5, exportKeyLen: 16, ivLen: 8, blockSize: 8, newBlock: newRC2_40},
		cDES40:          {name: "DES40_CBC", mode: ModeCBC, keyLen: 5, exportKeyLen: 8, ivLen: 8, blockSize: 8, newBlock: newDES},
		cDES:            {name: "DES_CBC", mode: ModeCBC, keyLen: 8, ivLen: 8, blockSize: 8, newBlock: newDES},
		c3DES:           {name: "3DES_EDE_CBC", mode: ModeCBC, keyLen: 24, ivLen: 8, blockSize: 8, newBlock: new3DES},
		cIDEA:           {name: "IDEA_CBC", mode: ModeCBC, keyLen: 16, ivLen: 8, blockSize: 8, newBlock: newIDEA},
		cSEED:           {name: "SEED_CBC", mode: ModeCBC, keyLen: 16, ivLen: 16, blockSize: 16, newBlock: newSEED},
		cAES128:         {name: "AES_128_CBC", mode: ModeCBC, keyLen: 16, ivLen: 16, blockSize: 16, newBlock: newAES, newCBC: newAESCBC},
		cAES256:         {name: "AES_256_CBC", mode: ModeCBC, keyLen: 32, ivLen: 16, blockSize: 16, newBlock: newAES, newCBC: newAESCBC},
		cCamellia128:    {name: "CAMELLIA_128_CBC", mode: ModeCBC, keyLen: 16, ivLen: 16, blockSize: 16, newBlock: newCamellia},
		cCamellia256:    {name: "CAMELLIA_256_CBC", mode: ModeCBC, keyLen: 32, ivLen: 16, blockSize: 16, newBlock: newCamellia},
		cARIA128:        {name: "ARIA_128_CBC", mode: ModeCBC, keyLen: 16, ivLen: 16, blockSize: 16, newBlock: newARIA},
		cARIA256:        {name: "ARIA_256_CBC", mode: ModeCBC, keyLen: 32, ivLen: 16, blockSize: 16, newBlock: newARIA},
		cAES128GCM:      {name: "AES_128_GCM", mode: ModeAEAD, keyLen: 16, ivLen: 4, explicitNonce: 8, tagLen: 16, newAEAD: gcmWith(newAES)},
		cAES256GCM:      {name: "AES_256_GCM", mode: ModeAEAD, keyLen: 32, ivLen: 4, explicitNonce: 8, tagLen: 16, newAEAD: gcmWith(newAES)},
		cAES128CCM:      {name: "AES_128_CCM", mode: ModeAEAD, keyLen: 16, ivLen: 4, explicitNonce: 8, tagLen: 16, newAEAD: ccmWith(16)},
		cAES256CCM:      {name: "AES_256_CCM", mode: ModeAEAD, keyLen: 32, ivLen: 4, explicitNonce: 8, tagLen: 16, newAEAD: ccmWith(16)},
		cAES128CCM8:     {name: "AES_128_CCM_8", mode: ModeAEAD, keyLen: 16, ivLen: 4, explicitNonce: 8, tagLen: 8, newAEAD: ccmWith(8)},
		cAES256CCM8:     {name: "AES_256_CCM_8", mode: ModeAEAD, keyLen: 32, ivLen: 4, explicitNonce: 8, tagLen: 8, newAEAD: ccmWith(8)},
		cChaCha20:       {name: "CHACHA20_POLY1305", mode: ModeAEAD, keyLen: 32, ivLen: 12, tagLen: 16, nonce: nonceXOR, newAEAD: chacha20poly1305.New},
		cCamellia128GCM: {name: "CAMELLIA_128_GCM", mode: ModeAEAD, keyLen: 16, ivLen: 4, explicitNonce: 8, tagLen: 16, newAEAD: gcmWith(newCamellia)},
		cCamellia256GCM: {name: "CAMELLIA_256_GCM", mode: ModeAEAD, keyLen: 32, ivLen: 4, explicitNonce: 8, tagLen: 16, newAEAD: gcmWith(newCamellia)},
		cARIA128GCM:     {name: "ARIA_128_GCM", mode: ModeAEAD, keyLen: 16, ivLen: 4, explicitNonce: 8, tagLen: 16, newAEAD: gcmWith(newARIA)},
		cARIA256GCM:     {name: "ARIA_256_GCM", mode: ModeAEAD, keyLen: 32, ivLen: 4, explicitNonce: 8, tagLen: 16, newAEAD: gcmWith(newARIA)},
	}
}

// Suite is one row of the crypto table: everything record protection and
// key derivation need to know about a cipher suite. The naming table is
// elsewhere (parser); this one has no names but the cipher's.
type Suite struct {
	ID          uint16
	KeyExchange KeyExchange
	Cipher      string // "AES_128_GCM", "RC4_40", ...
	Mode        Mode

	KeyLen           int // key bytes taken from the key block (5 for 40-bit export)
	ExportKeyLen     int // export suites: length of the final expanded key; else 0
	IVLen            int // IV (CBC) or fixed nonce (AEAD) bytes taken from the key block
	ExplicitNonceLen int // per-record explicit nonce of TLS 1.2 GCM/CCM: 8
	BlockSize        int // CBC block size; 0 otherwise

	MACHash crypto.Hash // record MAC hash (HMAC, or the SSL 3.0 MAC); 0 for AEAD and NULL_NULL
	MACLen  int
	TagLen  int // AEAD tag length

	PRFHash crypto.Hash // TLS 1.2 PRF hash, TLS 1.3 HKDF hash
	Export  bool        // 40-bit export suite (SSL 3.0, TLS 1.0 only)
	TLS13   bool        // a TLS 1.3 suite
	// MinVersion is the first version that defines the suite (TLS 1.2 for
	// AEAD and SHA-256/384 MAC suites).
	MinVersion uint16
	// Available is false when the cipher is not built into this binary.
	Available bool

	spec *cipherSpec
}

// IsAEAD reports whether the suite uses an AEAD cipher.
func (s *Suite) IsAEAD() bool { return s.Mode == ModeAEAD }

type suiteDef struct {
	ID     uint16
	Kx     KeyExchange
	Cipher cipherID
	MAC    crypto.Hash // 0 for AEAD suites
	PRF    crypto.Hash // 0: SHA-256
	Export bool
}

const (
	md5    = crypto.MD5
	sha1   = crypto.SHA1
	sha256 = crypto.SHA256
	sha384 = crypto.SHA384
)

// suiteDefs lists the suites of the IANA TLS Cipher Suites registry whose
// cipher is one of the above (not KRB5, GOST, SM4, nor the unassigned
// 56-bit export drafts).
var suiteDefs = []suiteDef{
	{ID: 0x0000, Kx: KxNull, Cipher: cNull},
	{ID: 0x0001, Kx: KxRSA, Cipher: cNull, MAC: md5},
	{ID: 0x0002, Kx: KxRSA, Cipher: cNull, MAC: sha1},
	{ID: 0x0003, Kx: KxRSA, Cipher: cRC4_40, MAC: md5, Export: true},
	{ID: 0x0004, Kx: KxRSA, Cipher: cRC4_128, MAC: md5},
	{ID: 0x0005, Kx: KxRSA, Cipher: cRC4_128, MAC: sha1},
	{ID: 0x0006, Kx: KxRSA, Cipher: cRC2_40, MAC: md5, Export: true},
	{ID: 0x0007, Kx: KxRSA, Cipher: cIDEA, MAC: sha1},
	{ID: 0x0008, Kx: KxRSA, Cipher: cDES40, MAC: sha1, Export: true},
	{ID: 0x0009, Kx: KxRSA, Cipher: cDES, MAC: sha1},
	{ID: 0x000A, Kx: KxRSA, Cipher: c3DES, MAC: sha1},
	{ID: 0x000B, Kx: KxDHDSS, Cipher: cDES40, MAC: sha1, Export: true},
	{ID: 0x000C, Kx: KxDHDSS, Cipher: cDES, MAC: sha1},
	{ID: 0x000D, Kx: KxDHDSS, Cipher: c3DES, MAC: sha1},
	{ID: 0x000E, Kx: KxDHRSA, Cipher: cDES40, MAC: sha1, Export: true},
	{ID: 0x000F, Kx: KxDHRSA, Cipher: cDES, MAC: sha1},
	{ID: 0x0010, Kx: KxDHRSA, Cipher: c3DES, MAC: sha1},
	{ID: 0x0011, Kx: KxDHEDSS, Cipher: cDES40, MAC: sha1, Export: true},
	{ID: 0x0012, Kx: KxDHEDSS, Cipher: cDES, MAC: sha1},
	{ID: 0x0013, Kx: KxDHEDSS, Cipher: c3DES, MAC: sha1},
	{ID: 0x0014, Kx: KxDHERSA, Cipher: cDES40, MAC: sha1, Export: true},
	{ID: 0x0015, Kx: KxDHERSA, Cipher: cDES, MAC: sha1},
	{ID: 0x0016, Kx: KxDHERSA, Cipher: c3DES, MAC: sha1},
	{ID: 0x0017, Kx: KxDHAnon, Cipher: cRC4_40, MAC: md5, Export: true},
	{ID: 0x0018, Kx: KxDHAnon, Cipher: cRC4_128, MAC: md5},
	{ID: 0x0019, Kx: KxDHAnon, Cipher: cDES40, MAC: sha1, Export: true},
	{ID: 0x001A, Kx: KxDHAnon, Cipher: cDES, MAC: sha1},
	{ID: 0x001B, Kx: KxDHAnon, Cipher: c3DES, MAC: sha1},
	{ID: 0x002C, Kx: KxPSK, Cipher: cNull, MAC: sha1},
	{ID: 0x002D, Kx: KxDHEPSK, Cipher: cNull, MAC: sha1},
	{ID: 0x002E, Kx: KxRSAPSK, Cipher: cNull, MAC: sha1},
	{ID: 0x002F, Kx: KxRSA, Cipher: cAES128, MAC: sha1},
	{ID: 0x0030, Kx: KxDHDSS, Cipher: cAES128, MAC: sha1},
	{ID: 0x0031, Kx: KxDHRSA, Cipher: cAES128, MAC: sha1},
	{ID: 0x0032, Kx: KxDHEDSS, Cipher: cAES128, MAC: sha1},
	{ID: 0x0033, Kx: KxDHERSA, Cipher: cAES128, MAC: sha1},
	{ID: 0x0034, Kx: KxDHAnon, Cipher: cAES128, MAC: sha1},
	{ID: 0x0035, Kx: KxRSA, Cipher: cAES256, MAC: sha1},
	{ID: 0x0036, Kx: KxDHDSS, Cipher: cAES256, MAC: sha1},
	{ID: 0x0037, Kx: KxDHRSA, Cipher: cAES256, MAC: sha1},
	{ID: 0x0038, Kx: KxDHEDSS, Cipher: cAES256, MAC: sha1},
	{ID: 0x0039, Kx: KxDHERSA, Cipher: cAES256, MAC: sha1},
	{ID: 0x003A, Kx: KxDHAnon, Cipher: cAES256, MAC: sha1},
	{ID: 0x003B, Kx: KxRSA, Cipher: cNull, MAC: sha256},
	{ID: 0x003C, Kx: KxRSA, Cipher: cAES128, MAC: sha256},
	{ID: 0x003D, Kx: KxRSA, Cipher: cAES256, MAC: sha256},
	{ID: 0x003E, Kx: KxDHDSS, Cipher: cAES128, MAC: sha256},
	{ID: 0x003F, Kx: KxDHRSA, Cipher: cAES128, MAC: sha256},
	{ID: 0x0040, Kx: KxDHEDSS, Cipher: cAES128, MAC: sha256},
	{ID: 0x0041, Kx: KxRSA, Cipher: cCamellia128, MAC: sha1},
	{ID: 0x0042, Kx: KxDHDSS, Cipher: cCamellia128, MAC: sha1},
	{ID: 0x0043, Kx: KxDHRSA, Cipher: cCamellia128, MAC: sha1},
	{ID: 0x0044, Kx: KxDHEDSS, Cipher: cCamellia128, MAC: sha1},
	{ID: 0x0045, Kx: KxDHERSA, Cipher: cCamellia128, MAC: sha1},
	{ID: 0x0046, Kx: KxDHAnon, Cipher: cCamellia128, MAC: sha1},
	{ID: 0x0067, Kx: KxDHERSA, Cipher: cAES128, MAC: sha256},
	{ID: 0x0068, Kx: KxDHDSS, Cipher: cAES256, MAC: sha256},
	{ID: 0x0069, Kx: KxDHRSA, Cipher: cAES256, MAC: sha256},
	{ID: 0x006A, Kx: KxDHEDSS, Cipher: cAES256, MAC: sha256},
	{ID: 0x006B, Kx: KxDHERSA, Cipher: cAES256, MAC: sha256},
	{ID: 0x006C, Kx: KxDHAnon, Cipher: cAES128, MAC: sha256},
	{ID: 0x006D, Kx: KxDHAnon, Cipher: cAES256, MAC: sha256},
	{ID: 0x0084, Kx: KxRSA, Cipher: cCamellia256, MAC: sha1},
	{ID: 0x0085, Kx: KxDHDSS, Cipher: cCamellia256, MAC: sha1},
	{ID: 0x0086, Kx: KxDHRSA, Cipher: cCamellia256, MAC: sha1},
	{ID: 0x0087, Kx: KxDHEDSS, Cipher: cCamellia256, MAC: sha1},
	{ID: 0x0088, Kx: KxDHERSA, Cipher: cCamellia256, MAC: sha1},
	{ID: 0x0089, Kx: KxDHAnon, Cipher: cCamellia256, MAC: sha1},
	{ID: 0x008A, Kx: KxPSK, Cipher: cRC4_128, MAC: sha1},
	{ID: 0x008B, Kx: KxPSK, Cipher: c3DES, MAC: sha1},
	{ID: 0x008C, Kx: KxPSK, Cipher: cAES128, MAC: sha1},
	{ID: 0x008D, Kx: KxPSK, Cipher: cAES256, MAC: sha1},
	{ID: 0x008E, Kx: KxDHEPSK, Cipher: cRC4_128, MAC: sha1},
	{ID: 0x008F, Kx: KxDHEPSK, Cipher: c3DES, MAC: sha1},
	{ID: 0x0090, Kx: KxDHEPSK, Cipher: cAES128, MAC: sha1},
	{ID: 0x0091, Kx: KxDHEPSK, Cipher: cAES256, MAC: sha1},
	{ID: 0x0092, Kx: KxRSAPSK, Cipher: cRC4_128, MAC: sha1},
	{ID: 0x0093, Kx: KxRSAPSK, Cipher: c3DES, MAC: sha1},
	{ID: 0x0094, Kx: KxRSAPSK, Cipher: cAES128, MAC: sha1},
	{ID: 0x0095, Kx: KxRSAPSK, Cipher: cAES256, MAC: sha1},
	{ID: 0x0096, Kx: KxRSA, Cipher: cSEED, MAC: sha1},
	{ID: 0x0097, Kx: KxDHDSS, Cipher: cSEED, MAC: sha1},
	{ID: 0x0098, Kx: KxDHRSA, Cipher: cSEED, MAC: sha1},
	{ID: 0x0099, Kx: KxDHEDSS, Cipher: cSEED, MAC: sha1},
	{ID: 0x009A, Kx: KxDHERSA, Cipher: cSEED, MAC: sha1},
	{ID: 0x009B, Kx: KxDHAnon, Cipher: cSEED, MAC: sha1},
	{ID: 0x009C, Kx: KxRSA, Cipher: cAES128GCM},
	{ID: 0x009D, Kx: KxRSA, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0x009E, Kx: KxDHERSA, Cipher: cAES128GCM},
	{ID: 0x009F, Kx: KxDHERSA, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0x00A0, Kx: KxDHRSA, Cipher: cAES128GCM},
	{ID: 0x00A1, Kx: KxDHRSA, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0x00A2, Kx: KxDHEDSS, Cipher: cAES128GCM},
	{ID: 0x00A3, Kx: KxDHEDSS, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0x00A4, Kx: KxDHDSS, Cipher: cAES128GCM},
	{ID: 0x00A5, Kx: KxDHDSS, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0x00A6, Kx: KxDHAnon, Cipher: cAES128GCM},
	{ID: 0x00A7, Kx: KxDHAnon, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0x00A8, Kx: KxPSK, Cipher: cAES128GCM},
	{ID: 0x00A9, Kx: KxPSK, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0x00AA, Kx: KxDHEPSK, Cipher: cAES128GCM},
	{ID: 0x00AB, Kx: KxDHEPSK, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0x00AC, Kx: KxRSAPSK, Cipher: cAES128GCM},
	{ID: 0x00AD, Kx: KxRSAPSK, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0x00AE, Kx: KxPSK, Cipher: cAES128, MAC: sha256},
	{ID: 0x00AF, Kx: KxPSK, Cipher: cAES256, MAC: sha384, PRF: sha384},
	{ID: 0x00B0, Kx: KxPSK, Cipher: cNull, MAC: sha256},
	{ID: 0x00B1, Kx: KxPSK, Cipher: cNull, MAC: sha384, PRF: sha384},
	{ID: 0x00B2, Kx: KxDHEPSK, Cipher: cAES128, MAC: sha256},
	{ID: 0x00B3, Kx: KxDHEPSK, Cipher: cAES256, MAC: sha384, PRF: sha384},
	{ID: 0x00B4, Kx: KxDHEPSK, Cipher: cNull, MAC: sha256},
	{ID: 0x00B5, Kx: KxDHEPSK, Cipher: cNull, MAC: sha384, PRF: sha384},
	{ID: 0x00B6, Kx: KxRSAPSK, Cipher: cAES128, MAC: sha256},
	{ID: 0x00B7, Kx: KxRSAPSK, Cipher: cAES256, MAC: sha384, PRF: sha384},
	{ID: 0x00B8, Kx: KxRSAPSK, Cipher: cNull, MAC: sha256},
	{ID: 0x00B9, Kx: KxRSAPSK, Cipher: cNull, MAC: sha384, PRF: sha384},
	{ID: 0x00BA, Kx: KxRSA, Cipher: cCamellia128, MAC: sha256},
	{ID: 0x00BB, Kx: KxDHDSS, Cipher: cCamellia128, MAC: sha256},
	{ID: 0x00BC, Kx: KxDHRSA, Cipher: cCamellia128, MAC: sha256},
	{ID: 0x00BD, Kx: KxDHEDSS, Cipher: cCamellia128, MAC: sha256},
	{ID: 0x00BE, Kx: KxDHERSA, Cipher: cCamellia128, MAC: sha256},
	{ID: 0x00BF, Kx: KxDHAnon, Cipher: cCamellia128, MAC: sha256},
	{ID: 0x00C0, Kx: KxRSA, Cipher: cCamellia256, MAC: sha256},
	{ID: 0x00C1, Kx: KxDHDSS, Cipher: cCamellia256, MAC: sha256},
	{ID: 0x00C2, Kx: KxDHRSA, Cipher: cCamellia256, MAC: sha256},
	{ID: 0x00C3, Kx: KxDHEDSS, Cipher: cCamellia256, MAC: sha256},
	{ID: 0x00C4, Kx: KxDHERSA, Cipher: cCamellia256, MAC: sha256},
	{ID: 0x00C5, Kx: KxDHAnon, Cipher: cCamellia256, MAC: sha256},

	// RFC 4492, RFC 8422.
	{ID: 0xC001, Kx: KxECDHECDSA, Cipher: cNull, MAC: sha1},
	{ID: 0xC002, Kx: KxECDHECDSA, Cipher: cRC4_128, MAC: sha1},
	{ID: 0xC003, Kx: KxECDHECDSA, Cipher: c3DES, MAC: sha1},
	{ID: 0xC004, Kx: KxECDHECDSA, Cipher: cAES128, MAC: sha1},
	{ID: 0xC005, Kx: KxECDHECDSA, Cipher: cAES256, MAC: sha1},
	{ID: 0xC006, Kx: KxECDHEECDSA, Cipher: cNull, MAC: sha1},
	{ID: 0xC007, Kx: KxECDHEECDSA, Cipher: cRC4_128, MAC: sha1},
	{ID: 0xC008, Kx: KxECDHEECDSA, Cipher: c3DES, MAC: sha1},
	{ID: 0xC009, Kx: KxECDHEECDSA, Cipher: cAES128, MAC: sha1},
	{ID: 0xC00A, Kx: KxECDHEECDSA, Cipher: cAES256, MAC: sha1},
	{ID: 0xC00B, Kx: KxECDHRSA, Cipher: cNull, MAC: sha1},
	{ID: 0xC00C, Kx: KxECDHRSA, Cipher: cRC4_128, MAC: sha1},
	{ID: 0xC00D, Kx: KxECDHRSA, Cipher: c3DES, MAC: sha1},
	{ID: 0xC00E, Kx: KxECDHRSA, Cipher: cAES128, MAC: sha1},
	{ID: 0xC00F, Kx: KxECDHRSA, Cipher: cAES256, MAC: sha1},
	{ID: 0xC010, Kx: KxECDHERSA, Cipher: cNull, MAC: sha1},
	{ID: 0xC011, Kx: KxECDHERSA, Cipher: cRC4_128, MAC: sha1},
	{ID: 0xC012, Kx: KxECDHERSA, Cipher: c3DES, MAC: sha1},
	{ID: 0xC013, Kx: KxECDHERSA, Cipher: cAES128, MAC: sha1},
	{ID: 0xC014, Kx: KxECDHERSA, Cipher: cAES256, MAC: sha1},
	{ID: 0xC015, Kx: KxECDHAnon, Cipher: cNull, MAC: sha1},
	{ID: 0xC016, Kx: KxECDHAnon, Cipher: cRC4_128, MAC: sha1},
	{ID: 0xC017, Kx: KxECDHAnon, Cipher: c3DES, MAC: sha1},
	{ID: 0xC018, Kx: KxECDHAnon, Cipher: cAES128, MAC: sha1},
	{ID: 0xC019, Kx: KxECDHAnon, Cipher: cAES256, MAC: sha1},
	// RFC 5054 (SRP).
	{ID: 0xC01A, Kx: KxSRP, Cipher: c3DES, MAC: sha1},
	{ID: 0xC01B, Kx: KxSRPRSA, Cipher: c3DES, MAC: sha1},
	{ID: 0xC01C, Kx: KxSRPDSS, Cipher: c3DES, MAC: sha1},
	{ID: 0xC01D, Kx: KxSRP, Cipher: cAES128, MAC: sha1},
	{ID: 0xC01E, Kx: KxSRPRSA, Cipher: cAES128, MAC: sha1},
	{ID: 0xC01F, Kx: KxSRPDSS, Cipher: cAES128, MAC: sha1},
	{ID: 0xC020, Kx: KxSRP, Cipher: cAES256, MAC: sha1},
	{ID: 0xC021, Kx: KxSRPRSA, Cipher: cAES256, MAC: sha1},
	{ID: 0xC022, Kx: KxSRPDSS, Cipher: cAES256, MAC: sha1},
	// RFC 5289.
	{ID: 0xC023, Kx: KxECDHEECDSA, Cipher: cAES128, MAC: sha256},
	{ID: 0xC024, Kx: KxECDHEECDSA, Cipher: cAES256, MAC: sha384, PRF: sha384},
	{ID: 0xC025, Kx: KxECDHECDSA, Cipher: cAES128, MAC: sha256},
	{ID: 0xC026, Kx: KxECDHECDSA, Cipher: cAES256, MAC: sha384, PRF: sha384},
	{ID: 0xC027, Kx: KxECDHERSA, Cipher: cAES128, MAC: sha256},
	{ID: 0xC028, Kx: KxECDHERSA, Cipher: cAES256, MAC: sha384, PRF: sha384},
	{ID: 0xC029, Kx: KxECDHRSA, Cipher: cAES128, MAC: sha256},
	{ID: 0xC02A, Kx: KxECDHRSA, Cipher: cAES256, MAC: sha384, PRF: sha384},
	{ID: 0xC02B, Kx: KxECDHEECDSA, Cipher: cAES128GCM},
	{ID: 0xC02C, Kx: KxECDHEECDSA, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0xC02D, Kx: KxECDHECDSA, Cipher: cAES128GCM},
	{ID: 0xC02E, Kx: KxECDHECDSA, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0xC02F, Kx: KxECDHERSA, Cipher: cAES128GCM},
	{ID: 0xC030, Kx: KxECDHERSA, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0xC031, Kx: KxECDHRSA, Cipher: cAES128GCM},
	{ID: 0xC032, Kx: KxECDHRSA, Cipher: cAES256GCM, PRF: sha384},
	// RFC 5489 (ECDHE_PSK).
	{ID: 0xC033, Kx: KxECDHEPSK, Cipher: cRC4_128, MAC: sha1},
	{ID: 0xC034, Kx: KxECDHEPSK, Cipher: c3DES, MAC: sha1},
	{ID: 0xC035, Kx: KxECDHEPSK, Cipher: cAES128, MAC: sha1},
	{ID: 0xC036, Kx: KxECDHEPSK, Cipher: cAES256, MAC: sha1},
	{ID: 0xC037, Kx: KxECDHEPSK, Cipher: cAES128, MAC: sha256},
	{ID: 0xC038, Kx: KxECDHEPSK, Cipher: cAES256, MAC: sha384, PRF: sha384},
	{ID: 0xC039, Kx: KxECDHEPSK, Cipher: cNull, MAC: sha1},
	{ID: 0xC03A, Kx: KxECDHEPSK, Cipher: cNull, MAC: sha256},
	{ID: 0xC03B, Kx: KxECDHEPSK, Cipher: cNull, MAC: sha384, PRF: sha384},
	// RFC 6209 (ARIA).
	{ID: 0xC03C, Kx: KxRSA, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC03D, Kx: KxRSA, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC03E, Kx: KxDHDSS, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC03F, Kx: KxDHDSS, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC040, Kx: KxDHRSA, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC041, Kx: KxDHRSA, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC042, Kx: KxDHEDSS, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC043, Kx: KxDHEDSS, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC044, Kx: KxDHERSA, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC045, Kx: KxDHERSA, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC046, Kx: KxDHAnon, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC047, Kx: KxDHAnon, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC048, Kx: KxECDHEECDSA, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC049, Kx: KxECDHEECDSA, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC04A, Kx: KxECDHECDSA, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC04B, Kx: KxECDHECDSA, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC04C, Kx: KxECDHERSA, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC04D, Kx: KxECDHERSA, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC04E, Kx: KxECDHRSA, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC04F, Kx: KxECDHRSA, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC050, Kx: KxRSA, Cipher: cARIA128GCM},
	{ID: 0xC051, Kx: KxRSA, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC052, Kx: KxDHERSA, Cipher: cARIA128GCM},
	{ID: 0xC053, Kx: KxDHERSA, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC054, Kx: KxDHRSA, Cipher: cARIA128GCM},
	{ID: 0xC055, Kx: KxDHRSA, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC056, Kx: KxDHEDSS, Cipher: cARIA128GCM},
	{ID: 0xC057, Kx: KxDHEDSS, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC058, Kx: KxDHDSS, Cipher: cARIA128GCM},
	{ID: 0xC059, Kx: KxDHDSS, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC05A, Kx: KxDHAnon, Cipher: cARIA128GCM},
	{ID: 0xC05B, Kx: KxDHAnon, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC05C, Kx: KxECDHEECDSA, Cipher: cARIA128GCM},
	{ID: 0xC05D, Kx: KxECDHEECDSA, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC05E, Kx: KxECDHECDSA, Cipher: cARIA128GCM},
	{ID: 0xC05F, Kx: KxECDHECDSA, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC060, Kx: KxECDHERSA, Cipher: cARIA128GCM},
	{ID: 0xC061, Kx: KxECDHERSA, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC062, Kx: KxECDHRSA, Cipher: cARIA128GCM},
	{ID: 0xC063, Kx: KxECDHRSA, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC064, Kx: KxPSK, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC065, Kx: KxPSK, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC066, Kx: KxDHEPSK, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC067, Kx: KxDHEPSK, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC068, Kx: KxRSAPSK, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC069, Kx: KxRSAPSK, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	{ID: 0xC06A, Kx: KxPSK, Cipher: cARIA128GCM},
	{ID: 0xC06B, Kx: KxPSK, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC06C, Kx: KxDHEPSK, Cipher: cARIA128GCM},
	{ID: 0xC06D, Kx: KxDHEPSK, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC06E, Kx: KxRSAPSK, Cipher: cARIA128GCM},
	{ID: 0xC06F, Kx: KxRSAPSK, Cipher: cARIA256GCM, PRF: sha384},
	{ID: 0xC070, Kx: KxECDHEPSK, Cipher: cARIA128, MAC: sha256},
	{ID: 0xC071, Kx: KxECDHEPSK, Cipher: cARIA256, MAC: sha384, PRF: sha384},
	// RFC 6367 (Camellia).
	{ID: 0xC072, Kx: KxECDHEECDSA, Cipher: cCamellia128, MAC: sha256},
	{ID: 0xC073, Kx: KxECDHEECDSA, Cipher: cCamellia256, MAC: sha384, PRF: sha384},
	{ID: 0xC074, Kx: KxECDHECDSA, Cipher: cCamellia128, MAC: sha256},
	{ID: 0xC075, Kx: KxECDHECDSA, Cipher: cCamellia256, MAC: sha384, PRF: sha384},
	{ID: 0xC076, Kx: KxECDHERSA, Cipher: cCamellia128, MAC: sha256},
	{ID: 0xC077, Kx: KxECDHERSA, Cipher: cCamellia256, MAC: sha384, PRF: sha384},
	{ID: 0xC078, Kx: KxECDHRSA, Cipher: cCamellia128, MAC: sha256},
	{ID: 0xC079, Kx: KxECDHRSA, Cipher: cCamellia256, MAC: sha384, PRF: sha384},
	{ID: 0xC07A, Kx: KxRSA, Cipher: cCamellia128GCM},
	{ID: 0xC07B, Kx: KxRSA, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC07C, Kx: KxDHERSA, Cipher: cCamellia128GCM},
	{ID: 0xC07D, Kx: KxDHERSA, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC07E, Kx: KxDHRSA, Cipher: cCamellia128GCM},
	{ID: 0xC07F, Kx: KxDHRSA, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC080, Kx: KxDHEDSS, Cipher: cCamellia128GCM},
	{ID: 0xC081, Kx: KxDHEDSS, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC082, Kx: KxDHDSS, Cipher: cCamellia128GCM},
	{ID: 0xC083, Kx: KxDHDSS, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC084, Kx: KxDHAnon, Cipher: cCamellia128GCM},
	{ID: 0xC085, Kx: KxDHAnon, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC086, Kx: KxECDHEECDSA, Cipher: cCamellia128GCM},
	{ID: 0xC087, Kx: KxECDHEECDSA, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC088, Kx: KxECDHECDSA, Cipher: cCamellia128GCM},
	{ID: 0xC089, Kx: KxECDHECDSA, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC08A, Kx: KxECDHERSA, Cipher: cCamellia128GCM},
	{ID: 0xC08B, Kx: KxECDHERSA, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC08C, Kx: KxECDHRSA, Cipher: cCamellia128GCM},
	{ID: 0xC08D, Kx: KxECDHRSA, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC08E, Kx: KxPSK, Cipher: cCamellia128GCM},
	{ID: 0xC08F, Kx: KxPSK, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC090, Kx: KxDHEPSK, Cipher: cCamellia128GCM},
	{ID: 0xC091, Kx: KxDHEPSK, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC092, Kx: KxRSAPSK, Cipher: cCamellia128GCM},
	{ID: 0xC093, Kx: KxRSAPSK, Cipher: cCamellia256GCM, PRF: sha384},
	{ID: 0xC094, Kx: KxPSK, Cipher: cCamellia128, MAC: sha256},
	{ID: 0xC095, Kx: KxPSK, Cipher: cCamellia256, MAC: sha384, PRF: sha384},
	{ID: 0xC096, Kx: KxDHEPSK, Cipher: cCamellia128, MAC: sha256},
	{ID: 0xC097, Kx: KxDHEPSK, Cipher: cCamellia256, MAC: sha384, PRF: sha384},
	{ID: 0xC098, Kx: KxRSAPSK, Cipher: cCamellia128, MAC: sha256},
	{ID: 0xC099, Kx: KxRSAPSK, Cipher: cCamellia256, MAC: sha384, PRF: sha384},
	{ID: 0xC09A, Kx: KxECDHEPSK, Cipher: cCamellia128, MAC: sha256},
	{ID: 0xC09B, Kx: KxECDHEPSK, Cipher: cCamellia256, MAC: sha384, PRF: sha384},
	// RFC 6655, RFC 7251 (AES-CCM): the PRF is SHA-256 for all.
	{ID: 0xC09C, Kx: KxRSA, Cipher: cAES128CCM},
	{ID: 0xC09D, Kx: KxRSA, Cipher: cAES256CCM},
	{ID: 0xC09E, Kx: KxDHERSA, Cipher: cAES128CCM},
	{ID: 0xC09F, Kx: KxDHERSA, Cipher: cAES256CCM},
	{ID: 0xC0A0, Kx: KxRSA, Cipher: cAES128CCM8},
	{ID: 0xC0A1, Kx: KxRSA, Cipher: cAES256CCM8},
	{ID: 0xC0A2, Kx: KxDHERSA, Cipher: cAES128CCM8},
	{ID: 0xC0A3, Kx: KxDHERSA, Cipher: cAES256CCM8},
	{ID: 0xC0A4, Kx: KxPSK, Cipher: cAES128CCM},
	{ID: 0xC0A5, Kx: KxPSK, Cipher: cAES256CCM},
	{ID: 0xC0A6, Kx: KxDHEPSK, Cipher: cAES128CCM},
	{ID: 0xC0A7, Kx: KxDHEPSK, Cipher: cAES256CCM},
	{ID: 0xC0A8, Kx: KxPSK, Cipher: cAES128CCM8},
	{ID: 0xC0A9, Kx: KxPSK, Cipher: cAES256CCM8},
	{ID: 0xC0AA, Kx: KxDHEPSK, Cipher: cAES128CCM8},
	{ID: 0xC0AB, Kx: KxDHEPSK, Cipher: cAES256CCM8},
	{ID: 0xC0AC, Kx: KxECDHEECDSA, Cipher: cAES128CCM},
	{ID: 0xC0AD, Kx: KxECDHEECDSA, Cipher: cAES256CCM},
	{ID: 0xC0AE, Kx: KxECDHEECDSA, Cipher: cAES128CCM8},
	{ID: 0xC0AF, Kx: KxECDHEECDSA, Cipher: cAES256CCM8},
	// RFC 7905 (ChaCha20-Poly1305).
	{ID: 0xCCA8, Kx: KxECDHERSA, Cipher: cChaCha20},
	{ID: 0xCCA9, Kx: KxECDHEECDSA, Cipher: cChaCha20},
	{ID: 0xCCAA, Kx: KxDHERSA, Cipher: cChaCha20},
	{ID: 0xCCAB, Kx: KxPSK, Cipher: cChaCha20},
	{ID: 0xCCAC, Kx: KxECDHEPSK, Cipher: cChaCha20},
	{ID: 0xCCAD, Kx: KxDHEPSK, Cipher: cChaCha20},
	{ID: 0xCCAE, Kx: KxRSAPSK, Cipher: cChaCha20},
	// RFC 8442 (ECDHE_PSK with AES-GCM and AES-CCM).
	{ID: 0xD001, Kx: KxECDHEPSK, Cipher: cAES128GCM},
	{ID: 0xD002, Kx: KxECDHEPSK, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0xD003, Kx: KxECDHEPSK, Cipher: cAES128CCM8},
	{ID: 0xD005, Kx: KxECDHEPSK, Cipher: cAES128CCM},
}

// suites13 are the TLS 1.3 suites (RFC 8446 B.4). Their IV is the 12-byte
// per-record nonce base; the nonce is always XORed with the sequence number.
var suites13 = []suiteDef{
	{ID: 0x1301, Kx: KxTLS13, Cipher: cAES128GCM, PRF: sha256},
	{ID: 0x1302, Kx: KxTLS13, Cipher: cAES256GCM, PRF: sha384},
	{ID: 0x1303, Kx: KxTLS13, Cipher: cChaCha20, PRF: sha256},
	{ID: 0x1304, Kx: KxTLS13, Cipher: cAES128CCM, PRF: sha256},
	{ID: 0x1305, Kx: KxTLS13, Cipher: cAES128CCM8, PRF: sha256},
}

// suiteTable is built once, at package initialization, and only read after.
var suiteTable = buildSuiteTable()

func buildSuiteTable() map[uint16]*Suite {
	specs := cipherSpecs()
	m := make(map[uint16]*Suite, len(suiteDefs)+len(suites13))
	add := func(d suiteDef, tls13 bool) {
		spec := specs[d.Cipher]
		s := &Suite{
			ID:               d.ID,
			KeyExchange:      d.Kx,
			Cipher:           spec.name,
			Mode:             spec.mode,
			KeyLen:           spec.keyLen,
			ExportKeyLen:     spec.exportKeyLen,
			IVLen:            spec.ivLen,
			ExplicitNonceLen: spec.explicitNonce,
			BlockSize:        spec.blockSize,
			MACHash:          d.MAC,
			TagLen:           spec.tagLen,
			PRFHash:          d.PRF,
			Export:           spec.exportKeyLen > 0,
			TLS13:            tls13,
			MinVersion:       VersionSSL30,
			spec:             &spec,
		}
		if d.MAC != 0 {
			s.MACLen = d.MAC.Size()
		}
		if s.PRFHash == 0 {
			s.PRFHash = sha256
		}
		if spec.mode == ModeAEAD || d.MAC == sha256 || d.MAC == sha384 {
			s.MinVersion = VersionTLS12
		}
		if tls13 {
			s.MinVersion = VersionTLS13
			s.IVLen = 12
			s.ExplicitNonceLen = 0
			s.spec.nonce = nonceXOR
		}
		switch spec.mode {
		case ModeStream:
			s.Available = d.Cipher == cNull || spec.newStream != nil
		case ModeCBC:
			s.Available = spec.newBlock != nil
		case ModeAEAD:
			s.Available = spec.newAEAD != nil
		}
		m[d.ID] = s
	}
	for _, d := range suiteDefs {
		add(d, false)
	}
	for _, d := range suites13 {
		add(d, true)
	}
	return m
}

// LookupSuite returns the crypto description of a cipher suite. The
// returned Suite is shared and must not be modified.
func LookupSuite(id uint16) (*Suite, bool) {
	s, ok := suiteTable[id]
	return s, ok
}

// SuiteIDs returns the ids of every suite in the table, in ascending order.
func SuiteIDs() []uint16 {
	ids := make([]uint16, 0, len(suiteTable))
	for id := range suiteTable {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
