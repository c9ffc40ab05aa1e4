package main

import (
	"fmt"

	"github.com/ssldissect/ssldissect/trust"
)

// loadRoots reads --ca-file, so that a bad bundle stops the run before any
// work.
func (o *options) loadRoots() error {
	if o.caFile == "" {
		return nil
	}
	p, err := trust.LoadCAFile(o.caFile)
	if err != nil {
		return fmt.Errorf("--ca-file: %w", err)
	}
	o.roots = p
	return nil
}

// verifier is the chain verifier of the run: the --ca-file roots, else the
// system's.
func (o *options) verifier() *trust.Verifier {
	if o.roots != nil {
		return trust.New(o.roots)
	}
	return trust.NewSystem()
}
