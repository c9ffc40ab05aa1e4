package report

// objArena hands out the Fields and Object lists of one record's handshake
// messages from slabs that are reused for the next record. The Writer
// writes a record's Objects before it takes the next one and keeps none of
// them, so it resets its arena after each record. A nil arena allocates
// from the heap (MessageObject, RecordOf: their Objects are the caller's).
type objArena struct {
	fields []Field
	objs   []Object
}

// object returns an empty Object with room for n fields. Appending past n
// reallocates on the heap, never into the next Object.
func (a *objArena) object(n int) Object {
	if a == nil {
		return make(Object, 0, n)
	}
	if a.fields == nil || len(a.fields)+n > cap(a.fields) {
		a.fields = make([]Field, 0, max(1024, 2*cap(a.fields), n))
	}
	i := len(a.fields)
	a.fields = a.fields[:i+n]
	return Object(a.fields[i : i : i+n])
}

// objects returns an empty list with room for n Objects.
func (a *objArena) objects(n int) []Object {
	if a == nil {
		return make([]Object, 0, n)
	}
	if a.objs == nil || len(a.objs)+n > cap(a.objs) { // never a nil list: JSON null
		a.objs = make([]Object, 0, max(256, 2*cap(a.objs), n))
	}
	i := len(a.objs)
	a.objs = a.objs[:i+n]
	return a.objs[i : i : i+n]
}

// reset makes the slabs' room free again, dropping what they refer to.
func (a *objArena) reset() {
	clear(a.fields)
	a.fields = a.fields[:0]
	clear(a.objs)
	a.objs = a.objs[:0]
}
