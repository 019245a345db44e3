/* Output: whole file or nothing, never over an existing file without force, and never by
 * replacing a FIFO, socket, folder or the file behind a symlink's name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "scopecap/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char dir[256];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sc_output_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int count_entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static size_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : (size_t)-1;
}

static void writes_a_new_file(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/a.png", dir);
    sc_error err;
    assert_int_equal(sc_output_write_atomic(path, "hello", 5, false, &err), SC_OK);
    assert_int_equal(file_size(path), 5);
    assert_int_equal(count_entries(), 1); /* no temporary left behind */
}

static void never_overwrites_without_force(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/b.png", dir);
    sc_error err;
    assert_int_equal(sc_output_write_atomic(path, "first", 5, false, &err), SC_OK);
    assert_int_equal(sc_output_write_atomic(path, "second!", 7, false, &err), SC_ERR_EXISTS);
    assert_non_null(strstr(err.message, "--force"));
    /* the library serves scan's CSV and wave's JSON too: no PNG template in its hint */
    assert_null(strstr(err.message, ".png'"));
    assert_null(strstr(err.message, "{"));
    assert_int_equal(file_size(path), 5);
    assert_int_equal(sc_output_write_atomic(path, "second!", 7, true, &err), SC_OK);
    assert_int_equal(file_size(path), 7);
}

static void missing_folder_leaves_nothing(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/no/such/dir/c.png", dir);
    sc_error err;
    int before = count_entries();
    assert_int_equal(sc_output_write_atomic(path, "x", 1, false, &err), SC_ERR_IO);
    assert_non_null(strstr(err.message, "folder"));
    assert_int_equal(count_entries(), before);
}

static void path_in_dir(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static mode_t type_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & S_IFMT;
}

static void read_file(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* No ".name.tmp-XXXXXX" left in the folder. */
static void assert_no_temporary(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, ".tmp-"))
            fail_msg("temporary left behind: %s", e->d_name);
    closedir(d);
}

/* The other end of a FIFO, opened before the write (non-blocking, so nobody waits in
 * open()) and read until the writer has come and gone, 10 s at most: a FIFO that was
 * replaced by a file never delivers anything, and the test fails instead of hanging. */
typedef struct fifo_reader {
    int fd;
    char got[64];
    size_t len;
    pthread_t thread;
} fifo_reader;

static void *fifo_reader_main(void *arg)
{
    fifo_reader *r = arg;
    for (;;) {
        struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
        if (poll(&pfd, 1, 10000) <= 0)
            break;
        ssize_t n = read(r->fd, r->got + r->len, sizeof r->got - 1 - r->len);
        if (n > 0)
            r->len += (size_t)n;
        else if (n == 0 && (pfd.revents & POLLHUP))
            break; /* the writer closed its end */
        else if (n < 0 && errno != EAGAIN && errno != EINTR)
            break;
        if (r->len == sizeof r->got - 1)
            break;
    }
    return NULL;
}

static void fifo_is_written_into_not_replaced(void **state)
{
    (void)state;
    for (int force = 0; force <= 1; force++) {
        char path[300];
        path_in_dir(path, sizeof path, force ? "fifo-force" : "fifo");
        assert_int_equal(mkfifo(path, 0600), 0);
        fifo_reader r = { .fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) };
        assert_true(r.fd >= 0);
        assert_int_equal(pthread_create(&r.thread, NULL, fifo_reader_main, &r), 0);
        sc_error err;
        sc_status st = sc_output_write_atomic(path, "image bytes", 11, force, &err);
        pthread_join(r.thread, NULL);
        close(r.fd);
        if (st != SC_OK)
            fail_msg("writing into a FIFO: %s", err.message);
        assert_int_equal(r.len, 11);
        assert_memory_equal(r.got, "image bytes", 11);
        assert_int_equal(type_of(path), S_IFIFO); /* still a FIFO, not a regular file */
        assert_no_temporary();
        unlink(path);
    }
}

