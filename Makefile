# segship: a plain GNU Makefile. Sources are found by wildcard, so a new file in a module's folder
# needs no edit here. `make` builds build/segship, build/autopilot-sim and build/ortto-sim.

BUILD    ?= build
CC       ?= gcc
PKGS     := sqlite3 jansson libcurl libsodium libmicrohttpd libpq
SIM_PKGS := jansson libmicrohttpd
OPT      ?= -O2
SAN      ?=

# Hardened by default: stack protector, fortified libc calls (they need optimisation, and are left
# to the sanitizers in a SAN build), position-independent executables, full RELRO.
# tests/e2e/cli_hardening.sh checks them in the binaries with readelf.
HARDEN_CFLAGS  ?= -fstack-protector-strong -fPIE $(if $(SAN),,$(if $(filter -O0,$(OPT)),,-D_FORTIFY_SOURCE=2))
HARDEN_LDFLAGS ?= -pie -Wl,-z,relro,-z,now

CFLAGS   := -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Wshadow -Wno-unused-parameter \
            -Isrc $(HARDEN_CFLAGS) $(SAN) $(EXTRA_CFLAGS)
LDFLAGS  := $(HARDEN_LDFLAGS) $(SAN) $(EXTRA_LDFLAGS)

PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
SIM_CFLAGS  = $(shell pkg-config --cflags $(SIM_PKGS) 2>/dev/null)
SIM_LIBS    = $(shell pkg-config --libs $(SIM_PKGS) 2>/dev/null) -lm -lpthread
TEST_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null)

