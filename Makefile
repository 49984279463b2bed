# asyncio from scratch, in C. The two commands:
#
#   make demo    watch blocking downloads crawl (and, from chapter 2 on,
#                concurrent ones fly)
#   make test    every check of the repository
#
# Both install what is missing first (scripts/install-deps). `make help`
# lists the rest.

SHELL := /bin/bash
CHAPTERS := $(sort $(notdir $(wildcard solutions/[0-9][0-9]-*)))
# CH=01 picks chapters/01-*; the learner's folder for `make check`.
CH_DIR = $(wildcard chapters/$(CH)-*)

.PHONY: help deps demo compare test sanitize valgrind check progress hint watch python-check \
	starters diagrams quotes clean bench bench-quick lint fuzz fault-matrix bench-docs \
	grade classroom classroom-dry-run

help:
	@echo "make demo          the headline demo: downloads against the local fixture server"
	@echo "make compare       every chapter's program on the same files: wall, CPU, speedup"
	@echo "make test          every test: solutions pass, starters fail cleanly, diagrams fresh"
	@echo "make check CH=01   test YOUR code in chapters/01-*: where you stand, what to do next"
	@echo "make progress      every chapter at a glance: tests passing, holes filled"
	@echo "make hint CH=01    the next hint for the first open hole (HOLE=function, RESET=1)"
	@echo "make watch CH=01   re-run the check each time you save a file of the chapter"
	@echo "make grade CH=01 STEP=1   one graded step, as the Classroom autograding runs it"
	@echo "make classroom CH=01-05   a student template per chapter, an answer key (OUT=, HINTS=)"
	@echo "make classroom-dry-run    the autograding workflow, run here on fresh templates"
	@echo "make python-check  the chapters' Python asyncio equivalents against the fixture"
	@echo "make sanitize      the solutions' tests under AddressSanitizer and UBSan"
	@echo "make valgrind      the solutions' tests under valgrind"
	@echo "make lint          cppcheck and clang-tidy on every solution's C files"
	@echo "make fuzz          fuzz the response, chunked and URL parsers (FUZZ_SECONDS=60 each)"
	@echo "make fault-matrix  every fault and hostile case against every chapter's download"
	@echo "make starters      rewrite chapters/*/ starter code from solutions/ and hints.md"
	@echo "make diagrams      render chapters/*/diagrams/*.dot to SVG"
	@echo "make quotes        refresh the code quoted in the walkthroughs"
	@echo "make bench         loop and download benchmarks against asyncio, libuv, aiohttp, curl"
	@echo "make bench-quick   the same, tiny, and a check of build/bench.json's shape"
	@echo "make bench-docs    docs/benchmarks.md and .svg from the last make bench"
	@echo "make clean         remove every build"

deps:
	@scripts/install-deps

# Both build every chapter's program first: each one that exists joins in.
demo: deps
	@for chapter in $(CHAPTERS); do $(MAKE) -s -C solutions/$$chapter || exit 1; done
	@scripts/demo

compare: deps
	@for chapter in $(CHAPTERS); do $(MAKE) -s -C solutions/$$chapter || exit 1; done
	@scripts/compare

test: deps
	@scripts/run-tests test

sanitize: deps
	@scripts/run-tests sanitize

valgrind: deps
	@scripts/run-tests valgrind

# Reliability (docs/reliability.md). `make test` runs lint, the fault matrix
# and a replay of the fuzz corpus; these run them on their own.
lint: deps
	@scripts/lint

FUZZ_SECONDS ?= 60
fuzz: deps
	@$(MAKE) -s -C fixtures/fuzz fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) $(if $(FUZZ_CHAPTER),FUZZ_CHAPTER=$(FUZZ_CHAPTER))

fault-matrix: deps
	@for chapter in $(CHAPTERS); do $(MAKE) -s -C solutions/$$chapter download || true; done
	@$(MAKE) -s -C fixtures/matrix

# The learner's commands (scripts/check, progress, hint, watch). Each one
# still builds and tests through `make -C chapters/NN-slug test`.
CH_USAGE = if [ -z "$(CH)" ] || [ ! -d "$(CH_DIR)" ]; then \
	echo "usage: make $@ CH=NN, one of: $(CHAPTERS)"; exit 2; fi

check: deps
	@$(CH_USAGE)
	@scripts/check $(CH)

progress: deps
	@scripts/progress

hint:
	@$(CH_USAGE)
	@scripts/hint $(CH) $(if $(HOLE),--hole $(HOLE)) $(if $(RESET),--reset)

watch: deps
	@$(CH_USAGE)
	@scripts/watch $(CH)

# One graded step of chapters/NN-slug/grading.md: exit 0 when it earns its
# points. The Classroom workflow runs one per step; STEP=list lists them.
grade: deps
	@$(CH_USAGE)
	@if [ -z "$(STEP)" ]; then echo "usage: make grade CH=NN STEP=K (or STEP=list)"; exit 2; fi
	@scripts/grade $(CH) $(if $(filter list,$(STEP)),--list,$(STEP))

# GitHub Classroom (docs/instructors.md): one student template per chapter
# of CH (01-05, 01,03, or all) and one answer key, in OUT; HINTS=all keeps
# the near-answers of hints.md, left out by default (HINTS=2).
OUT ?= build/classroom
HINTS ?= 2
classroom:
	@scripts/make-classroom --out $(OUT) --hints $(HINTS) $(or $(CH),all)

# The workflow of fresh templates, run here as its YAML says (CH=01-02 by
# default; `make test` runs it too).
classroom-dry-run: deps
	@scripts/classroom-dry-run $(or $(CH),01-02)

python-check: deps
	@scripts/python-check

starters:
	@scripts/make-starter $(CHAPTERS)

diagrams: deps
	@scripts/render-diagrams

quotes:
	@scripts/quote-code

# Benchmarks: never part of `make test`; nothing asserts on time.
# BENCH_FLAGS="--files 20,100" skips the 1,000 downloads.
bench:
	@scripts/install-deps --bench
	@for chapter in $(CHAPTERS); do $(MAKE) -s -C solutions/$$chapter || exit 1; done
	@scripts/bench $(BENCH_FLAGS)

bench-quick:
	@scripts/install-deps --bench
	@for chapter in $(CHAPTERS); do $(MAKE) -s -C solutions/$$chapter || exit 1; done
	@scripts/bench --quick

# docs/benchmarks.md and .svg from the last `make bench` (run first if none).
bench-docs:
	@[ -f build/bench.json ] || $(MAKE) -s bench
	@scripts/bench --docs

clean:
	rm -rf build
	for dir in chapters/*/ solutions/*/; do $(MAKE) -s -C $$dir clean; done
