package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/netip"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tls "github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// One schema: the NDJSON that the Writer writes is the JSON that
// encoding/json writes for the types of model.go, whatever fast path
// produced it. The tests below hold every writer to that, with values made
// by reflection (filler) so that a field added to a model type is filled
// and compared without anyone listing it here.
//
// Where the fast paths are, and so where the seams of these tests are:
//
//   - A record is built from its session.RecordEvent by recordOf, into the
//     model struct Record, and that struct is what the fast writer,
//     appendRecordJSON, reads. No fast path reads the event itself, so the
//     seam is the Record: TestSchemaLines fills every field of a Record
//     (of its nested Alert, Heartbeat and Note too) and compares
//     Writer.writeLine with json.Encoder (SetEscapeHTML(false), as the
//     Writer's), byte for byte, since appendRecordJSON promises the
//     Encoder's bytes. It does the same for Connection, whose fast writer
//     is appendConnectionJSON (reading the model struct Connection, so the
//     seam is again the struct; TestConnectionJSONCaptures also compares
//     every connection of the shipped and conformance captures), and for
//     Summary, which the Writer writes with the Encoder today: the test is
//     there for the day it gets a fast path. (The Audit JSON, writeAuditJSON,
//     is encoding/json only, with no other writer to drift from.)
//   - Handshake messages are not structs of model.go: messageObject maps
//     each parser message to an Object, an ordered field list, which is
//     both the JSON and the text form. Its fast writer is
//     Object.appendJSON, which json.Marshal also calls (MarshalJSON), so
//     TestSchemaMessages compares it with refJSON, an encoding of the
//     same fields by json.Marshal value by value, for every message kind
//     and every extension kind, filled by reflection. The kinds are listed
//     by hand (Go cannot make a value of a type found by name), and the
//     lists are checked against the parser's source, so a new kind must
//     be added to them.
//   - TestSchemaEvents drives the Writer the way the pipeline does, from
//     reflection-filled events and connections, and compares each line
//     with encoding/json of RecordOf, ConnectionOf and the Summary: this
//     covers the Writer's arena-backed recordOf against the heap one.

// lineTypes are the model types that are lines of the NDJSON output.
var lineTypes = []reflect.Type{
	reflect.TypeFor[Record](),
	reflect.TypeFor[Connection](),
	reflect.TypeFor[Summary](),
}

// messageKinds has one value of every parser.Message type
// (TestSchemaKindLists checks it against the parser's source).
var messageKinds = []tls.Message{
	&tls.ClientHello{}, &tls.ServerHello{}, &tls.Certificate{}, &tls.CompressedCertificate{},
	&tls.CertificateRequest{}, &tls.CertificateVerify{}, &tls.CertificateStatus{}, &tls.CertificateURL{},
	&tls.ServerKeyExchange{}, &tls.ClientKeyExchange{}, &tls.Finished{}, &tls.NextProtocol{},
	&tls.SupplementalData{}, &tls.NewSessionTicket{}, &tls.EncryptedExtensions{}, &tls.KeyUpdate{},
	&tls.MessageHash{}, &tls.RawMessage{}, &tls.HelloRequest{}, &tls.ServerHelloDone{}, &tls.EndOfEarlyData{},
	&tls.SSLv2ServerHello{}, &tls.SSLv2Error{}, &tls.SSLv2ClientMasterKey{}, &tls.SSLv2ClientFinished{},
	&tls.SSLv2ServerVerify{}, &tls.SSLv2ServerFinished{}, &tls.SSLv2ClientCertificate{},
	&tls.SSLv2RequestCertificate{}, &tls.SSLv2RawMessage{},
}

