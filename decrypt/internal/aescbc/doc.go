// Package aescbc decrypts AES-CBC (FIPS 197, NIST SP 800-38A) for the TLS
// CBC suites, faster than crypto/cipher where it can.
//
// CBC decryption is parallel across blocks: plaintext block i is
// D(C[i]) xor C[i-1], and no block decryption waits for another. Go's
// crypto/cipher CBC decrypter on amd64 still decrypts one block at a
// time, so each AESDEC waits for the one before it. Here, on amd64 with
// AES-NI (golang.org/x/sys/cpu's X86.HasAES), an assembly loop keeps eight
// blocks in flight through every round, then four, then one at a time for
// the rest; it works in place (dst == src), reading every ciphertext block
// it still needs before its plaintext overwrites it. Elsewhere (other
// architectures, the purego build tag, CPUs without AES) Decrypter is
// crypto/cipher's CBC decrypter over crypto/aes.
//
// Decrypter is a cipher.BlockMode with SetIV, like the decrypter
// crypto/cipher.NewCBCDecrypter returns, built from the raw key (16, 24 or
// 32 bytes): the assembly needs the round keys of the equivalent inverse
// cipher (FIPS 197 section 5.3.5), which this package derives in Go (key
// expansion with an S-box computed at init, InvMixColumns on the middle
// round keys by a table computed at init too). Its panics are those of crypto/cipher's: input not a
// multiple of 16 bytes, output shorter than input, buffers that overlap
// other than exactly, an IV that is not 16 bytes.
//
// Tests: the S-box and key schedules against FIPS 197 (appendix A), the
// SP 800-38A CBC vectors (F.2.2, F.2.4, F.2.6), crypto/cipher's decrypter
// for random keys, IVs and lengths (in place and not, split over two calls,
// IV chaining), FuzzCBC against crypto/cipher; BenchmarkCBCDecrypt compares
// the two (docs/PERFORMANCE.md).
//
// Non-goals: encryption (CBC encryption is serial, and nothing here
// encrypts), other modes, constant-time guarantees beyond what AES-NI gives
// (the data is captured traffic), key wiping.
package aescbc
