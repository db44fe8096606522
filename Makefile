# ixpctl — the two commands: `make demo` (main job on the bundled MLIX example, offline) and
# `make test` (the whole test suite). Both install what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python
# Debian packages: route-server daemons (MLIX: rs1 BIRD, rs2 OpenBGPD) and IRR client; test-only: RTR
# cache, member BGP speakers, a local IRRd's database and cache, a real browser for the report pages
# and ixpctl serve (Debian's chromium, driven by Playwright from PyPI: never `playwright install`),
# systemd-analyze for the shipped units, an ssh client (the sshd and its libraries: scripts/openssh-server.sh),
# nginx + openssl for the reverse-proxy example, GNU time for the bench smoke tests.
DEMO_APT := bird2 openbgpd bgpq4 stayrtr gobgpd exabgp iproute2
TEST_APT := bird2 bgpq4 stayrtr gobgpd exabgp openbgpd postgresql redis-server iproute2 nftables chromium systemd \
	openssh-client nginx openssl time

.PHONY: demo test test-unit bench deps deps-test lint clean

# Every BIRD version ixpctl renders for (2.0, 2.17, 3.1): Debian's own where the host has it, the
# others from Debian's archive into .cache/bird/ (scripts/bird-versions.sh; system apt untouched).
# The same for OpenBGPD 7.7 / 8.8 into .cache/openbgpd/ (scripts/openbgpd-versions.sh): the demo's
# rs2 is OpenBGPD 7.7, Debian 12's own, on Debian 13 bookworm's in a private root.
demo:
	@APT_PACKAGES="$(DEMO_APT)" VENV=$(VENV) scripts/bootstrap.sh
	@scripts/bird-versions.sh
	@scripts/openbgpd-versions.sh
	@VENV=$(VENV) scripts/demo.sh

# The IRRd used by the integration tests lives in its own venv (.venv-irrd): it pins its own deps.
# IXPCTL_REQUIRE_IRRD=1 turns "IRRd missing" into a failure instead of a skip; IXPCTL_REQUIRE_SCHEMAS=1
# the same for the JSON schemas in ../shared/schemas (containerlab, IX-F).
test:
	@APT_PACKAGES="$(TEST_APT)" VENV=$(VENV) scripts/bootstrap.sh
	@scripts/bird-versions.sh
	@scripts/openbgpd-versions.sh
	@scripts/setup-irrd.sh
	@scripts/openssh-server.sh >/dev/null
	@IXPCTL_REQUIRE_IRRD=1 IXPCTL_REQUIRE_SCHEMAS=1 VENV=$(VENV) scripts/run-tests.sh -q

# Fast loop while developing: pure unit tests, no daemons, no root.
test-unit:
	@APT_PACKAGES="$(DEMO_APT)" VENV=$(VENV) scripts/bootstrap.sh
	@VENV=$(VENV) scripts/run-tests.sh -q -m "not integration and not lab"

# Benchmarks against arouteserver 1.27.0 → bench/RESULTS.md, bench/results/. Not part of `make test`.
# Needs root (network namespaces); ~20 min on 2 cores. arouteserver has its own venv (gitignored).
ARS_VENV := bench/.venv-ars
BENCH_ARGS ?=
bench:
	@APT_PACKAGES="$(DEMO_APT) time iproute2 stayrtr" VENV=$(VENV) scripts/bootstrap.sh
	@scripts/bird-versions.sh
	@test -x $(ARS_VENV)/bin/arouteserver || { python3 -m venv $(ARS_VENV) && $(ARS_VENV)/bin/pip install -q arouteserver==1.27.0; }
	@scripts/openbgpd-versions.sh
	$(VENV)/bin/python bench/run.py $(BENCH_ARGS)

lint:
	$(VENV)/bin/ruff check ixpctl tests

clean:
	rm -rf build .pytest_cache .hypothesis
