package filter

import (
	"encoding/binary"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// runBPF is a classic BPF interpreter with Linux's semantics for what the
// compiler emits: a load past the end of the frame, or a division by zero,
// ends the program with 0. VLAN tags stay in the frame (no offload).
func runBPF(t *testing.T, prog []BPFInstruction, frame []byte) bool {
	t.Helper()
	var a, x uint32
	var mem [16]uint32
	load := func(off uint32, size uint16) (uint32, bool) {
		if off == skfVLANPresent && size == bpfW {
			return 0, true
		}
		n := map[uint16]uint32{bpfW: 4, bpfH: 2, bpfB: 1}[size]
		if uint64(off)+uint64(n) > uint64(len(frame)) {
			return 0, false
		}
		switch n {
		case 4:
			return binary.BigEndian.Uint32(frame[off:]), true
		case 2:
			return uint32(binary.BigEndian.Uint16(frame[off:])), true
		}
		return uint32(frame[off]), true
	}
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		cls, size, mode := in.Op&0x07, in.Op&0x18, in.Op&0xe0
		switch cls {
		case bpfLD:
			var ok bool
			switch mode {
			case bpfIMM:
				a, ok = in.K, true
			case bpfLEN:
				a, ok = uint32(len(frame)), true
			case bpfABS:
				a, ok = load(in.K, size)
			case bpfIND:
				a, ok = load(x+in.K, size)
			case bpfMEM:
				a, ok = mem[in.K], true
			}
			if !ok {
				return false
			}
		case bpfLDX:
			switch mode {
			case bpfMSH:
				v, ok := load(in.K, bpfB)
				if !ok {
					return false
				}
				x = 4 * (v & 0xf)
			case bpfMEM:
				x = mem[in.K]
			default:
				t.Fatalf("pc %d: ldx mode %#x", pc, mode)
			}
		case bpfST:
			mem[in.K] = a
		case bpfALU:
			v := in.K
			if in.Op&bpfX != 0 {
				v = x
			}
			op := in.Op & 0xf0
			if op == bpfNEG {
				a = -a
				break
			}
			var ok bool
			a, ok = binop(map[uint16]string{bpfADD: "+", bpfSUB: "-", bpfMUL: "*", bpfDIV: "/", bpfMOD: "%",
				bpfAND: "&", bpfOR: "|", bpfXOR: "^", bpfLSH: "<<", bpfRSH: ">>"}[op], a, v)
			if !ok {
				return false
			}
		case bpfJMP:
			op := in.Op & 0xf0
			if op == bpfJA {
				pc += int(in.K)
				break
			}
			v := in.K
			if in.Op&bpfX != 0 {
				v = x
			}
			var c bool
			switch op {
			case bpfJEQ:
				c = a == v
			case bpfJGT:
				c = a > v
			case bpfJGE:
				c = a >= v
			case bpfJSET:
				c = a&v != 0
			}
			if c {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case bpfRET:
			return in.K != 0
		case bpfMISC:
			x = a
		}
	}
	t.Fatal("program fell off its end")
	return false
}

// TestEthernetBPF checks the BPF form of every Match case's filter against
// Match on every test packet: the program accepts whatever Match accepts,
// and, on frames it does not hand over to Match (tagged, fragments),
// exactly that.
func TestEthernetBPF(t *testing.T) {
	pkts := buildPackets(t)
	compiled, skipped := 0, 0
	for _, c := range matchCases {
		f, err := Compile(c.expr)
		if err != nil {
			t.Fatalf("Compile(%q): %v", c.expr, err)
		}
		prog, err := f.EthernetBPF()
		if err != nil {
			if !errors.Is(err, ErrNoBPF) {
				t.Errorf("EthernetBPF(%q): %v", c.expr, err)
			}
			skipped++
			continue
		}
		compiled++
		for _, p := range pkts {
			m := metaOf(p.frame)
			want := f.Match(m)
			got := runBPF(t, prog, p.frame)
			punted := len(m.VLANs) > 0 || p.name == "frag4" || len(p.frame) < 14 ||
				m.EtherType == 0x0800 && len(p.frame) < 34 || m.EtherType == 0x86dd && len(p.frame) < 54
			if p.name == "sctp4" {
				// metaOf gives SCTP ports; the capture decoder does not.
				continue
			}
			if want && !got || !punted && got != want {
				t.Errorf("%q on %s: BPF %v, Match %v", c.expr, p.name, got, want)
			}
			// Truncated frames: never rejected when Match keeps them.
			for _, cut := range []int{0, 6, 13, 14, 20, 30, 33, 34, 40, 53, 54} {
				if cut >= len(p.frame) {
					break
				}
				fr := p.frame[:cut]
				mc := metaOf(fr)
				if mc.HasPorts && len(mc.L4) < 4 {
					continue // gopacket's lenient decoding; the capture decoder gives no ports
				}
				if f.Match(mc) && !runBPF(t, prog, fr) {
					t.Errorf("%q on %s cut to %d bytes: BPF rejects, Match keeps", c.expr, p.name, cut)
				}
			}
		}
	}
	t.Logf("%d filters compiled to BPF, %d applied by Match alone", compiled, skipped)
	if compiled < len(matchCases)/2 {
		t.Errorf("only %d of %d filters compiled", compiled, len(matchCases))
	}
}

// TestEthernetBPFCorpus checks the superset property on the FuzzCompile
// corpus: whatever Match keeps, the BPF form keeps too. Every corpus file
// must be a FuzzCompile entry, and some of them must compile to BPF.
func TestEthernetBPFCorpus(t *testing.T) {
	files := testenv.SeedCorpus(t, "FuzzCompile")
	pkts := buildPackets(t)
	n, invalid, noBPF := 0, 0, 0
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "string(") {
			t.Errorf("%s: not a FuzzCompile entry (go test fuzz v1, one string): %q", name, b)
			continue
		}
		expr, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		f, err := Compile(expr)
		if err != nil {
			invalid++
			continue
		}
		prog, err := f.EthernetBPF()
		if err != nil {
			if !errors.Is(err, ErrNoBPF) {
				t.Errorf("%q: %v", expr, err)
			}
			noBPF++
			continue
		}
		n++
		for _, p := range pkts {
			if p.name == "sctp4" {
				continue
			}
			if f.Match(metaOf(p.frame)) && !runBPF(t, prog, p.frame) {
				t.Errorf("%q on %s: BPF rejects, Match keeps", expr, p.name)
			}
		}
	}
	t.Logf("%d corpus filters checked; of the %d files, %d do not compile and %d have no BPF form", n, len(files), invalid, noBPF)
	if n == 0 {
		t.Errorf("no filter of the %d corpus files compiles to BPF: nothing was checked", len(files))
	}
}
