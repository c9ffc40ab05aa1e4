// Package ciphertest is the test harness shared by the block ciphers under
// decrypt/internal (aria, camellia, seed, idea, rc2): known-answer vectors,
// random round trips, a CBC round trip through crypto/cipher, bad key
// lengths, the short-buffer panics of the cipher.Block contract and a
// benchmark; and, for the S-box tests, Permutation and GF(2^8) arithmetic
// (GFMul, GFPow). Each cipher keeps its own vectors and its cipher-specific
// tests in its own test file and calls these helpers from there.
//
// It is a normal package so that the test files of several packages can
// share it, but only _test.go files may import it (see imports_test.go).
package ciphertest
