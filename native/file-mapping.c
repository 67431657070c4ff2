/*
 * The chunk store's read-only file mappings (chunkstore/file-mapping.ts).
 *
 *   map(fd, length) -> ArrayBuffer      mmap(PROT_READ, MAP_SHARED) of the file's first `length` bytes
 *   copy(buffer, offset, target) -> ok  copies target.length bytes from `offset` of the mapping; false when the
 *                                       kernel raised SIGBUS (the file is now shorter, or the disk failed)
 *   unmap(buffer)                       munmaps the range and detaches the ArrayBuffer (every view of it empties)
 *
 * MAP_SHARED views the kernel's page cache itself: a pwrite by any thread is visible to the next read of the
 * mapping, and no copy of the file is kept in user space. Touching a page past the file's end, or one the disk
 * cannot read, raises SIGBUS where pread would return 0 or EIO. copy() turns that into `false` as the JVM does for
 * its mapped buffers: a SIGBUS handler jumps back out of the copy when the faulting thread is inside one, and
 * passes any other SIGBUS to the handler installed before it (FORMAT.md "Mapped reads").
 */
#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) return NULL;                                                                                \
  } while (0)

/* One mapping; wrapped in its ArrayBuffer, so unmap() finds it. */
typedef struct {
  size_t length;
  int unmapped;
} mapping;

/* The ArrayBuffer's finalizer (on the JS thread, after unmap() detached it or once it is collected). */
static void release(napi_env env, void *data, void *hint) {
  (void)env;
  mapping *m = hint;
  if (!m->unmapped) munmap(data, m->length);
  free(m);
}

static napi_value throw_errno(napi_env env, const char *what) {
  int error = errno; /* before any other call can change it */
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(error));
  napi_throw_error(env, error == ENOMEM ? "ENOMEM" : error == EINVAL ? "EINVAL" : "EMAP", message);
  return NULL;
}

static napi_value map(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  int64_t length;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_int64(env, argv[1], &length) != napi_ok || fd < 0 || length <= 0) {
    napi_throw_type_error(env, NULL, "map(fd, length): a descriptor and a positive length");
    return NULL;
  }
  void *addr = mmap(NULL, (size_t)length, PROT_READ, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) return throw_errno(env, "mmap");
  mapping *m = malloc(sizeof *m);
  if (!m) {
    munmap(addr, (size_t)length);
    napi_throw_error(env, "ENOMEM", "malloc: no memory for the mapping's record");
    return NULL;
  }
  m->length = (size_t)length;
  m->unmapped = 0;
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, addr, m->length, release, m, &buffer) != napi_ok) {
    munmap(addr, m->length);
    free(m);
    napi_throw_error(env, NULL, "mmap: the mapping could not be handed to JavaScript");
    return NULL;
  }
  /* from here the finalizer owns `m` */
  CHECK(napi_wrap(env, buffer, m, NULL, NULL, NULL));
  return buffer;
}

/* Set only while this thread copies out of a mapping. */
static __thread sigjmp_buf *volatile inside_copy;
static struct sigaction previous_sigbus;

static void on_sigbus(int sig, siginfo_t *info, void *context) {
  if (inside_copy) siglongjmp(*inside_copy, 1);
  /* Not a copy's: the handler installed before this one gets it; without one, the default disposition is put
   * back and the faulting access, repeated, meets it. */
  if (previous_sigbus.sa_flags & SA_SIGINFO) {
    previous_sigbus.sa_sigaction(sig, info, context);
  } else if (previous_sigbus.sa_handler != SIG_DFL && previous_sigbus.sa_handler != SIG_IGN) {
    previous_sigbus.sa_handler(sig);
  } else {
    signal(SIGBUS, SIG_DFL);
  }
}

/* SA_NODEFER: SIGBUS is not blocked while the handler runs, so jumping out of it (without restoring a signal mask,
 * which would cost a syscall per copy) leaves the thread's mask as it was. */
static int install_sigbus_handler(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_sigbus;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  return sigaction(SIGBUS, &action, &previous_sigbus);
}

static int guarded_copy(void *to, const void *from, size_t length) {
  sigjmp_buf here;
  if (sigsetjmp(here, 0)) {
    inside_copy = NULL;
    return 0;
  }
  inside_copy = &here;
  /* Barriers: the compiler must neither move the copy out of the guarded stretch nor drop the first store. */
  __asm__ __volatile__("" ::: "memory");
  memcpy(to, from, length);
  __asm__ __volatile__("" ::: "memory");
  inside_copy = NULL;
  return 1;
}

static napi_value copy(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void *mapped, *target;
  size_t mapped_length, target_length;
  int64_t offset;
  napi_typedarray_type type;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 3 || napi_get_arraybuffer_info(env, argv[0], &mapped, &mapped_length) != napi_ok ||
      napi_get_value_int64(env, argv[1], &offset) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &type, &target_length, &target, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "copy(buffer, offset, target): a mapping, an offset and a Uint8Array");
    return NULL;
  }
  if (offset < 0 || (uint64_t)offset > mapped_length || target_length > mapped_length - (size_t)offset) {
    napi_throw_range_error(env, NULL, "copy: the range lies outside the mapping");
    return NULL;
  }
  napi_value ok;
  CHECK(napi_get_boolean(env, guarded_copy(target, (char *)mapped + offset, target_length), &ok));
  return ok;
}

static napi_value unmap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool detached;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || napi_is_detached_arraybuffer(env, argv[0], &detached) != napi_ok) {
    napi_throw_type_error(env, NULL, "unmap(buffer): an ArrayBuffer from map()");
    return NULL;
  }
  if (detached) return NULL; /* unmapped already: `m` may be freed */
  void *addr, *wrapped;
  CHECK(napi_get_arraybuffer_info(env, argv[0], &addr, NULL));
  CHECK(napi_unwrap(env, argv[0], &wrapped));
  mapping *m = wrapped;
  /* Unmapped now, not when the finalizer runs: the caller may close and unlink the file next. */
  munmap(addr, m->length);
  m->unmapped = 1;
  CHECK(napi_detach_arraybuffer(env, argv[0]));
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  static int installed = 0; /* once per process: worker threads load the module again */
  if (!__atomic_exchange_n(&installed, 1, __ATOMIC_SEQ_CST) && install_sigbus_handler() != 0) {
    napi_throw_error(env, NULL, "sigaction(SIGBUS) failed");
    return NULL;
  }
  napi_property_descriptor fns[] = {
      {"map", NULL, map, NULL, NULL, NULL, napi_default, NULL},
      {"copy", NULL, copy, NULL, NULL, NULL, napi_default, NULL},
      {"unmap", NULL, unmap, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, 3, fns));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
