package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// marshalSlow is Object's former MarshalJSON: every key and value through
// json.Marshal. The fast path must write the same bytes.
func marshalSlow(o Object) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		b.Write(k)
		b.WriteByte(':')
		v, _ := json.Marshal(f.Value)
		b.Write(v)
	}
	b.WriteByte('}')
	var c bytes.Buffer
	json.Compact(&c, b.Bytes())
	return c.Bytes()
}

func sampleObject() Object {
	return Object{
		{"type", "client_hello"}, {"type_id", "0x01"},
		{"plain", "abc"}, {"quote", `a"b\c`}, {"html", "<a&b>"}, {"ctl", "a\nb\x01"}, {"utf8", "héllo \u2028"}, {"bad", "\xff"},
		{"n", 42}, {"neg", -7}, {"u8", uint8(255)}, {"u16", uint16(65535)}, {"u32", uint32(1 << 31)}, {"u64", uint64(1 << 63)}, {"i64", int64(-1 << 40)},
		{"t", true}, {"f", false}, {"nil", nil}, {"float", 1.5}, {"bytes", []byte{1, 2}},
		{"strs", []string{"a", "b<"}}, {"nostrs", []string(nil)}, {"emptystrs", []string{}},
		{"obj", Object{{"x", 1}, {"y", Object{{"z", "deep"}}}}}, {"nilobj", Object(nil)},
		{"objs", []Object{{{"a", 1}}, {}}}, {"nilobjs", []Object(nil)},
		{"map", map[string]int{"k": 1}},
	}
}

func TestObjectJSON(t *testing.T) {
	o := sampleObject()
	got, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if want := marshalSlow(o); !bytes.Equal(got, want) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// Inside a struct, as the record and connection events hold it.
	type rec struct {
		M []Object `json:"m"`
	}
	got, _ = json.Marshal(rec{[]Object{o}})
	want := append(append([]byte(`{"m":[`), marshalSlow(o)...), "]}"...)
	if !bytes.Equal(got, want) {
		t.Fatalf("in a struct: got  %s\nwant %s", got, want)
	}
}

func BenchmarkObjectJSON(b *testing.B) {
	o := sampleObject()
	o = o[:len(o)-1] // no map: keep to the common types
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(o); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHex(t *testing.T) {
	for v := 0; v < 1<<16; v++ {
		if v < 256 {
			if got, want := hex8(uint8(v)), fmt.Sprintf("0x%02x", v); got != want {
				t.Fatalf("hex8(%d) = %q, want %q", v, got, want)
			}
		}
		if got, want := hex16(uint16(v)), fmt.Sprintf("0x%04x", v); got != want {
			t.Fatalf("hex16(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestTimeString(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 27, 5, 18, 11, 25259123, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("x", -7*3600)),
		time.Date(1, 2, 3, 4, 5, 6, 7000, time.UTC),
		time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(1<<31, 123456789),
	} {
		want := tm.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
		if got := timeString(tm); got != want {
			t.Errorf("timeString(%v) = %q, want %q", tm, got, want)
		}
		if got := string(appendTimeString([]byte("x"), tm)); got != "x"+want {
			t.Errorf("appendTimeString(x, %v) = %q, want %q", tm, got, "x"+want)
		}
	}
	if timeString(time.Time{}) != "" {
		t.Error("zero time not empty")
	}
	// Every day from 1970 to 10000, at a random time of day, and the
	// edges of the years and the range.
	r := rand.New(rand.NewChaCha8([32]byte{7}))
	for sec := int64(-86400); sec < maxTimeSec+2*86400; sec += 86400 {
		for _, s := range []int64{sec, sec + r.Int64N(86400), sec + 86399} {
			tm := time.Unix(s, r.Int64N(1e9))
			want := tm.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
			if got := string(appendTimeString(nil, tm)); got != want {
				t.Fatalf("appendTimeString(%d) = %q, want %q", s, got, want)
			}
		}
	}
}

// TestHex16 holds hex16, tables and all, to "0x%04x".
func TestHex16(t *testing.T) {
	for v := range 1 << 16 {
		if got, want := hex16(uint16(v)), fmt.Sprintf("0x%04x", v); got != want {
			t.Fatalf("hex16(%d) = %q, want %q", v, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { hexSink, hexSink, hexSink = hex16(0x0303), hex16(0xfefd), hex16(0x1301) }); n > 0 {
		t.Errorf("hex16 allocates (%v)", n)
	}
}

var hexSink string

// BenchmarkTimeString compares timeString with the Format call it replaces.
func BenchmarkTimeString(b *testing.B) {
	tm := time.Date(2026, 11, 27, 5, 18, 11, 25259123, time.UTC)
	b.Run("Format", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = tm.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
		}
	})
	b.Run("timeString", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = timeString(tm)
		}
	})
}
