// Package seed implements the SEED block cipher as specified in RFC 4269
// ("The SEED Encryption Algorithm"): a 16-round Feistel cipher with a
// 128-bit block and a 128-bit key.
//
// SEED is used by the TLS cipher suites of RFC 4162 (for example
// TLS_RSA_WITH_SEED_CBC_SHA); ssldissect needs it to decrypt captured
// sessions that negotiated one of them.
//
// The cipher is exposed through crypto/cipher.Block, so the standard modes
// (cipher.NewCBCDecrypter, ...) work on top of it.
//
// As with the standard library's block ciphers, Encrypt and Decrypt panic if
// src or dst is shorter than BlockSize ("seed: input not full block",
// "seed: output not full block"); only the first BlockSize bytes are used.
// src and dst may be the same slice.
//
// Non-goals: this implementation uses table look-ups indexed by secret data
// and makes no constant-time or side-channel guarantees. It exists so that a
// passive analyzer can decrypt recorded traffic with known keys; it must not
// be used to protect live data. There is no assembly and no key wiping.
//
// Tables: the 8-bit S-boxes S1 and S2 are those of RFC 4269 Appendix A; the
// four 32-bit SS-boxes the G function uses are built from them with the
// masks m0..m3 of section 2.2 when the package initialises. The tests check
// S1 and S2 against their algebraic definitions (affine maps of x^247 and
// x^251 in GF(2^8)) and the cipher against all four vectors of RFC 4269
// Appendix B.
package seed
