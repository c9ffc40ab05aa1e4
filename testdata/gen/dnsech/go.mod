module github.com/ssldissect/ssldissect/testdata/gen/dnsech

go 1.26.0

require golang.org/x/net v0.63.0
