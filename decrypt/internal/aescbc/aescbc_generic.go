//go:build !amd64 || purego

package aescbc

const useAsm = false

func decryptBlocks(rk *byte, rounds int, iv *[BlockSize]byte, dst, src *byte, n int) {
	panic("aescbc: no assembly on this platform")
}