// extensionKinds has one value of every type that Extension.Parsed holds
// (the parser's *Ext types; TestSchemaKindLists checks it).
var extensionKinds = []any{
	tls.ServerNameExt{}, tls.MaxFragmentLengthExt{}, tls.StatusRequestExt{}, tls.SupportedGroupsExt{},
	tls.ECPointFormatsExt{}, tls.SignatureSchemesExt{}, tls.HeartbeatExt{}, tls.ALPNExt{}, tls.SCTListExt{},
	tls.PaddingExt{}, tls.EmptyExt{}, tls.CompressCertificateExt{}, tls.RecordSizeLimitExt{},
	tls.SessionTicketExt{}, tls.PreSharedKeyExt{}, tls.EarlyDataExt{}, tls.SupportedVersionsExt{},
	tls.CookieExt{}, tls.PSKModesExt{}, tls.KeyShareExt{}, tls.RenegotiationInfoExt{},
	tls.ConnectionIDExt{}, tls.ApplicationSettingsExt{}, tls.NPNExt{}, tls.EncryptedClientHelloExt{},
}

// filler sets every exported field it can reach to a value that is not
// zero and differs from the others: true, counters, strings (every other
// one needing JSON escapes), slices of two (of every kind, for messages and
// extensions), maps of one, pointers to filled values.
type filler struct {
	t *testing.T
	n int
	// objects, when set, fills []Object fields (whose Field.Value is an
	// any that reflection cannot choose).
	objects func() []Object
}

func (f *filler) next() int { f.n++; return f.n }

func (f *filler) str() string {
	n := f.next()
	if n%2 == 0 {
		return fmt.Sprintf("s%d", n)
	}
	return fmt.Sprintf("s%d <&> \"q\" \\ \n\t\x01 é \u2028 \xff", n)
}

var (
	timeType     = reflect.TypeFor[time.Time]()
	addrPortType = reflect.TypeFor[netip.AddrPort]()
	errorType    = reflect.TypeFor[error]()
	anyType      = reflect.TypeFor[any]()
	objectsType  = reflect.TypeFor[[]Object]()
	extsType     = reflect.TypeFor[[]tls.Extension]()
	messagesType = reflect.TypeFor[[]tls.Message]()
)

func (f *filler) fill(v reflect.Value, path string, depth int) {
	if depth > 12 {
		f.t.Fatalf("filler: %s is too deep (a cycle?)", path)
	}
	switch v.Type() {
	case timeType:
		v.Set(reflect.ValueOf(time.Date(2026, 3, 4, 5, 6, 7, f.next()*1000, time.UTC)))
		return
	case addrPortType:
		n := f.next()
		v.Set(reflect.ValueOf(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(n >> 8), byte(n)}), uint16(n))))
		return
	case errorType:
		v.Set(reflect.ValueOf(errors.New(f.str())))
		return
	case objectsType:
		if f.objects == nil {
			f.t.Fatalf("filler: no Objects for %s", path)
		}
		v.Set(reflect.ValueOf(f.objects()))
		return
	case extsType: // one extension of every kind, and one left unparsed
		exts := make([]tls.Extension, len(extensionKinds)+1)
		for i := range exts {
			f.fill(reflect.ValueOf(&exts[i]).Elem(), fmt.Sprintf("%s[%d]", path, i), depth+1)
			if i < len(extensionKinds) {
				exts[i].Parsed = f.filled(reflect.TypeOf(extensionKinds[i]), path+".Parsed", depth+1).Interface()
			}
		}
		v.Set(reflect.ValueOf(exts))
		return
	case messagesType: // one message of every kind
		ms := make([]tls.Message, len(messageKinds))
		for i, m := range messageKinds {
			ms[i] = f.filled(reflect.TypeOf(m), fmt.Sprintf("%s[%d]", path, i), depth+1).Interface().(tls.Message)
		}
		v.Set(reflect.ValueOf(ms))
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.next() % 100))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(uint64(f.next() % 200))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(f.next()) + 0.25)
	case reflect.String:
		v.SetString(f.str())
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			f.fill(s.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
	case reflect.Map:
		m := reflect.MakeMapWithSize(v.Type(), 1)
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		f.fill(k, path+"[key]", depth+1)
		f.fill(e, path+"[value]", depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Pointer:
		v.Set(f.filled(v.Type().Elem(), path, depth+1).Addr())
	case reflect.Struct:
		for i := range v.NumField() {
			if sf := v.Type().Field(i); sf.IsExported() {
				f.fill(v.Field(i), path+"."+sf.Name, depth+1)
			}
		}
	case reflect.Interface:
		if v.Type() == anyType && strings.HasSuffix(path, ".Parsed") {
			return // Extension.Parsed: set by the []Extension case
		}
		f.t.Fatalf("filler: no value for %s (%s)", path, v.Type())
	default:
		f.t.Fatalf("filler: no value for %s (%s)", path, v.Type())
	}
}

