package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestHexDumpLayout checks the -X dump line by line: the offset in 4 hex
// digits, 16 bytes in two groups of 8, a short last line padded so that
// its ASCII column lines up, '.' for bytes outside 0x20-0x7e, and the
// offsets going on across writeWire's chunks.
func TestHexDumpLayout(t *testing.T) {
	data := []byte("\x16\x03\x01\x00\xcc\x01\x00\x00\xc8\x03\x03ABCD ~\x7f\x00hello, world\xff")
	got := string(appendHexDump(nil, data, 0, 4))
	want := "" +
		"    0000  16 03 01 00 cc 01 00 00  c8 03 03 41 42 43 44 20  ...........ABCD \n" +
		"    0010  7e 7f 00 68 65 6c 6c 6f  2c 20 77 6f 72 6c 64 ff  ~..hello, world.\n"
	if got != want {
		t.Errorf("dump:\n%s\nwant:\n%s", got, want)
	}
	got = string(appendHexDump(nil, []byte("abc"), 0, 0))
	want = "0000  61 62 63" + strings.Repeat(" ", 3*13+1) + "  abc\n"
	if got != want {
		t.Errorf("short line:\n%q\nwant\n%q", got, want)
	}
	if got := appendHexDump(nil, nil, 0, 4); len(got) != 0 {
		t.Errorf("empty input dumps %q", got)
	}
	// Past 0xffff the offset grows a digit rather than wrapping.
	if got := string(appendHexDump(nil, []byte{1}, 0x10000, 0)); !strings.HasPrefix(got, "10000  01 ") {
		t.Errorf("offset 0x10000: %q", got)
	}

	// writeWire: a record longer than one chunk keeps counting, every
	// line has the same columns, and the hex read back is the input.
	big := make([]byte, 3*dumpChunk+21)
	for i := range big {
		big[i] = byte(i * 7)
	}
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	writeWire(w, big)
	w.Flush()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != (len(big)+15)/16 {
		t.Fatalf("%d lines for %d bytes", len(lines), len(big))
	}
	var back []byte
	for i, l := range lines {
		if !strings.HasPrefix(l, "    ") || len(l) < 4+4+2+16*3+1+2 {
			t.Fatalf("line %d malformed: %q", i, l)
		}
		off := l[4:8]
		if wantOff := hex4(i * 16); off != wantOff {
			t.Errorf("line %d offset %q, want %q", i, off, wantOff)
		}
		hexCols := strings.Fields(l[10 : 10+16*3+1])
		for _, h := range hexCols {
			var b byte
			for _, c := range []byte(h) {
				b = b<<4 | unhex(c)
			}
			back = append(back, b)
		}
	}
	if !bytes.Equal(back, big) {
		t.Errorf("the dump does not read back as its input")
	}
}

func hex4(n int) string {
	const d = "0123456789abcdef"
	return string([]byte{d[n>>12&15], d[n>>8&15], d[n>>4&15], d[n&15]})
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return 0xff
}

// TestHexBytesJSON: lower-case hex without spaces, and left out when nil.
func TestHexBytesJSON(t *testing.T) {
	b, err := json.Marshal(struct {
		H HexBytes `json:"hex,omitempty"`
		N HexBytes `json:"none,omitempty"`
	}{H: HexBytes{0x16, 0x03, 0xAB, 0xff}})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"hex":"1603abff"}` {
		t.Errorf("got %s", b)
	}
}
