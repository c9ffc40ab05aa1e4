package main

import (
	"errors"
	"fmt"
	"io"
	"os"
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
	os.Exit(exitCode(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr), os.Stderr))
}
