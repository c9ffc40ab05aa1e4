// Package rc2 implements the RC2 block cipher as described in RFC 2268 (R.
// Rivest, "A Description of the RC2(r) Encryption Algorithm", 1998): a
// 64-bit block of four 16-bit words, 16 mixing and 2 mashing rounds, and a
// key schedule driven by the 256-byte PITABLE that takes a key of 1 to 128
// bytes and an effective key length T1 of 1 to 1024 bits.
//
// ssldissect needs it to decrypt captured sessions that negotiated
// TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5 (0x0006, RFC 2246 and RFC 6101). The
// cipher is exposed through crypto/cipher.Block, so the standard modes
// (cipher.NewCBCDecrypter, ...) work on top of it. The effective key length
// is an explicit NewCipher argument because the key length does not imply
// it: RFC 2268's vectors use an 8-byte key with T1 = 63, and implementations
// differ in their default (OpenSSL's EVP RC2 uses 8 * key length).
//
// As with the standard library's block ciphers, Encrypt and Decrypt panic if
// src or dst is shorter than BlockSize ("rc2: input not full block",
// "rc2: output not full block"); only the first BlockSize bytes are used.
// src and dst may be the same slice.
//
// The tests hold all eight vectors of RFC 2268 section 5 (effective key
// lengths 63, 64, 128 and 129 bits, keys of 1 to 33 bytes), plus vectors
// from OpenSSL's legacy provider (RC2-40-CBC, RC2-64-CBC, RC2-CBC) and from
// an independent implementation for T1 = 40 with a 16-byte key and T1 =
// 1024.
//
// Non-goals: the mashing rounds index the key with data (R[i-1] & 63), so
// the cipher leaks through the cache, and no constant-time or side-channel
// guarantee is made. This package exists so that a passive analyzer can
// decrypt recorded traffic with known keys; it must not be used to protect
// live data. RC2's SSLv2 cipher specs (RC2_128_CBC_WITH_MD5 and its export
// variant) are out of scope, as SSLv2 records are. There is no assembly
// and no key wiping.
package rc2
