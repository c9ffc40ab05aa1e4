//go:build linux

package filter

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// TestEthernetBPFKernelAccepts attaches the BPF form of every Match case's
// filter to a socket: the kernel's checker accepts each program. Any
// socket takes a classic filter, so this needs no privilege.
func TestEthernetBPFKernelAccepts(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		testenv.Unavailable(t, "socket", "%v: the kernel's BPF checker cannot be asked", err)
	}
	defer unix.Close(fd)
	for _, c := range matchCases {
		f, err := Compile(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := f.EthernetBPF()
		if errors.Is(err, ErrNoBPF) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sf := make([]unix.SockFilter, len(prog))
		for i, in := range prog {
			sf[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
		}
		fp := unix.SockFprog{Len: uint16(len(sf)), Filter: &sf[0]}
		if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fp); err != nil {
			t.Errorf("%q (%d instructions): the kernel refuses it: %v", c.expr, len(prog), err)
		}
	}
}
