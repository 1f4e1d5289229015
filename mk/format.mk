# The layout of the C++ sources is .clang-format's (Debian 12's clang-format 14): `make
# format` applies it, `make format-check` fails on any file it would change (.ci/run runs
# it). A table laid out by hand sits between "// clang-format off" and "on".

FORMAT_SRC = $(shell git ls-files '*.cpp' '*.h' 2>/dev/null)

.PHONY: format format-check
format:
	$(Q)clang-format -i $(FORMAT_SRC)

format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRC)
