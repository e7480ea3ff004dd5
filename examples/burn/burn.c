/*
 * burn: a small CPU-bound service for fluoro's demo and tests. Each "request" is parsed, then
 * compressed, then checksummed, in a known proportion of work (about 20/50/30), through call
 * chains deep enough to make stack unwinding matter. Built without frame pointers, like the
 * software people actually run.
 *
 *   burn [seconds]      run for that long (default: until killed)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

#define NOINLINE __attribute__((noinline))

/* Spin for about `units` units of work; the asm keeps the loop from being folded away. */
static NOINLINE uint64_t spin(uint64_t seed, unsigned units)
{
	uint64_t x = seed | 1;
	for (unsigned i = 0; i < units * 20000u; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

NOINLINE uint64_t tokenize(uint64_t s) { uint64_t r = spin(s, 2); sink += r; return r; }
NOINLINE uint64_t parse_request(uint64_t s) { uint64_t r = tokenize(s); sink += r; return r; }
NOINLINE uint64_t deflate_block(uint64_t s) { uint64_t r = spin(s, 5); sink += r; return r; }
NOINLINE uint64_t compress_body(uint64_t s) { uint64_t r = deflate_block(s); sink += r; return r; }
NOINLINE uint64_t crc_update(uint64_t s) { uint64_t r = spin(s, 3); sink += r; return r; }
NOINLINE uint64_t checksum(uint64_t s) { uint64_t r = crc_update(s); sink += r; return r; }

NOINLINE uint64_t handle_request(uint64_t s)
{
	uint64_t r = parse_request(s);
	r += compress_body(r);
	r += checksum(r);
	sink += r;
	return r;
}

NOINLINE void serve(double seconds)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (uint64_t n = 1;; n++) {
		handle_request(n);
		if (seconds > 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >= seconds)
				return;
		}
	}
}

int main(int argc, char **argv)
{
	serve(argc > 1 ? atof(argv[1]) : 0);
	printf("%llu\n", (unsigned long long)sink);
	return 0;
}