LIB_SRC   := $(filter-out src/cli/%,$(wildcard src/*/*.c))
CLI_SRC   := $(wildcard src/cli/*.c)
# The simulators: a shared core (sim/core) and one folder per API, each with its main.c.
SIM_CORE_SRC := $(wildcard sim/core/*.c)
SIM_APIS     := autopilot ortto
SIM_API_SRC   = $(filter-out sim/$(1)/main.c,$(wildcard sim/$(1)/*.c))
UNIT_SRC  := $(wildcard tests/unit/test_*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
SIM_CORE_OBJ := $(SIM_CORE_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
REPLAY_BIN := $(patsubst fuzz/fuzz_%.c,$(BUILD)/tests/replay_%,$(wildcard fuzz/fuzz_*.c))

.PHONY: all deps test asan bench demo demo-postgres fuzz valgrind clean
all: $(BUILD)/segship $(SIM_APIS:%=$(BUILD)/%-sim) $(UNIT_BIN) $(REPLAY_BIN)

$(BUILD)/libsegship.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	ar rcs $@ $^

$(BUILD)/segship: $(CLI_OBJ) $(BUILD)/libsegship.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# build/NAME-sim: sim/NAME/*.c (its main.c included) and the core.
define SIM_RULE
$(BUILD)/$(1)-sim: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard sim/$(1)/*.c)) $(SIM_CORE_OBJ)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(SIM_LIBS)
endef
$(foreach a,$(SIM_APIS),$(eval $(call SIM_RULE,$(a))))

$(BUILD)/obj/sim/%.o: sim/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Isim/core $(SIM_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

# The simulator's load generator (bench/sim/run.sh builds it; not part of `all`).
$(BUILD)/sim-bench: bench/sim/sim_bench.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags libcurl) -o $@ $< $(shell pkg-config --libs libcurl) $(LDFLAGS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsegship.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -o $@ $< $(BUILD)/libsegship.a $(TEST_LIBS) $(PKG_LIBS) $(LDFLAGS)

# The fuzz targets replayed over their corpora with the regular compiler (tests/fuzz/replay.c).
$(BUILD)/tests/replay_sim: fuzz/fuzz_sim.c fuzz/sim_fuzz.h tests/fuzz/replay.c $(call SIM_API_SRC,autopilot) $(SIM_CORE_SRC)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Isim/core $(SIM_CFLAGS) -o $@ $(filter %.c,$^) $(SIM_LIBS) $(LDFLAGS)

$(BUILD)/tests/replay_ortto_sim: fuzz/fuzz_ortto_sim.c fuzz/sim_fuzz.h tests/fuzz/replay.c $(call SIM_API_SRC,ortto) $(SIM_CORE_SRC)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Isim/core $(SIM_CFLAGS) -o $@ $(filter %.c,$^) $(SIM_LIBS) $(LDFLAGS)

$(BUILD)/tests/replay_%: fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/libsegship.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ fuzz/fuzz_$*.c tests/fuzz/replay.c $(BUILD)/libsegship.a $(PKG_LIBS) $(LDFLAGS)

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)

# Installs the Debian packages the build and the tests need (only those missing).
deps:
	@bash scripts/install-deps.sh

# The test command of README.md: installs what is missing, builds, runs every test.
test: deps
	@$(MAKE) --no-print-directory all
	@bash tests/run.sh $(BUILD)

# The same suite built with AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@$(MAKE) --no-print-directory all BUILD=build-asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    bash tests/run.sh build-asan

bench: deps
	@$(MAKE) --no-print-directory all
	@bash bench/run.sh $(BUILD)

# The integration tests with every segship and simulator process under valgrind's memcheck.
valgrind: deps
	@$(MAKE) --no-print-directory all OPT=-O1
	@bash scripts/valgrind.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh $(BUILD)

# The same with profiles in PostgreSQL (a private server, scripts/with-postgres.sh): copy and pushdown.
demo-postgres: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo-postgres.sh $(BUILD)

# Fuzzing with clang and libFuzzer: the library is built with clang into build-fuzz/, each
# fuzz/fuzz_NAME.c is linked against it and run for FUZZ_SECONDS on its seeds (fuzz/corpus/NAME,
# read only) and what it finds (build-fuzz/corpus/NAME), with fuzz/NAME.dict when there is one.
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_BIN     := $(patsubst fuzz/%.c,build-fuzz/%,$(wildcard fuzz/fuzz_*.c))

fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT=-O1 SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
	    build-fuzz/libsegship.a
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@set -e; for t in $(FUZZ_BIN); do n=$${t#build-fuzz/fuzz_}; mkdir -p build-fuzz/corpus/$$n; \
	    echo "fuzzing $$n for $(FUZZ_SECONDS) s"; \
	    dict=; [ -f fuzz/$$n.dict ] && dict=-dict=fuzz/$$n.dict; \
	    $$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -max_len=8192 -print_final_stats=1 $$dict \
	        -artifact_prefix=build-fuzz/$$n- \
	        build-fuzz/corpus/$$n fuzz/corpus/$$n; done

# The simulators' targets link the simulator's own sources (all but its main), not segship's.
build-fuzz/fuzz_sim: fuzz/fuzz_sim.c fuzz/sim_fuzz.h $(call SIM_API_SRC,autopilot) $(SIM_CORE_SRC)
	clang -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Wshadow -Wno-unused-parameter -Isim/core $(FUZZ_SAN) \
	    -fsanitize=fuzzer $(SIM_CFLAGS) -o $@ $(filter %.c,$^) $(SIM_LIBS)

build-fuzz/fuzz_ortto_sim: fuzz/fuzz_ortto_sim.c fuzz/sim_fuzz.h $(call SIM_API_SRC,ortto) $(SIM_CORE_SRC)
	clang -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Wshadow -Wno-unused-parameter -Isim/core $(FUZZ_SAN) \
	    -fsanitize=fuzzer $(SIM_CFLAGS) -o $@ $(filter %.c,$^) $(SIM_LIBS)

build-fuzz/fuzz_%: fuzz/fuzz_%.c build-fuzz/libsegship.a
	clang -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Wshadow -Wno-unused-parameter -Isrc $(FUZZ_SAN) \
	    -fsanitize=fuzzer $(PKG_CFLAGS) -o $@ $< build-fuzz/libsegship.a $(PKG_LIBS)

clean:
	rm -rf build build-asan build-fuzz
