# entitle: build and test.
GO ?= go
FUZZTIME ?= 45s
FUZZMIN ?= 200x

.PHONY: build test check unit fuzz bench

build:
	CGO_ENABLED=0 $(GO) build -o bin/entitle ./cmd/entitle

# test is what CI runs (see .ci/run and README.md).
test: check unit fuzz

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above are not formatted'; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags libseccomp ./...
	staticcheck ./...
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./...

# Unit, kernel and differential tests. The libseccomp tag adds the tests that
# compare against libseccomp through cgo; the product itself never uses cgo.
unit:
	$(GO) test -count=1 -tags libseccomp -timeout 20m ./...
	# Without cgo go-landlock needs no libpsx, and the io_uring attack test
	# can show the bypass Policy.UnsafeAllowIOURing accepts.
	CGO_ENABLED=0 $(GO) test -count=1 -run TestAttackIOURing ./attack

# Bounded fuzzing on top of the committed seed corpora. Minimizing each new
# interesting input is capped at $(FUZZMIN) runs: with Go's default (a minute
# each) FuzzCompile spent 27 of its 45 s minimizing and ran 94k inputs; with
# 200x it runs about 350k (-fuzzminimizetime=0: 388k, but failures would not
# be shrunk at all).
fuzz:
	$(GO) test -run=NONE -fuzz=FuzzCompile -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMIN) ./compiler
	$(GO) test -run=NONE -fuzz=FuzzParse -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMIN) ./profile
	$(GO) test -run=NONE -fuzz=FuzzParse -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMIN) ./policyfile
	$(GO) test -run=NONE -fuzz=FuzzRun -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMIN) ./sim
	$(GO) test -run=NONE -fuzz=FuzzParseModule -fuzztime=20s -fuzzminimizetime=$(FUZZMIN) ./scan

bench:
	$(GO) test -tags libseccomp -run=NONE -bench=. -benchtime=1x ./compiler
	$(GO) test -run=NONE -bench=. -benchtime=1x ./run
	$(GO) test -run=NONE -bench=. -benchtime=1x ./scan