// filled returns a new addressable value of type t, filled.
func (f *filler) filled(t reflect.Type, path string, depth int) reflect.Value {
	if t.Kind() == reflect.Pointer { // messages are pointers to structs
		return f.filled(t.Elem(), path, depth).Addr()
	}
	v := reflect.New(t).Elem()
	f.fill(v, path, depth)
	return v
}

// filledMessages returns every message kind filled, and each also as its
// zero value.
func filledMessages(t *testing.T) []tls.Message {
	f := &filler{t: t}
	var out []tls.Message
	for _, m := range messageKinds {
		typ := reflect.TypeOf(m)
		out = append(out, f.filled(typ, typ.String(), 0).Interface().(tls.Message), reflect.New(typ.Elem()).Interface().(tls.Message))
	}
	return out
}

// handshakeObjects is a record's handshake list: every message kind,
// filled and zero, and sampleObject's odd value types.
func handshakeObjects(t *testing.T) []Object {
	var out []Object
	for _, m := range filledMessages(t) {
		out = append(out, MessageObject(m))
	}
	return append(out, sampleObject(), Object{}, nil)
}

// encoderJSON is json.Encoder's output for v, as the Writer's Encoder is
// set up.
func encoderJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return b.Bytes(), err
}

// writerJSON is what Writer.writeLine writes for v (a pointer to a line
// type).
func writerJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	w := NewWriter(&b, Options{Format: "json"})
	if err := w.writeLine(v); err != nil {
		return nil, err
	}
	err := w.Close()
	return b.Bytes(), err
}

// sameJSON reports whether got and want are the same bytes, and fails
// the test, saying which keys differ and where, when they are not.
func sameJSON(t *testing.T, name string, got, want []byte) bool {
	t.Helper()
	if bytes.Equal(got, want) {
		return true
	}
	var g, w map[string]any
	_ = json.Unmarshal(got, &g)
	_ = json.Unmarshal(want, &w)
	var diff []string
	for k, v := range w {
		if gv, ok := g[k]; !ok {
			diff = append(diff, fmt.Sprintf("missing %q", k))
		} else if !reflect.DeepEqual(gv, v) {
			diff = append(diff, fmt.Sprintf("%q differs", k))
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			diff = append(diff, fmt.Sprintf("extra %q", k))
		}
	}
	slices.Sort(diff)
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	around := func(b []byte) []byte { return b[max(0, i-80):min(len(b), i+80)] }
	t.Errorf("%s: the writer's JSON is not encoding/json's (%s); from byte %d:\n got ...%s\nwant ...%s",
		name, strings.Join(diff, ", "), max(0, i-80), around(got), around(want))
	return false
}

// fieldValue is a field reached from a value: path and value.
type fieldValue struct {
	path string
	v    reflect.Value
}

// fieldsOf lists every exported field under v, depth first: struct
// fields, and the fields of structs reached through pointers, slices and
// arrays. It does not enter types that marshal themselves (Object).
func fieldsOf(v reflect.Value, path string) []fieldValue {
	fields, _ := walkFields(v, path)
	return fields
}

// structsOf lists v and every struct under it, as fieldsOf walks them.
func structsOf(v reflect.Value, path string) []fieldValue {
	_, structs := walkFields(v, path)
	return structs
}

