/*
 * Reads one byte of every cache line of a region and discards it: the
 * decoder's read-ahead (ReadAhead.swift) brings what a step's layers are
 * about to read into the cache the cores share, from another core. The
 * reads are volatile so that the compiler keeps every one.
 */
#include "AmanuensisKernels.h"

void am_read_ahead(const void *region, size_t bytes) {
    const volatile unsigned char *line = region;
    for (size_t offset = 0; offset < bytes; offset += 64) (void)line[offset];
}
