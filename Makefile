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

.PHONY: help deps demo compare test mutants preview sanitize valgrind check progress hint watch python-check \
	starters diagrams quotes clean bench bench-quick lint fuzz fault-matrix bench-docs conformance \
	visualize replays editor grade classroom classroom-dry-run

help:
	@echo "make demo          the headline demo: downloads against the local fixture server"
	@echo "make compare       every chapter's program on the same files: wall, CPU, speedup"
	@echo "make test          every test: solutions pass, starters fail cleanly, diagrams fresh"
	@echo "make check CH=01   test YOUR code in chapters/01-*: where you stand, what to do next"
	@echo "make progress      every chapter at a glance: tests passing, holes filled"
	@echo "make hint CH=01    the next hint for the first open hole (HOLE=function, RESET=1)"
	@echo "make preview CH=01 build the chapter's finished program into build/preview/ to try it"
	@echo "make watch CH=01   re-run the check each time you save a file of the chapter"
	@echo "make visualize CH=05 [PROGRAM=worker] [ARGS=...]"
	@echo "                   record YOUR loop running the program; replay it in a browser"
	@echo "make editor        compile_commands.json, for VS Code (clangd) and other editors"
	@echo "make grade CH=01 STEP=1   one graded step, as the Classroom autograding runs it"
	@echo "make classroom CH=01-05   a student template per chapter, an answer key (OUT=, HINTS=)"
	@echo "make classroom-dry-run    the autograding workflow, run here on fresh templates"
	@echo "make python-check  the chapters' Python asyncio equivalents against the fixture"
	@echo "make mutants       every catalogued mistake against its chapter's tests (CH=02)"
	@echo "make conformance   asyncio's behaviours, case by case, under each CPython 3.11+ and in C"
	@echo "make sanitize      the solutions' tests under AddressSanitizer and UBSan"
	@echo "make valgrind      the solutions' tests under valgrind"
	@echo "make lint          cppcheck and clang-tidy on every solution's C files"
	@echo "make fuzz          fuzz the response, chunked and URL parsers (FUZZ_SECONDS=60 each)"
	@echo "make fault-matrix  every fault and hostile case against every chapter's download"
	@echo "make starters      rewrite chapters/*/ starter code from solutions/ and hints.md"
	@echo "make diagrams      render chapters/*/diagrams/*.dot to SVG"
	@echo "make quotes        refresh the code quoted in the walkthroughs"
	@echo "make replays       re-record the walkthroughs' replays and their screenshots"
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

# The tests drive Chromium headless (the replay page): installed here only.
test:
	@scripts/install-deps --browser
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
	@scripts/compile-commands --if-stale
	@scripts/check $(CH)

progress: deps
	@scripts/progress

# The finished program of a chapter, built in build/preview/ (the
# walkthroughs' "Run it first"), so the learner never opens solutions/.
preview:
	@$(CH_USAGE)
	@scripts/preview $(CH)

hint:
	@$(CH_USAGE)
	@scripts/hint $(CH) $(if $(HOLE),--hole $(HOLE)) $(if $(RESET),--reset)

watch: deps
	@$(CH_USAGE)
	@scripts/watch $(CH)

# The replay of the learner's own loop (scripts/visualize, replay/).
visualize: deps
	@$(CH_USAGE)
	@scripts/visualize $(CH) $(PROGRAM) $(ARGS)

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

# The mistakes catalogue (solutions/*/mistakes/): does each likely mistake
# fail a test that teaches? CH=02 for one chapter.
mutants: deps
	@scripts/mutants $(CH)

# docs/asyncio-conformance.md: the harness's own tests first, then every
# case under every CPython 3.11+ here and in each chapter's C core
# (conformance/c builds build/conformance/cases-NN; a case with no C run
# is a failure).
conformance: deps
	@python3 -B -m unittest discover -s conformance/python
	@$(MAKE) -s -C conformance/c
	@scripts/conformance --require-c

# For editors that use clangd: the flags of every file, from the build
# itself (scripts/compile-commands). `make check` refreshes it too.
editor:
	@scripts/compile-commands

starters:
	@scripts/make-starter $(CHAPTERS)

diagrams: deps
	@scripts/render-diagrams

quotes:
	@scripts/quote-code

replays:
	@scripts/install-deps --browser
	@scripts/make-replays

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