func walkFields(v reflect.Value, path string) (fields, structs []fieldValue) {
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		if v.Type().Implements(reflect.TypeFor[json.Marshaler]()) {
			return
		}
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		case reflect.Struct:
			structs = append(structs, fieldValue{path, v})
			for i := range v.NumField() {
				if sf := v.Type().Field(i); sf.IsExported() {
					p := path + "." + sf.Name
					fields = append(fields, fieldValue{p, v.Field(i)})
					walk(v.Field(i), p)
				}
			}
		}
	}
	walk(v, path)
	return fields, structs
}

// keysPresent fails unless every field of every struct type under typ
// (json name from its tag) is in the decoded JSON value v: a fully filled
// value must show every field, omitempty or not, or the filler missed one.
func keysPresent(t *testing.T, typ reflect.Type, v any, path string) {
	t.Helper()
	if typ.Implements(reflect.TypeFor[json.Marshaler]()) {
		return
	}
	switch typ.Kind() {
	case reflect.Pointer:
		keysPresent(t, typ.Elem(), v, path)
	case reflect.Slice, reflect.Array:
		l, _ := v.([]any)
		if len(l) == 0 && typ.Elem().Kind() != reflect.Uint8 {
			t.Errorf("%s: empty list in a filled value", path)
		}
		for i, x := range l {
			keysPresent(t, typ.Elem(), x, fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: %T, not an object", path, v)
			return
		}
		for i := range typ.NumField() {
			sf := typ.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if !sf.IsExported() || name == "-" {
				continue
			}
			if sf.Anonymous && name == "" {
				keysPresent(t, sf.Type, v, path) // its fields are the object's
				continue
			}
			if name == "" {
				name = sf.Name
			}
			x, ok := obj[name]
			if !ok {
				t.Errorf("%s: no %q in the JSON of a filled %s", path, name, typ)
				continue
			}
			keysPresent(t, sf.Type, x, path+"."+name)
		}
	}
}

// TestSchemaLines fills every field of every line type and checks that
// Writer.writeLine writes what encoding/json writes: for the filled value,
// the zero value, the filled value with each field in turn zeroed (and each
// slice or map made empty, each pointer pointed at a zero value), and, in
// the filled value, each struct with all but one of its fields zeroed.
func TestSchemaLines(t *testing.T) {
	for _, typ := range lineTypes {
		t.Run(typ.Name(), func(t *testing.T) {
			full := func() reflect.Value {
				f := &filler{t: t, objects: func() []Object { return handshakeObjects(t) }}
				return f.filled(typ, typ.Name(), 0)
			}
			failed := 0
			check := func(name string, v reflect.Value) {
				t.Helper()
				want, err := encoderJSON(v.Addr().Interface())
				if err != nil {
					t.Fatalf("%s: encoding/json: %v", name, err)
				}
				got, err := writerJSON(v.Addr().Interface())
				if err != nil {
					t.Fatalf("%s: writer: %v", name, err)
				}
				if !sameJSON(t, name, got, want) {
					if failed++; failed == 10 {
						t.Fatal("and so on")
					}
				}
			}

			v := full()
			check("filled", v)
			b, _ := writerJSON(v.Addr().Interface())
			var decoded any
			if err := json.Unmarshal(b, &decoded); err != nil {
				t.Fatalf("filled: %v\n%s", err, b)
			}
			keysPresent(t, typ, decoded, typ.Name())
			check("zero", reflect.New(typ).Elem())

			fields := fieldsOf(full(), typ.Name())
			for i, fv := range fields {
				mutations := []func(reflect.Value){func(x reflect.Value) { x.SetZero() }}
				switch fv.v.Kind() {
				case reflect.Slice:
					mutations = append(mutations, func(x reflect.Value) { x.Set(reflect.MakeSlice(x.Type(), 0, 0)) })
				case reflect.Map:
					mutations = append(mutations, func(x reflect.Value) { x.Set(reflect.MakeMap(x.Type())) })
				case reflect.Pointer:
					mutations = append(mutations, func(x reflect.Value) { x.Set(reflect.New(x.Type().Elem())) })
				}
				for j, mutate := range mutations {
					v := full()
					mutate(fieldsOf(v, typ.Name())[i].v)
					check(fmt.Sprintf("%s (mutation %d)", fv.path, j), v)
				}
			}
			for i, sv := range structsOf(full(), typ.Name()) {
				for k := range sv.v.NumField() {
					if !sv.v.Type().Field(k).IsExported() {
						continue
					}
					v := full()
					s := structsOf(v, typ.Name())[i].v
					keep := reflect.New(s.Field(k).Type()).Elem()
					keep.Set(s.Field(k))
					s.SetZero()
					s.Field(k).Set(keep)
					check(fmt.Sprintf("%s with only %s", sv.path, sv.v.Type().Field(k).Name), v)
				}
			}
		})
	}
}

// refJSON encodes a value of an Object as json.Marshal would with no
// MarshalJSON on Object: nested Objects key by key, every other value by
// json.Marshal.
func refJSON(v any) ([]byte, error) {
	switch v := v.(type) {
	case Object:
		b := []byte{'{'}
		for i, f := range v {
			if i > 0 {
				b = append(b, ',')
			}
			k, _ := json.Marshal(f.Key)
			b = append(append(b, k...), ':')
			x, err := refJSON(f.Value)
			if err != nil {
				return nil, err
			}
			b = append(b, x...)
		}
		return append(b, '}'), nil
	case []Object:
		if v == nil {
			return []byte("null"), nil
		}
		b := []byte{'['}
		for i, o := range v {
			if i > 0 {
				b = append(b, ',')
			}
			x, err := refJSON(o)
			if err != nil {
				return nil, err
			}
			b = append(b, x...)
		}
		return append(b, ']'), nil
	}
	return json.Marshal(v)
}

// TestSchemaMessages checks Object.appendJSON against refJSON for every
// message kind, filled and zero, built on the heap and in an arena, and
// for sampleObject's odd value types.
func TestSchemaMessages(t *testing.T) {
	var arena objArena
	msgs := filledMessages(t)
	for i := 0; i <= len(msgs); i++ {
		name, o, inArena := "sampleObject", sampleObject(), Object(nil)
		if i < len(msgs) {
			m := msgs[i]
			name, o, inArena = fmt.Sprintf("%T", m), MessageObject(m), messageObject(&arena, m)
			if reflect.ValueOf(m).Elem().IsZero() {
				name += " (zero)"
			}
		}
		want, err := refJSON(o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, o := range []Object{o, inArena} {
			if o == nil {
				continue
			}
			got, err := o.appendJSON(nil)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s:\n got %s\nwant %s", name, got, want)
			}
		}
		arena.reset()
	}
}

// TestSchemaKindLists checks messageKinds and extensionKinds against the
// parser's source: every type with a Type() HandshakeType method, every
// struct type named *Ext.
func TestSchemaKindLists(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "parser", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("parser sources: %v %v", files, err)
	}
	var msgs, exts []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil || d.Name.Name != "Type" || d.Type.Results == nil || len(d.Type.Results.List) != 1 {
					continue
				}
				if r, ok := d.Type.Results.List[0].Type.(*ast.Ident); !ok || r.Name != "HandshakeType" {
					continue
				}
				if star, ok := d.Recv.List[0].Type.(*ast.StarExpr); ok {
					msgs = append(msgs, "*parser."+star.X.(*ast.Ident).Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok && strings.HasSuffix(ts.Name.Name, "Ext") {
						if _, ok := ts.Type.(*ast.StructType); ok {
							exts = append(exts, "parser."+ts.Name.Name)
						}
					}
				}
			}
		}
	}
	compare := func(what string, inSource []string, listed []string) {
		slices.Sort(inSource)
		slices.Sort(listed)
		if !slices.Equal(inSource, listed) {
			t.Errorf("%s: the parser has\n%v\nthe test lists\n%v", what, inSource, listed)
		}
	}
	var listed []string
	for _, m := range messageKinds {
		listed = append(listed, fmt.Sprintf("%T", m))
	}
	compare("messageKinds", msgs, listed)
	listed = nil
	for _, e := range extensionKinds {
		listed = append(listed, fmt.Sprintf("%T", e))
	}
	compare("extensionKinds", exts, listed)
}

