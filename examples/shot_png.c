/* The smallest useful program on libscopecap: one screenshot as a PNG.
 *
 *   cc shot_png.c $(pkg-config --cflags --libs scopecap) -o shot_png
 *   ./shot_png 192.168.0.10 screen.png
 */
#include <scopecap/capture.h>
#include <scopecap/output.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s RESOURCE OUT.png\n", argv[0]);
        return 2;
    }
    sc_resource res;
    sc_error err;
    if (sc_resource_parse(argv[1], &res, &err) != SC_OK) {
        fprintf(stderr, "%s\n", err.message);
        return sc_status_exit_code(err.code);
    }
    sc_shot_options opts = { .background = SC_BACKGROUND_NATIVE, .timeout_ms = 10000 };
    sc_shot shot;
    sc_buf png;
    sc_shot_init(&shot);
    sc_buf_init(&png, 0);
    sc_status st = sc_shot_capture(&res, &opts, &shot, &err);
    if (st == SC_OK)
        st = sc_shot_convert(&shot, SC_IMAGE_PNG, SC_BACKGROUND_NATIVE, &png, &err);
    if (st == SC_OK)
        st = sc_output_write_atomic(argv[2], png.data, png.len, false, &err);
    if (st == SC_OK)
        printf("%s %s: %zu bytes\n", shot.idn.manufacturer, shot.idn.model, png.len);
    else
        fprintf(stderr, "%s\n", err.message);
    sc_buf_free(&png);
    sc_shot_free(&shot);
    return sc_status_exit_code(st);
}
