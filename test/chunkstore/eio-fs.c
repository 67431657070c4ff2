/*
 * A one-file FUSE file system for mapped-reads-eio.test.ts: `/disk` is a chunk file's size (4 KiB metapage + 64 KiB
 * of data). Its first 36 KiB read as 0x07 bytes; reads of the last 32 KiB fail with EIO, as bad sectors would.
 * Run as `eio-fs -f <mountpoint>`; SIGTERM unmounts and exits.
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fuse.h>
#include <string.h>
#include <sys/stat.h>

#define SIZE (4096 + 64 * 1024)
#define BAD_FROM (4096 + 32 * 1024)
static const char *NAME = "/disk";

static int getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  (void)fi;
  memset(st, 0, sizeof *st);
  if (strcmp(path, "/") == 0) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  if (strcmp(path, NAME) != 0) return -ENOENT;
  st->st_mode = S_IFREG | 0644;
  st->st_nlink = 1;
  st->st_size = SIZE;
  return 0;
}

static int open_file(const char *path, struct fuse_file_info *fi) {
  (void)fi;
  return strcmp(path, NAME) == 0 ? 0 : -ENOENT;
}

static int read_file(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
  (void)path, (void)fi;
  if (offset >= SIZE) return 0;
  if (offset + (off_t)size > SIZE) size = SIZE - offset;
  if (offset + (off_t)size > BAD_FROM) return -EIO;
  memset(buf, 7, size);
  return (int)size;
}

static const struct fuse_operations operations = {.getattr = getattr, .open = open_file, .read = read_file};

int main(int argc, char *argv[]) { return fuse_main(argc, argv, &operations, NULL); }
