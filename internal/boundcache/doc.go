// Package boundcache is a map of a bounded number of entries, safe for
// concurrent use, for the caches that keep what was made of a certificate
// or a chain by its hash (parser's certificate summaries, report's output
// values of a certificate): when full, it starts again empty, so that
// what traffic sends never makes it grow past its bound, and the entries
// that come back (most connections present a chain seen before) are soon
// in it again.
//
// It owns no policy beyond that: no eviction order, no expiry.
package boundcache
