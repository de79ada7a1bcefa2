/*
 * Row loops split across the OpenMP team that oneDNN already runs on (GNU
 * libgomp in Debian's build), so our kernels and oneDNN's products share one
 * set of threads instead of two pools spinning against each other on few
 * cores. libgomp is found at run time: clang cannot emit its ABI, and no
 * OpenMP development files are needed to build. Without it, loops run on the
 * calling thread. This is the one place the runtime is looked up: the Swift
 * side sets its team through am_omp_set_threads and am_omp_max_threads.
 */
#include "AmanuensisKernels.h"
#include <dlfcn.h>
#include <pthread.h>

typedef void (*gomp_parallel_fn)(void (*)(void *), void *, unsigned, unsigned);
typedef int (*omp_int_fn)(void);
typedef void (*omp_set_fn)(int);

static gomp_parallel_fn gomp_parallel;
static omp_int_fn thread_number, team_size, max_threads;
static omp_set_fn set_threads;
static pthread_once_t resolved = PTHREAD_ONCE_INIT;

/* All of the runtime or none of it. */
static void resolve(void) {
    gomp_parallel = (gomp_parallel_fn)dlsym(RTLD_DEFAULT, "GOMP_parallel");
    thread_number = (omp_int_fn)dlsym(RTLD_DEFAULT, "omp_get_thread_num");
    team_size = (omp_int_fn)dlsym(RTLD_DEFAULT, "omp_get_num_threads");
    max_threads = (omp_int_fn)dlsym(RTLD_DEFAULT, "omp_get_max_threads");
    set_threads = (omp_set_fn)dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (!gomp_parallel || !thread_number || !team_size || !max_threads || !set_threads) {
        gomp_parallel = NULL;
        thread_number = team_size = max_threads = NULL;
        set_threads = NULL;
    }
}

void am_omp_set_threads(int n) {
    pthread_once(&resolved, resolve);
    if (set_threads) set_threads(n);
}

int am_omp_max_threads(void) {
    pthread_once(&resolved, resolve);
    return max_threads ? max_threads() : 1;
}

typedef struct {
    am_rows_body body;
    void *context;
    size_t count;
} job;

static void run_share(void *argument) {
    const job *work = argument;
    const size_t threads = (size_t)team_size(), index = (size_t)thread_number();
    const size_t first = work->count * index / threads, last = work->count * (index + 1) / threads;
    if (first < last) work->body(work->context, first, last, index);
}

void am_parallel_rows(size_t count, size_t max_shares, am_rows_body body, void *context) {
    /* The team oneDNN would use on this thread; 1 without libgomp. */
    size_t shares = (size_t)am_omp_max_threads();
    if (shares > max_shares) shares = max_shares;
    if (shares > count) shares = count;
    if (shares < 2) {
        body(context, 0, count, 0);
        return;
    }
    job work = { body, context, count };
    gomp_parallel(run_share, &work, (unsigned)shares, 0);
}
