package connrec

import (
	"bytes"
	"io"
	"net"
	"testing"
)

func TestRecords(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	rec := New(a)
	done := make(chan []byte)
	go func() {
		got, _ := io.ReadAll(io.LimitReader(b, 5))
		done <- got
	}()
	rec.Write([]byte("he"))
	rec.Write([]byte("llo"))
	if got := <-done; string(got) != "hello" {
		t.Errorf("peer read %q", got)
	}
	if got := rec.Bytes(); !bytes.Equal(got, []byte("hello")) {
		t.Errorf("Bytes() = %q", got)
	}
}
