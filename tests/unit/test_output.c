/* Atomic output: whole file or nothing, never over an existing file without force. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "scopecap/output.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_a_new_file),
        cmocka_unit_test(never_overwrites_without_force),
        cmocka_unit_test(missing_folder_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
