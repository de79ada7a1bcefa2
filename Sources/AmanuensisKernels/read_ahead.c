/*
 * Reads one byte of every cache line of a region and discards it: the
 * decoder's read-ahead (ReadAhead.swift) brings what a step's layers are
 * about to read into the cache the cores share, from another core. The
 * reads are volatile so that the compiler keeps every one.
 *
 * A reader put aside at idle priority may read keys and values that their
 * stream is already writing for its next window. The bytes are never used,
 * so the race is harmless; ThreadSanitizer is told not to look at it.
 */
#include "AmanuensisKernels.h"

__attribute__((no_sanitize("thread"))) void am_read_ahead(const void *region, size_t bytes) {
    const volatile unsigned char *line = region;
    for (size_t offset = 0; offset < bytes; offset += 64) (void)line[offset];
}
