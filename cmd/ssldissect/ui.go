package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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
	gcFloor()
	stop := cpuProfile(os.Getenv("SSLDISSECT_CPUPROFILE"))
	code := exitCode(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr), os.Stderr)
	stop()
	memProfile(os.Getenv("SSLDISSECT_MEMPROFILE"))
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

// gcFloor paces the garbage collector so that a run whose live heap is
// small (most captures: tens of MB) is not collected every few MB, which
// cost a third of the CPU on a capture of bulk transfers: a cycle starts
// when the heap reaches twice what the last one left live plus
// gcFloorBytes, as if gcFloorBytes more were live (GOGC=100 with a
// ballast of that size, which is how it was done until its allocation
// started a collection at startup: 8 ms of CPU, most of it scanning
// gopacket's 5 MB of tables of globals, in every run). The collector's
// own percentage is off (SetGCPercent(-1)) and the pace is a memory limit
// (SetMemoryLimit), set again after each cycle from the live heap it
// left. A GOGC or GOMEMLIMIT in the environment is left to rule alone;
// SSLDISSECT_GC_FLOOR_MB sets the floor (0: none, the collector's
// default pace).
func gcFloor() {
	floor := int64(gcFloorBytes)
	if v, err := strconv.Atoi(os.Getenv("SSLDISSECT_GC_FLOOR_MB")); err == nil && v >= 0 && v <= 4096 {
		floor = int64(v) << 20
	}
	if floor == 0 || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	pace := func() {
		metrics.Read(live)
		var l int64
		if live[0].Value.Kind() == metrics.KindUint64 {
			l = int64(min(live[0].Value.Uint64(), math.MaxInt64/4))
		}
		debug.SetMemoryLimit(2*l + floor + gcFloorSlack)
	}
	pace()
	// A cleanup runs after the cycle that found its object unreachable:
	// one object per cycle, each cleanup making the next.
	var arm func()
	arm = func() {
		runtime.AddCleanup(new([64]byte), func(struct{}) {
			pace()
			arm()
		}, struct{}{})
	}
	arm()
}

// gcFloorBytes is the default floor of gcFloor; gcFloorSlack is what the
// memory limit allows on top of the heap goal, for what the runtime holds
// besides the heap (stacks, its own structures).
const (
	gcFloorBytes = 32 << 20
	gcFloorSlack = 8 << 20
)
