# ssldissect: build, test and benchmark targets. `make test` is what CI runs.
GO      ?= go
PKGS    := ./...
# Empty outside a git checkout: the binary then takes its version from
# its build info (runtime/debug.ReadBuildInfo).
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null)
FUZZTIME ?= 10s

.PHONY: all build test race bench gobench fuzz lint generate golden ratings testdata clean demo man

all: build

build:
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$(VERSION)" -o ssldissect ./cmd/ssldissect

# Every test: unit, golden, fuzz seeds, conformance and tshark comparisons
# (those skip with a message when ../shared/conformance or tshark is absent,
# and fail instead when SSLDISSECT_REQUIRE names them: .ci/run sets it to all).
test:
	CGO_ENABLED=0 $(GO) vet $(PKGS)
	CGO_ENABLED=0 $(GO) test -count=1 $(PKGS)

race:
	$(GO) test -race -count=1 $(PKGS)

# ssldissect against tshark and ssldump on two generated captures of real
# TLS (1,000 connections x 128 KiB, 20,000 x 1 KiB), and issue 13's table
# of ratios against their targets (docs/PERFORMANCE.md). The captures are
# kept in OUT (default /tmp/ssldissect-bench); RUNS=N, sizes and the rest:
# see the script's head. Needs GNU time, tshark and ssldump.
bench:
	scripts/bench.sh

# The Go benchmarks of every package.
gobench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Short runs of every native fuzz target. Each new interesting input is
# minimised for at most FUZZMINIMIZE runs (the default, 60 s, leaves a
# 2-core machine at 0 execs/s for minutes on a target with a rich corpus).
FUZZMINIMIZE ?= 100x
fuzz:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) -timeout 0 $$pkg; \
	  done; \
	done

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)

generate:
	$(GO) generate $(PKGS)

# Rewrite the golden files from the current output.
golden:
	$(GO) test ./cmd/ssldissect -run Golden -update
	$(GO) test ./report -run AuditFormats -update

# The rating data is the IANA cipher-suite extract that parser/ciphersuites_gen.go
# is generated from (internal/gen/ciphersuites/tls-parameters-4.csv, with its
# Recommended column); the rules are report/rating.go.
ratings:
	cd parser && $(GO) generate ./ciphersuites.go

# The man page and the shell completions, made from the flag table of
# --help; TestGeneratedDocsCurrent fails when these files are stale.
man:
	@mkdir -p docs/man completions
	$(GO) run ./cmd/ssldissect man > docs/man/ssldissect.1
	$(GO) run ./cmd/ssldissect completion bash > completions/ssldissect.bash
	$(GO) run ./cmd/ssldissect completion zsh > completions/_ssldissect
	$(GO) run ./cmd/ssldissect completion fish > completions/ssldissect.fish

# The README's first command: dissect a shipped capture with its keys.
demo: build
	./ssldissect -l testdata/pcaps/openssl-tls13-aes128-gcm.keylog testdata/pcaps/openssl-tls13-aes128-gcm.pcap

clean:
	rm -f ssldissect

-include testdata/Makefile.inc
