package decrypt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Follower reads a key log file while another program appends to it, as
// a browser does with SSLKEYLOGFILE during a capture. Each Poll loads the
// complete lines added since the last one into a KeyLog; a line still
// being written waits for its newline. A file that shrinks (truncated or
// replaced) is read again from its start; a file that does not exist yet
// is looked for at every Poll.
type Follower struct {
	path    string
	log     *KeyLog
	f       *os.File
	off     int64  // bytes of the file consumed
	partial []byte // an unfinished last line
	total   int64  // bytes loaded, for MaxKeyLogSize
}

// Follow returns a Follower that loads the lines of the file at path into
// k. Nothing is read until the first Poll.
func (k *KeyLog) Follow(path string) *Follower {
	k.AddSource(path)
	return &Follower{path: path, log: k}
}

// Path is the followed file's name.
func (fl *Follower) Path() string { return fl.path }

// Poll loads the complete lines added to the file since the last Poll. It
// returns those lines, as they are in the file, for whoever keeps a copy
// (a pcapng Decryption Secrets Block), the number of secrets added, and
// the problems found: bad lines are errors that do not stop following. A
// missing file is not an error (exists reports it).
func (fl *Follower) Poll() (lines []byte, added int, exists bool, errs []error) {
	if fl.f == nil {
		f, err := os.Open(fl.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, false, nil
		}
		if err != nil {
			return nil, 0, false, []error{fmt.Errorf("key log: %w", err)}
		}
		fl.f, fl.off, fl.partial = f, 0, nil
	}
	st, err := fl.f.Stat()
	if err != nil {
		return nil, 0, true, []error{fmt.Errorf("key log: %w", err)}
	}
	if cur, err := os.Stat(fl.path); err == nil && !os.SameFile(st, cur) || st.Size() < fl.off {
		// Replaced or truncated: start over with what is there now.
		fl.f.Close()
		fl.f = nil
		return fl.Poll()
	}
	if st.Size() == fl.off {
		return nil, 0, true, nil
	}
	if fl.total >= MaxKeyLogSize {
		return nil, 0, true, nil
	}
	n := min(st.Size()-fl.off, MaxKeyLogSize-fl.total)
	buf := make([]byte, n)
	m, err := fl.f.ReadAt(buf, fl.off)
	if err != nil && err != io.EOF {
		return nil, 0, true, []error{fmt.Errorf("key log: %w", err)}
	}
	start := fl.off
	fl.off += int64(m)
	fl.total += int64(m)
	data := append(fl.partial, buf[:m]...)
	end := bytes.LastIndexByte(data, '\n')
	if end < 0 {
		fl.partial = data
		return nil, 0, true, nil
	}
	lines, fl.partial = data[:end+1], append([]byte(nil), data[end+1:]...)
	added, errs = fl.log.Load(bytes.NewReader(lines), fmt.Sprintf("%s (appended at byte %d)", fl.path, start-int64(len(data)-m)))
	return lines, added, true, errs
}

// Close closes the file.
func (fl *Follower) Close() error {
	if fl.f == nil {
		return nil
	}
	err := fl.f.Close()
	fl.f = nil
	return err
}
