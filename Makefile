# Everything a fresh machine with Go and Node needs is installed from here:
# the pinned Node tools with `npm ci`, the Go modules with `go mod download`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Node itself is pinned in package.json (the npm package `node`, a supported
# Node 22): every command here, and every process it starts (jsii, the CDK
# CLI, dynalite, the validator), finds that node first.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# Offline synth needs no credentials, only an environment to put in the
# templates. The app reads CDK_DEPLOY_ACCOUNT/REGION first: the CDK CLI would
# overwrite CDK_DEFAULT_REGION with us-east-1 when no AWS profile sets one.
export CDK_DEPLOY_ACCOUNT ?= 123456789012
export CDK_DEPLOY_REGION ?= ap-northeast-1

NODE_STAMP := node_modules/.make-stamp
GO_STAMP := .cache/go-mod-download

.PHONY: help deps synth test snapshots dev clean fuzz

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@# The CLI ships Go templates; a go.mod keeps them out of this module's ./...
	@printf 'module nodemodules\n' > node_modules/go.mod
	@touch $@

$(GO_STAMP): go.mod go.sum
	go mod download
	@mkdir -p $(@D) && touch $@

deps: $(NODE_STAMP) $(GO_STAMP) ## install the pinned Node tools and the Go modules

# Extra CDK CLI arguments, e.g. make synth CDK_ARGS="-c stage=prod -c domainName=www.example.com ..."
CDK_ARGS ?=
CDK := node_modules/.bin/cdk

synth: deps ## synthesize the stacks into cdk.out and summarize what would be deployed
	$(CDK) synth --quiet $(CDK_ARGS)
	@echo
	@echo "Templates are in cdk.out/. They would deploy:"
	@go run ./tools/cmd/synth-summary cdk.out

GO_FILES = $(shell find . -name '*.go' -not -path './node_modules/*')

test: deps system-deps ## run every test: unit, DynamoDB against dynalite, templates (assertions, snapshots, cdk-nag, validator), browser, workflows (actionlint)
	@unformatted=$$(gofmt -l $(GO_FILES)); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...
	go tool actionlint
	go test ./...
	cd examples/reuse && go vet ./... && go test ./...

# The deployed site to smoke-test: the SiteUrl output of its stack.
SITE_URL ?=
.PHONY: smoke
smoke: $(GO_STAMP) ## run the browser smoke tests against a deployed site: make smoke SITE_URL=https://… (make test runs them locally)
	@[ -n "$(SITE_URL)" ] || { echo "make smoke needs the site's address: make smoke SITE_URL=https://… (its stack's SiteUrl output)"; exit 2; }
	go test ./tools/e2e -count=1 -run '^TestSmoke$$' -v -args -site-url='$(SITE_URL)'

# How long each fuzz target runs, e.g. make fuzz FUZZTIME=10m. One target at a
# time: each already uses every core. `make test` runs only their seed corpora.
FUZZTIME ?= 60s

fuzz: $(GO_STAMP) ## run each fuzz target in turn for FUZZTIME each (default 60s)
	go test ./webapphttp -run '^$$' -fuzz '^FuzzHandler$$' -fuzztime $(FUZZTIME)
	go test ./internal/app/site -run '^$$' -fuzz '^FuzzTodoJSON$$' -fuzztime $(FUZZTIME)
	go test ./internal/app/site -run '^$$' -fuzz '^FuzzForm$$' -fuzztime $(FUZZTIME)
	go test ./internal/app/site -run '^$$' -fuzz '^FuzzTwilioGather$$' -fuzztime $(FUZZTIME)

snapshots: deps ## rewrite the template snapshots in testdata/ (review the diff before committing)
	go test . -run 'TestSnapshots' -update

dev: deps ## run the site on http://127.0.0.1:8080 (or $PORT) with dynalite as DynamoDB, restarting it on every change to Go files or templates
	go run ./tools/cmd/dev

# Debian packages of the local site and the browser tests: qemu-user runs the
# linux/arm64 function on other processors; chromium and fonts-noto-cjk (for
# Japanese) run the browser tests; shellcheck lets actionlint check the
# workflows' run: scripts (without it actionlint skips them silently).
# Installed when missing if apt-get can run (as root, e.g. in CI); otherwise a
# loud message: the browser tests then skip saying why, and make local
# rebuilds the function for this machine.
SYSTEM_PKGS := qemu-user chromium fonts-noto-cjk shellcheck
.PHONY: local system-deps
system-deps: ## install qemu-user, chromium and fonts-noto-cjk when missing (as root, with apt-get)
	@missing=$$(for p in $(SYSTEM_PKGS); do dpkg -s $$p >/dev/null 2>&1 || printf ' %s' $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get install -y$$missing || { apt-get update && apt-get install -y$$missing; } || \
				echo "!!! apt-get could not install$$missing: the browser tests are SKIPPED and make local rebuilds the function."; \
		else \
			echo "!!! Missing Debian packages:$$missing (install: sudo apt-get install -y$$missing)"; \
			echo "!!! Until then the browser tests are SKIPPED and make local rebuilds the function instead of emulating arm64."; \
		fi; \
	fi

local: deps system-deps ## run what cdk synth produced (CloudFront, S3, API Gateway, Lambda, DynamoDB) on 127.0.0.1:8080 (or $PORT), synthesizing again on change
	go run ./cmd/webapp local $(CDK_ARGS)

# wrk (a Debian package) loads the local server; a fresh machine or CI image
# gets it here. BENCH_ARGS go to tools/cmd/bench, e.g. BENCH_ARGS="-only coldstart -runs 50".
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BENCH_ARGS ?=
.PHONY: bench
bench: deps ## measure cold start, warm requests, size, synth, test and local load; print a summary
	@command -v wrk >/dev/null || $(SUDO) apt-get install -y wrk || { $(SUDO) apt-get update && $(SUDO) apt-get install -y wrk; }
	go run ./tools/cmd/bench $(BENCH_ARGS)

clean: ## remove build output
	rm -rf cdk.out bin build .cache
