// Package testenv decides, for the tests, what a missing oracle means.
//
// Many tests compare ssldissect with something outside the repository:
// tshark, tcpdump, openssl, the shared conformance corpus
// (../shared/conformance from the repository root, or
// $SSLDISSECT_CONFORMANCE), root privileges, network namespaces. Where one
// is missing, a developer's `go test` skips the comparison and says why.
// A run that must not skip anything names the oracles it requires in
// SSLDISSECT_REQUIRE, a comma-separated list (`tshark,conformance,root`),
// or `all`; a required oracle that is missing fails the test instead of
// skipping it. .ci/run sets SSLDISSECT_REQUIRE=all, so CI cannot pass by
// skipping.
//
// The oracle names are those of Oracles: the tools by the name looked up
// on $PATH, and "conformance", "root", "netns" (a network namespace and a
// veth pair can be made), "socket" (the kernel hands out a socket) and
// "roots" (the system's CA certificates are installed).
// An unknown name, in SSLDISSECT_REQUIRE or in a call, fails the test:
// a typo must not turn a requirement off.
//
// The fixtures committed to the repository (testdata/pcaps, the fuzz seed
// corpora) are not oracles: when one is missing the test fails, always
// (SeedCorpus).
//
// Non-goals: installing anything (.ci/run does), and skips for -short,
// which stay plain t.Skip calls in the tests.
package testenv
