package main

import (
	"fmt"
	"os"

	"github.com/ssldissect/ssldissect/report"
	"github.com/ssldissect/ssldissect/session"
)

// withDecrypted adds --write-decrypted to the output: the decrypted
// application data of every connection, as synthetic TCP (UDP for DTLS)
// packets in a pcapng file (report.DecryptedWriter).
func withDecrypted(o *options, w output) (output, error) {
	if o.writeDecrypted == "" {
		return w, nil
	}
	f, err := os.Create(o.writeDecrypted)
	if err != nil {
		return nil, fmt.Errorf("--write-decrypted: %w", err)
	}
	x, err := report.NewDecryptedWriter(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("--write-decrypted: %w", err)
	}
	return &decryptedOutput{output: w, x: x, f: f}, nil
}

// decryptedOutput is an output that also writes --write-decrypted.
type decryptedOutput struct {
	output
	x *report.DecryptedWriter
	f *os.File
}

func (d *decryptedOutput) Record(ev *session.RecordEvent) {
	d.output.Record(ev)
	d.x.Record(ev)
}

func (d *decryptedOutput) End(c *session.Conn) {
	d.output.End(c)
	d.x.End(c)
}

func (d *decryptedOutput) Err() error {
	if err := d.output.Err(); err != nil {
		return err
	}
	if err := d.x.Err(); err != nil {
		return fmt.Errorf("--write-decrypted: %w", err)
	}
	return nil
}

func (d *decryptedOutput) Close() error {
	err := d.output.Close()
	xerr := d.x.Close()
	if cerr := d.f.Close(); xerr == nil {
		xerr = cerr
	}
	if err == nil && xerr != nil {
		err = fmt.Errorf("--write-decrypted: %w", xerr)
	}
	return err
}