// TestSchemaEvents writes reflection-filled events, a connection and a
// summary through a json Writer, as the pipeline does, and compares each
// line with encoding/json of the model values made from the same input. A
// record's "alerts" must be a list whether it has several, one or no
// alerts, and "alert" must not appear.
func TestSchemaEvents(t *testing.T) {
	f := &filler{t: t}
	full := f.filled(reflect.TypeFor[session.RecordEvent](), "RecordEvent", 0).Interface().(session.RecordEvent)
	quicEv := full // a QUIC packet's event: written as a quic_packet
	full.QUIC = nil
	var evs []*session.RecordEvent
	for _, alerts := range []int{2, 1, 0} { // a record's alerts: several, one, none
		ev := full
		ev.Alerts = nil
		for range alerts {
			ev.Alerts = append(ev.Alerts, f.filled(reflect.TypeFor[tls.Alert](), "Alert", 0).Interface().(tls.Alert))
		}
		evs = append(evs, &ev)
	}
	plain := full // not SSLv2, not opaque, no messages
	plain.Record.SSLv2, plain.Opaque, plain.Messages, plain.Heartbeat, plain.Notes = false, false, nil, nil, nil
	evs = append(evs, &plain, &session.RecordEvent{Conn: &session.Conn{}}, &quicEv)
	conns := []*session.Conn{full.Conn, {}}
	sum := f.filled(reflect.TypeFor[Summary](), "Summary", 0).Interface().(Summary)

	var out bytes.Buffer
	w := NewWriter(&out, Options{Format: "json"})
	var want [][]byte
	add := func(v any) {
		b, err := encoderJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b)
	}
	for _, ev := range evs {
		w.Record(ev)
		if ev.QUIC != nil {
			add(QUICPacketOf(ev))
		} else {
			add(RecordOf(ev))
		}
	}
	for _, c := range conns {
		w.End(c)
		add(ConnectionOf(c))
	}
	w.Summary(sum)
	sum.Type, sum.TLSConnections, sum.DecryptedConnections, sum.Records = "summary", w.TLSConnections, w.DecryptedConnections, w.Records
	// The Writer's own sums of the connections' dropped counts (the
	// filled connection has some).
	if w.CappedConnections != 1 || !w.Dropped.Any() {
		t.Errorf("writer's capped connections %d, dropped %+v: want the filled connection's", w.CappedConnections, w.Dropped)
	}
	d := droppedOf(w.Dropped)
	sum.CappedConnections, sum.Dropped = w.CappedConnections, &d
	add(sum)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<24)
	i := 0
	for ; sc.Scan(); i++ {
		if i >= len(want) {
			t.Fatalf("line %d: more lines than expected: %s", i+1, sc.Bytes())
		}
		sameJSON(t, fmt.Sprintf("line %d", i+1), append(sc.Bytes(), '\n'), want[i])
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if line["type"] != "record" {
			continue
		}
		// A record's alerts are a list, empty or not; there is no "alert".
		if alerts, ok := line["alerts"].([]any); !ok || len(alerts) != len(evs[i].Alerts) {
			t.Errorf("line %d: alerts %#v, want a list of %d", i+1, line["alerts"], len(evs[i].Alerts))
		}
		if _, ok := line["alert"]; ok {
			t.Errorf("line %d: a record with \"alert\"", i+1)
		}
	}
	if i != len(want) {
		t.Errorf("%d lines, want %d", i, len(want))
	}
}
