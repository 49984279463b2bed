# chapter.mk - how every chapter builds its download program and runs its tests.
#
# Each chapters/NN-slug/Makefile and its twin solutions/NN-slug/Makefile set
# CHAPTER and include this file, so the learner's copy and the reference build
# the same way. The tests come from chapters/NN-slug/tests (what is particular
# to the chapter) and fixtures/ (the server harness, and the download
# contract that every chapter's program meets, fixtures/contract_tests.c).
#
#   make            build ./download
#   make test       build and run the chapter's Criterion tests
#   make test VARIANT=sanitize    the same under AddressSanitizer and UBSan
#   make test-valgrind            the tests under valgrind (children traced)
#   make clean

TOP := $(abspath $(or $(TOP),$(dir $(lastword $(MAKEFILE_LIST)))..))
VARIANT ?= plain
BUILD := build/$(VARIANT)
# The programs as `make check` runs them (see check-build below).
CHECKED := $(BUILD)/checked

CC ?= cc
CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O2 -g
LDFLAGS :=
LDLIBS :=
ifeq ($(VARIANT),sanitize)
  SANITIZERS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  CFLAGS += $(SANITIZERS)
  LDFLAGS += $(SANITIZERS)
endif

# A chapter may build small programs besides download (its Makefile sets
# PROGRAMS := worker trap, built from worker.c and trap.c); every other .c
# file is library code that all programs and the tests link with.
PROGRAMS ?=
SOURCES := $(wildcard *.c)
LIB_SOURCES := $(filter-out main.c $(PROGRAMS:=.c),$(SOURCES))
TEST_DIR := $(TOP)/chapters/$(CHAPTER)/tests
TEST_SOURCES := $(wildcard $(TEST_DIR)/*.c) $(wildcard $(TOP)/fixtures/*.c)
TEST_CFLAGS := $(CFLAGS) -I. -I$(TEST_DIR) -I$(TOP)/fixtures \
	-DFIXTURE_SERVER_PY='"$(TOP)/fixtures/server.py"'

# The test runner reaches the network calls through fixtures/syscall_faults.c,
# so that a test can make them misbehave as a real network does (short
# sends, EAGAIN, EINTR, a connect() that fails late, an eventfd that lags
# behind; epoll_wait's timeout is recorded), and the allocation calls
# through fixtures/alloc_faults.c, so that a test can run out of memory on
# purpose and a use of freed memory crashes at once. The chapter's own objects
# are the same ones ./download is linked from.
WRAPPED_CALLS := send recv connect getsockopt eventfd epoll_wait malloc calloc realloc free
TEST_LDFLAGS := $(foreach fn,$(WRAPPED_CALLS),-Wl,--wrap=$(fn))

OBJECTS := $(SOURCES:%.c=$(BUILD)/%.o)
LIB_OBJECTS := $(LIB_SOURCES:%.c=$(BUILD)/%.o)
TEST_OBJECTS := $(patsubst %.c,$(BUILD)/tests/%.o,$(notdir $(TEST_SOURCES)))

# Criterion options: a test that misbehaves cannot hang the run (every suite
# also sets its own .timeout), and the summary comes last.
CRITERION_FLAGS ?= --jobs=2
# The tests find the programs through the environment: DOWNLOAD, and one
# variable per extra program (PROGRAM_WORKER for worker, ...).
TEST_ENV = DOWNLOAD=$(CURDIR)/$(BUILD)/download \
	$(foreach p,$(PROGRAMS),PROGRAM_$(shell echo $(p) | tr a-z A-Z)=$(CURDIR)/$(BUILD)/$(p))

.PHONY: all test test-valgrind check-build check-test check-limits compile-flags clean
all: download $(PROGRAMS)

# The learner's program sits in the chapter's folder; the build tree keeps
# one copy per variant so a sanitizer build never replaces the plain one.
download: $(BUILD)/download
	cp $< $@

$(BUILD)/download: $(BUILD)/main.o $(LIB_OBJECTS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(PROGRAMS): %: $(BUILD)/%
	cp $< $@

$(addprefix $(BUILD)/,$(PROGRAMS)): $(BUILD)/%: $(BUILD)/%.o $(LIB_OBJECTS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c $(wildcard *.h) | $(BUILD)
	$(CC) $(CFLAGS) -MMD -c -o $@ $<

$(BUILD)/tests/%.o: $(TEST_DIR)/%.c $(wildcard *.h $(TEST_DIR)/*.h $(TOP)/fixtures/*.h) | $(BUILD)/tests
	$(CC) $(TEST_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: $(TOP)/fixtures/%.c $(wildcard $(TOP)/fixtures/*.h) | $(BUILD)/tests
	$(CC) $(TEST_CFLAGS) -c -o $@ $<

$(BUILD)/run-tests: $(LIB_OBJECTS) $(TEST_OBJECTS)
	$(CC) $(LDFLAGS) $(TEST_LDFLAGS) -o $@ $^ -lcriterion $(LDLIBS)

$(BUILD) $(BUILD)/tests $(CHECKED):
	mkdir -p $@

test: $(BUILD)/download $(addprefix $(BUILD)/,$(PROGRAMS)) $(BUILD)/run-tests
	$(TEST_ENV) $(BUILD)/run-tests $(CRITERION_FLAGS)

# valgrind follows the test workers and the download processes they start,
# but not the Python fixture. Leaks inside a Criterion test do not fail it,
# so scripts/run-tests reads these logs and fails on any report.
VALGRIND := valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	--trace-children=yes --trace-children-skip='*python*' \
	--log-file=$(CURDIR)/$(BUILD)/valgrind/%p.log
test-valgrind: $(BUILD)/download $(addprefix $(BUILD)/,$(PROGRAMS)) $(BUILD)/run-tests
	rm -rf $(BUILD)/valgrind && mkdir -p $(BUILD)/valgrind
	$(TEST_ENV) DOWNLOAD_WRAPPER="$(VALGRIND)" $(VALGRIND) $(BUILD)/run-tests $(CRITERION_FLAGS) --jobs=1

# `make check` (scripts/check) builds with check-build, then runs
# check-test: the same tests, but none may run longer than
# CHECK_TEST_SECONDS, and the programs they start are linked with
# fixtures/hang_probe.c, which samples where a test was when its time ran
# out (only when scripts/check sets CHECK_HANG_DIR; otherwise it does
# nothing). The check stops the whole run after CHECK_RUN_SECONDS. A
# chapter whose tests are slow raises both in its Makefile; scripts/check
# reads them with check-limits.
CHECK_TEST_SECONDS ?= 10
CHECK_RUN_SECONDS ?= 60
PROBE := $(BUILD)/tests/hang_probe.o
CHECK_ENV = DOWNLOAD=$(CURDIR)/$(CHECKED)/download CHECK_TEST_SECONDS=$(CHECK_TEST_SECONDS) \
	$(foreach p,$(PROGRAMS),PROGRAM_$(shell echo $(p) | tr a-z A-Z)=$(CURDIR)/$(CHECKED)/$(p))

$(CHECKED)/download: $(BUILD)/main.o $(LIB_OBJECTS) $(PROBE) | $(CHECKED)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(addprefix $(CHECKED)/,$(PROGRAMS)): $(CHECKED)/%: $(BUILD)/%.o $(LIB_OBJECTS) $(PROBE) | $(CHECKED)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

check-build: $(addprefix $(CHECKED)/,download $(PROGRAMS)) $(BUILD)/run-tests

check-test: check-build
	$(CHECK_ENV) $(BUILD)/run-tests $(CRITERION_FLAGS) --timeout=$(CHECK_TEST_SECONDS)

check-limits:
	@echo $(CHECK_TEST_SECONDS) $(CHECK_RUN_SECONDS)

# For scripts/compile-commands (make editor): how each kind of file here is
# compiled, so that an editor sees the same flags as the build.
compile-flags:
	$(info CC $(CC))
	$(info CFLAGS $(CFLAGS))
	$(info TEST_CFLAGS $(TEST_CFLAGS))
	$(info TEST_DIR $(TEST_DIR))
	@:

clean:
	rm -rf build download $(PROGRAMS)

-include $(OBJECTS:.o=.d)
