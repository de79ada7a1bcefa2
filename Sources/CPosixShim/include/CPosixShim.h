/*
 * The socket macros Swift cannot call (CMSG_*) and the Linux structures it
 * cannot see without _GNU_SOURCE (struct ucred), as small functions.
 */
#ifndef CPOSIX_SHIM_H
#define CPOSIX_SHIM_H

#include <stddef.h>
#include <sys/types.h>

/* Sends `length` bytes on `socket`, with `descriptor` attached as SCM_RIGHTS
 * when it is >= 0. Returns what sendmsg returns (bytes sent or -1, errno set).
 * MSG_NOSIGNAL: a peer that went away is an EPIPE, not a SIGPIPE. */
ssize_t CPosixShim_send_with_descriptor(int socket, const void *bytes, size_t length, int descriptor);

/* Receives up to `length` bytes; descriptors that came with them (at most
 * `capacity`) are stored in `descriptors`, close-on-exec, and counted in
 * `*received`. `*truncated` is set when the sender attached more than fit
 * (the kernel has then dropped the rest). Returns what recvmsg returns. */
ssize_t CPosixShim_receive_with_descriptors(int socket, void *bytes, size_t length, int *descriptors, int capacity,
                                            int *received, int *truncated);

/* An anonymous memory file (memfd_create, MFD_CLOEXEC), which Glibc's Swift
 * overlay does not expose: an upload passed on as a descriptor without a
 * file on disk. Returns the descriptor or -1 with errno set. */
int CPosixShim_memory_file(const char *name);

/* accept4 with SOCK_CLOEXEC, which Glibc's Swift overlay does not expose. */
int CPosixShim_accept_cloexec(int socket);

/* SO_PEERCRED of a connected Unix socket. Returns 0 or -1 with errno set. */
int CPosixShim_peer_credentials(int socket, pid_t *pid, uid_t *uid, gid_t *gid);

/* Bytes received and not yet read (FIONREAD; ioctl is variadic, which Swift
   cannot call). Returns -1 with errno set on failure. */
int CPosixShim_unread_bytes(int socket);

/* Names the calling thread for ps, top and debuggers (pthread_setname_np,
   which needs _GNU_SOURCE); the kernel keeps the first 15 bytes. */
void CPosixShim_name_this_thread(const char *name);

/* Runs the calling thread at SCHED_IDLE (which needs _GNU_SOURCE), below
   every nice level: it gets a core only when nothing else wants one.
   Returns 0, or -1 with errno. */
int CPosixShim_run_at_idle_priority(void);

/* Fixes glibc's mmap threshold at `bytes` (mallopt, from <malloc.h>, which
   Swift's Glibc module leaves out): blocks that large are always mapped
   and given back when freed. Returns 0 if glibc refused. */
int CPosixShim_fix_mmap_threshold(int bytes);

/* Counts SIGINT and SIGTERM from now on instead of dying of them, and
   unblocks them; the handler is installed without SA_RESTART, so a blocking
   read or poll returns EINTR and the caller can look at the count. */
void CPosixShim_count_interrupts(void);

/* How many SIGINT and SIGTERM arrived since CPosixShim_count_interrupts. */
int CPosixShim_interrupts(void);

#endif
