package connrec

import (
	"bytes"
	"net"
	"sync"
)

// Conn is a net.Conn that keeps a copy of everything written through it.
type Conn struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

// New returns a Conn that records what is written through c.
func New(c net.Conn) *Conn { return &Conn{Conn: c} }

func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.buf.Write(p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// Bytes returns a copy of what has been written so far.
func (c *Conn) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.buf.Bytes()...)
}
