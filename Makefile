# segship: a plain GNU Makefile. Sources are found by wildcard, so a new file in a module's folder
# needs no edit here. `make` builds build/segship and build/autopilot-sim.

BUILD    ?= build
CC       ?= gcc
PKGS     := sqlite3 jansson libcurl libsodium libmicrohttpd
SIM_PKGS := jansson libmicrohttpd
OPT      ?= -O2
SAN      ?=

CFLAGS   := -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Wshadow -Wno-unused-parameter \
            -Isrc $(SAN) $(EXTRA_CFLAGS)
LDFLAGS  := $(SAN) $(EXTRA_LDFLAGS)

PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
SIM_CFLAGS  = $(shell pkg-config --cflags $(SIM_PKGS) 2>/dev/null)
SIM_LIBS    = $(shell pkg-config --libs $(SIM_PKGS) 2>/dev/null) -lm -lpthread
TEST_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null)

LIB_SRC   := $(filter-out src/cli/%,$(wildcard src/*/*.c))
CLI_SRC   := $(wildcard src/cli/*.c)
SIM_SRC   := $(wildcard sim/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
SIM_OBJ   := $(SIM_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test asan bench demo fuzz valgrind clean
all: $(BUILD)/segship $(BUILD)/autopilot-sim $(UNIT_BIN)

$(BUILD)/libsegship.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	ar rcs $@ $^

$(BUILD)/segship: $(CLI_OBJ) $(BUILD)/libsegship.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/autopilot-sim: $(SIM_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(SIM_LIBS)

$(BUILD)/obj/sim/%.o: sim/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SIM_CFLAGS) -MMD -MP -c -o $@ $<

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

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh $(BUILD)

clean:
	rm -rf build build-asan build-fuzz
