//go:build amd64 && !purego

package aescbc

import "golang.org/x/sys/cpu"

var useAsm = cpu.X86.HasAES

// decryptBlocks decrypts n >= 1 blocks from src to dst (the same memory
// or disjoint) with the rounds+1 decryption round keys at rk, chaining
// from *iv, and leaves the last ciphertext block in *iv. In
// aescbc_amd64.s.
//
//go:noescape
func decryptBlocks(rk *byte, rounds int, iv *[BlockSize]byte, dst, src *byte, n int)
