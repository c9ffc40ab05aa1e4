// Package filter compiles tcpdump filter expressions and matches them
// against decoded packets in pure Go.
package filter
