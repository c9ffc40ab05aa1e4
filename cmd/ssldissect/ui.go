package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
)

// Exit statuses, as CONTRACT.md names them.
const (
	exitOK      = 0
	exitFailure = 1 // bad usage or unreadable input
	exitFailOn  = 3 // audit --fail-on matched
)

// usageError is a bad command line: the message and a hint.
type usageError struct {
	msg, hint string
}

func (e *usageError) Error() string { return e.msg }

func usagef(hint, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// failOnError reports that audit --fail-on matched; it is not printed as an
// error, only turned into exit status 3.
type failOnError struct{ what string }

func (e *failOnError) Error() string { return "found " + e.what }

// exitCode maps the error run returned to the process exit status and prints
// it, prefixed with "ssldissect: ", on stderr. It is the only place that
// decides how the program ends.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var fo *failOnError
	if errors.As(err, &fo) {
		fmt.Fprintf(stderr, "ssldissect: %s (--fail-on)\n", fo.what)
		return exitFailOn
	}
	msg := strings.TrimSuffix(err.Error(), ".")
	fmt.Fprintf(stderr, "ssldissect: error: %s\n", msg)
	var ue *usageError
	if errors.As(err, &ue) && ue.hint != "" {
		fmt.Fprintf(stderr, "ssldissect: hint: %s\n", ue.hint)
	}
	return exitFailure
}

func main() {
	floor := gcFloor()
	stop := cpuProfile(os.Getenv("SSLDISSECT_CPUPROFILE"))
	code := exitCode(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr), os.Stderr)
	stop()
	memProfile(os.Getenv("SSLDISSECT_MEMPROFILE"))
	runtime.KeepAlive(floor)
	os.Exit(code)
}

// cpuProfile writes a CPU profile of the whole process to the file named
// (docs/PERFORMANCE.md); "" profiles nothing. It returns what ends it.
func cpuProfile(name string) func() {
	if name == "" {
		return func() {}
	}
	f, err := os.Create(name)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ssldissect: SSLDISSECT_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// memProfile writes the allocation profile of the run (go tool pprof
// -sample_index=alloc_space) to the file named; "" writes nothing.
func memProfile(name string) {
	if name == "" {
		return
	}
	f, err := os.Create(name)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if e := f.Close(); err == nil {
			err = e
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ssldissect: SSLDISSECT_MEMPROFILE: %v\n", err)
	}
}

// gcFloor returns memory that is allocated and never touched, so that the
// garbage collector, which lets the heap grow to twice what is live
// (GOGC=100) before it runs, counts it as live and waits for the heap to
// pass twice gcFloorBytes more: a run whose live heap is small (most
// captures: tens of MB) is not collected every few MB, which cost a third
// of the CPU on a capture of bulk transfers. Untouched, the pages are
// never backed by memory (the peak RSS grows by what the heap is allowed
// to grow, not by the floor); the collector does not scan it (it holds no
// pointers). GOGC and GOMEMLIMIT still apply; SSLDISSECT_GC_FLOOR_MB sets
// its size (0: none).
func gcFloor() []byte {
	n := gcFloorBytes
	if v, err := strconv.Atoi(os.Getenv("SSLDISSECT_GC_FLOOR_MB")); err == nil && v >= 0 && v <= 4096 {
		n = v << 20
	}
	if n == 0 {
		return nil
	}
	return make([]byte, n)
}

// gcFloorBytes is the default size of gcFloor.
const gcFloorBytes = 32 << 20