static void unix_socket_is_written_into(void **state)
{
    (void)state;
    char path[300];
    path_in_dir(path, sizeof path, "sock");
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(lfd >= 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    assert_true(strlen(path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 1), 0);
    sc_error err;
    /* a few bytes fit the socket buffer, so the write completes before accept() */
    assert_int_equal(sc_output_write_atomic(path, "via socket", 10, true, &err), SC_OK);
    struct pollfd pfd = { .fd = lfd, .events = POLLIN };
    assert_int_equal(poll(&pfd, 1, 5000), 1); /* a socket replaced by a file gets no caller */
    int cfd = accept(lfd, NULL, NULL);
    assert_true(cfd >= 0);
    char got[32] = { 0 };
    size_t len = 0;
    ssize_t n;
    while ((n = read(cfd, got + len, sizeof got - 1 - len)) > 0)
        len += (size_t)n;
    assert_string_equal(got, "via socket");
    assert_int_equal(type_of(path), S_IFSOCK);
    close(cfd);
    close(lfd);
    unlink(path);
}

static void own_descriptor_by_name(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    char name[32];
    snprintf(name, sizeof name, "/dev/fd/%d", p[1]);
    sc_error err;
    assert_int_equal(sc_output_write_atomic(name, "to my pipe", 10, false, &err), SC_OK);
    close(p[1]);
    char got[32] = { 0 };
    assert_int_equal(read(p[0], got, sizeof got - 1), 10);
    assert_string_equal(got, "to my pipe");
    close(p[0]);

    /* a descriptor that is closed, or open only for reading, is an error, not a file */
    assert_int_equal(pipe(p), 0);
    snprintf(name, sizeof name, "/dev/fd/%d", p[0]);
    assert_int_equal(sc_output_write_atomic(name, "x", 1, true, &err), SC_ERR_USAGE);
    assert_non_null(strstr(err.message, "not open for writing"));
    close(p[0]);
    close(p[1]);
}

static void symlink_to_a_file_replaces_the_file_not_the_link(void **state)
{
    (void)state;
    char real[300], link_path[300];
    path_in_dir(real, sizeof real, "real.png");
    path_in_dir(link_path, sizeof link_path, "link.png");
    write_file(real, "old");
    assert_int_equal(symlink("real.png", link_path), 0); /* relative, as ln -s makes it */
    sc_error err;
    char got[64];

    assert_int_equal(sc_output_write_atomic(link_path, "new!", 4, false, &err), SC_ERR_EXISTS);
    assert_non_null(strstr(err.message, "symlink"));
    assert_non_null(strstr(err.message, real));
    read_file(real, got, sizeof got);
    assert_string_equal(got, "old");
    assert_int_equal(sc_output_check(link_path, false, &err), SC_ERR_EXISTS);

    assert_int_equal(sc_output_check(link_path, true, &err), SC_OK);
    assert_int_equal(sc_output_write_atomic(link_path, "new!", 4, true, &err), SC_OK);
    assert_int_equal(type_of(link_path), S_IFLNK); /* the link is still a link */
    read_file(real, got, sizeof got);
    assert_string_equal(got, "new!");
    read_file(link_path, got, sizeof got);
    assert_string_equal(got, "new!");
    assert_no_temporary();
    unlink(link_path);
    unlink(real);
}

static void symlink_to_a_free_name_creates_that_file(void **state)
{
    (void)state;
    char real[300], link_path[300];
    path_in_dir(real, sizeof real, "later.png");
    path_in_dir(link_path, sizeof link_path, "dangling.png");
    assert_int_equal(symlink(real, link_path), 0); /* absolute this time */
    sc_error err;
    assert_int_equal(sc_output_write_atomic(link_path, "fresh", 5, false, &err), SC_OK);
    assert_int_equal(type_of(link_path), S_IFLNK);
    assert_int_equal(type_of(real), S_IFREG);
    assert_int_equal(file_size(real), 5);
    unlink(link_path);
    unlink(real);

    /* a loop is an error, not a hang */
    char a[300], b[300];
    path_in_dir(a, sizeof a, "loop-a");
    path_in_dir(b, sizeof b, "loop-b");
    assert_int_equal(symlink("loop-b", a), 0);
    assert_int_equal(symlink("loop-a", b), 0);
    assert_int_not_equal(sc_output_write_atomic(a, "x", 1, true, &err), SC_OK);
    assert_non_null(strstr(err.message, "symlinks"));
    unlink(a);
    unlink(b);
}

static void folder_is_refused_and_says_so(void **state)
{
    (void)state;
    char sub[300], link_path[300];
    path_in_dir(sub, sizeof sub, "folder");
    path_in_dir(link_path, sizeof link_path, "folder-link");
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(symlink("folder", link_path), 0);
    sc_error err;
    for (int force = 0; force <= 1; force++) {
        assert_int_equal(sc_output_write_atomic(sub, "x", 1, force, &err), SC_ERR_USAGE);
        assert_non_null(strstr(err.message, "is a folder"));
        assert_int_equal(sc_output_write_atomic(link_path, "x", 1, force, &err), SC_ERR_USAGE);
        assert_non_null(strstr(err.message, "is a folder"));
        assert_int_equal(sc_output_check(sub, force, &err), SC_ERR_USAGE);
    }
    assert_int_equal(type_of(sub), S_IFDIR);
    assert_no_temporary();
    unlink(link_path);
    rmdir(sub);
}

static void check_before_writing(void **state)
{
    (void)state;
    char path[300];
    sc_error err;
    path_in_dir(path, sizeof path, "not-yet.png");
    int before = count_entries();
    assert_int_equal(sc_output_check(path, false, &err), SC_OK);
    assert_int_equal(count_entries(), before); /* checking creates nothing */
    write_file(path, "taken");
    assert_int_equal(sc_output_check(path, false, &err), SC_ERR_EXISTS);
    assert_int_equal(sc_output_check(path, true, &err), SC_OK);
    unlink(path);
    path_in_dir(path, sizeof path, "no/such/folder/x.png");
    assert_int_equal(sc_output_check(path, false, &err), SC_ERR_IO);
    assert_non_null(strstr(err.message, "no/such/folder"));
    /* only the type of /dev/null is looked at: a character device is a stream, no --force needed */
    struct stat st;
    if (stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode))
        assert_int_equal(sc_output_check("/dev/null", false, &err), SC_OK);
    assert_int_equal(sc_output_check("-", false, &err), SC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_a_new_file),
        cmocka_unit_test(never_overwrites_without_force),
        cmocka_unit_test(missing_folder_leaves_nothing),
        cmocka_unit_test(fifo_is_written_into_not_replaced),
        cmocka_unit_test(unix_socket_is_written_into),
        cmocka_unit_test(own_descriptor_by_name),
        cmocka_unit_test(symlink_to_a_file_replaces_the_file_not_the_link),
        cmocka_unit_test(symlink_to_a_free_name_creates_that_file),
        cmocka_unit_test(folder_is_refused_and_says_so),
        cmocka_unit_test(check_before_writing),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
