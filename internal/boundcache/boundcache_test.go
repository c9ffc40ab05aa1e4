package boundcache

import "testing"

// TestCache: what is put is got back; the cache never holds more than its
// bound, and starts again empty when a put finds it full.
func TestCache(t *testing.T) {
	c := New[int, string](3)
	for i := range 3 {
		c.Put(i, string(rune('a'+i)))
	}
	for i := range 3 {
		if v, ok := c.Get(i); !ok || v != string(rune('a'+i)) {
			t.Fatalf("Get(%d) = %q, %v", i, v, ok)
		}
	}
	c.Put(1, "B") // present: no emptying
	if v, _ := c.Get(1); v != "B" || c.Len() != 3 {
		t.Fatalf("replace: %q, %d entries", v, c.Len())
	}
	c.Put(9, "z") // full: starts again
	if _, ok := c.Get(0); ok || c.Len() != 1 {
		t.Fatalf("after a put into a full cache: %d entries, 0 still there: %v", c.Len(), ok)
	}
	if v, ok := c.Get(9); !ok || v != "z" {
		t.Fatalf("Get(9) = %q, %v", v, ok)
	}
	if New[int, int](0).max != 1 {
		t.Error("a bound below 1")
	}
}
