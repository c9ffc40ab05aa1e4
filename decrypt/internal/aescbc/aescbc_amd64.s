//go:build amd64 && !purego

#include "textflag.h"

// CBC decryption with AES-NI. Plaintext block i is D(C[i]) xor C[i-1]:
// the block decryptions do not depend on one another, so eight of them
// go through each round together (AESDEC has a latency of several cycles
// but a throughput of one or two a cycle). Then a one-block loop for the
// last 0-7 blocks: four at once if there are four, then one at a time.
//
// Registers:
//	AX	round key 0
//	R8	round key rounds-10: rounds 11-14 are at negative offsets from it,
//		the common last ten at 16..160
//	CX	rounds (10, 12 or 14)
//	DX	*iv
//	SI, DI	src, dst
//	BX	blocks left
//	X0-X7	the blocks in flight
//	X8	the round key of the moment, then ciphertext for the XOR
//	X9	the next IV (the last ciphertext block of the batch)
//	X10	the current IV (the ciphertext block before the batch)
// X15 (the zero register of Go's internal ABI) and R14 are not touched.

#define WHITEN8 \
	MOVOU (AX), X8 \
	PXOR  X8, X0   \
	PXOR  X8, X1   \
	PXOR  X8, X2   \
	PXOR  X8, X3   \
	PXOR  X8, X4   \
	PXOR  X8, X5   \
	PXOR  X8, X6   \
	PXOR  X8, X7

#define ROUND8(off) \
	MOVOU  off(R8), X8 \
	AESDEC X8, X0      \
	AESDEC X8, X1      \
	AESDEC X8, X2      \
	AESDEC X8, X3      \
	AESDEC X8, X4      \
	AESDEC X8, X5      \
	AESDEC X8, X6      \
	AESDEC X8, X7

#define LAST8 \
	MOVOU      160(R8), X8 \
	AESDECLAST X8, X0      \
	AESDECLAST X8, X1      \
	AESDECLAST X8, X2      \
	AESDECLAST X8, X3      \
	AESDECLAST X8, X4      \
	AESDECLAST X8, X5      \
	AESDECLAST X8, X6      \
	AESDECLAST X8, X7

#define ROUND4(off) \
	MOVOU  off(R8), X8 \
	AESDEC X8, X0      \
	AESDEC X8, X1      \
	AESDEC X8, X2      \
	AESDEC X8, X3

#define ROUND1(off) \
	MOVOU  off(R8), X8 \
	AESDEC X8, X0

// func decryptBlocks(rk *byte, rounds int, iv *[BlockSize]byte, dst, src *byte, n int)
TEXT ·decryptBlocks(SB), NOSPLIT, $0-48
	MOVQ rk+0(FP), AX
	MOVQ rounds+8(FP), CX
	MOVQ iv+16(FP), DX
	MOVQ dst+24(FP), DI
	MOVQ src+32(FP), SI
	MOVQ n+40(FP), BX
	MOVOU (DX), X10

	// R8 = AX + 16*(rounds-10)
	MOVQ CX, R8
	SHLQ $4, R8
	LEAQ -160(AX)(R8*1), R8

	CMPQ BX, $8
	JB   tail

loop8:
	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3
	MOVOU 64(SI), X4
	MOVOU 80(SI), X5
	MOVOU 96(SI), X6
	MOVOU 112(SI), X7
	WHITEN8
	CMPQ CX, $12
	JB   r10x8
	JE   r12x8
	ROUND8(-48)
	ROUND8(-32)

r12x8:
	ROUND8(-16)
	ROUND8(0)

r10x8:
	ROUND8(16)
	ROUND8(32)
	ROUND8(48)
	ROUND8(64)
	ROUND8(80)
	ROUND8(96)
	ROUND8(112)
	ROUND8(128)
	ROUND8(144)
	LAST8

	// XOR with the previous ciphertext blocks and store, last block
	// first: when dst == src, C[i-1] is read before P[i-1] overwrites it.
	MOVOU 112(SI), X9
	MOVOU 96(SI), X8
	PXOR  X8, X7
	MOVOU X7, 112(DI)
	MOVOU 80(SI), X8
	PXOR  X8, X6
	MOVOU X6, 96(DI)
	MOVOU 64(SI), X8
	PXOR  X8, X5
	MOVOU X5, 80(DI)
	MOVOU 48(SI), X8
	PXOR  X8, X4
	MOVOU X4, 64(DI)
	MOVOU 32(SI), X8
	PXOR  X8, X3
	MOVOU X3, 48(DI)
	MOVOU 16(SI), X8
	PXOR  X8, X2
	MOVOU X2, 32(DI)
	MOVOU 0(SI), X8
	PXOR  X8, X1
	MOVOU X1, 16(DI)
	PXOR  X10, X0
	MOVOU X0, 0(DI)
	MOVO  X9, X10

	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $8, BX
	CMPQ BX, $8
	JAE  loop8

tail:
	CMPQ BX, $4
	JB   tail1

	// Four blocks, as above.
	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3
	MOVOU (AX), X8
	PXOR  X8, X0
	PXOR  X8, X1
	PXOR  X8, X2
	PXOR  X8, X3
	CMPQ  CX, $12
	JB    r10x4
	JE    r12x4
	ROUND4(-48)
	ROUND4(-32)

r12x4:
	ROUND4(-16)
	ROUND4(0)

r10x4:
	ROUND4(16)
	ROUND4(32)
	ROUND4(48)
	ROUND4(64)
	ROUND4(80)
	ROUND4(96)
	ROUND4(112)
	ROUND4(128)
	ROUND4(144)
	MOVOU      160(R8), X8
	AESDECLAST X8, X0
	AESDECLAST X8, X1
	AESDECLAST X8, X2
	AESDECLAST X8, X3
	MOVOU      48(SI), X9
	MOVOU      32(SI), X8
	PXOR       X8, X3
	MOVOU      X3, 48(DI)
	MOVOU      16(SI), X8
	PXOR       X8, X2
	MOVOU      X2, 32(DI)
	MOVOU      0(SI), X8
	PXOR       X8, X1
	MOVOU      X1, 16(DI)
	PXOR       X10, X0
	MOVOU      X0, 0(DI)
	MOVO       X9, X10
	ADDQ       $64, SI
	ADDQ       $64, DI
	SUBQ       $4, BX

tail1:
	TESTQ BX, BX
	JZ    done

loop1:
	MOVOU (SI), X0
	MOVO  X0, X9
	MOVOU (AX), X8
	PXOR  X8, X0
	CMPQ  CX, $12
	JB    r10x1
	JE    r12x1
	ROUND1(-48)
	ROUND1(-32)

r12x1:
	ROUND1(-16)
	ROUND1(0)

r10x1:
	ROUND1(16)
	ROUND1(32)
	ROUND1(48)
	ROUND1(64)
	ROUND1(80)
	ROUND1(96)
	ROUND1(112)
	ROUND1(128)
	ROUND1(144)
	MOVOU      160(R8), X8
	AESDECLAST X8, X0
	PXOR       X10, X0
	MOVOU      X0, (DI)
	MOVO       X9, X10
	ADDQ       $16, SI
	ADDQ       $16, DI
	DECQ       BX
	JNZ        loop1

done:
	MOVOU X10, (DX)
	RET
