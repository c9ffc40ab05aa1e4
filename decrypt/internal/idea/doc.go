// Package idea implements the IDEA block cipher (International Data
// Encryption Algorithm, X. Lai and J. Massey, 1991): 8.5 rounds of the
// Lai-Massey structure on a 64-bit block with a 128-bit key, exactly as
// used by TLS_RSA_WITH_IDEA_CBC_SHA (RFC 5469, and earlier RFC 2246).
//
// ssldissect needs it to decrypt captured sessions that negotiated that
// suite. The cipher is exposed through crypto/cipher.Block, so the standard
// modes (cipher.NewCBCDecrypter, ...) work on top of it.
//
// As with the standard library's block ciphers, Encrypt and Decrypt panic if
// src or dst is shorter than BlockSize ("idea: input not full block",
// "idea: output not full block"); only the first BlockSize bytes are used.
// src and dst may be the same slice.
//
// Arithmetic: the three group operations are XOR of 16-bit words, addition
// modulo 2^16, and multiplication modulo 2^16+1 where the all-zero word
// stands for 2^16. There are no tables.
//
// Non-goals: the multiplication branches on its (secret) operands, and no
// constant-time or side-channel guarantee is made. This package exists so
// that a passive analyzer can decrypt recorded traffic with known keys; it
// must not be used to protect live data. There is no assembly and no key
// wiping.
package idea
