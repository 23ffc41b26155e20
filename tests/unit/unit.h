/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal unit-test harness. Each tests/unit/test_<name>.c is one program: main() runs its
 * cases with CHECK() and ends with UNIT_DONE(), which prints "N passed, N failed, N skipped"
 * as its last line; tests/run.sh adds these up. argv[1] is the directory of compiled fixtures.
 */
#ifndef BPFKIT_UNIT_H
#define BPFKIT_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_skipped;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (cond) {                                                     \
			unit_passed++;                                          \
		} else {                                                        \
			unit_failed++;                                          \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, \
				#cond);                                         \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
		}                                                               \
	} while (0)

#define CHECK_STR(got, want)                                                    \
	CHECK((got) && strcmp((got), (want)) == 0, "got '%s', want '%s'",      \
	      (got) ? (got) : "(null)", (want))

#define SKIP(...)                                                               \
	do {                                                                    \
		unit_skipped++;                                                 \
		fprintf(stderr, "skip: ");                                      \
		fprintf(stderr, __VA_ARGS__);                                   \
		fputc('\n', stderr);                                            \
	} while (0)

#define UNIT_DONE()                                                             \
	do {                                                                    \
		printf("%d passed, %d failed, %d skipped\n", unit_passed,       \
		       unit_failed, unit_skipped);                              \
		return unit_failed ? 1 : 0;                                     \
	} while (0)

#endif
