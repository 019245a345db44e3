/* The model table. A new instrument is a new row (and, where its commands differ, a
 * command table in commands.c). */
#include "models.h"

#include <string.h>

static const sim_model models[] = {
    {
        .name = "rigol-ds1054z",
        .manufacturer = "RIGOL TECHNOLOGIES",
        .model = "DS1054Z",
        .serial = "DS1ZA000000001",
        .firmware = "00.04.04.SP4",
        .brand = "RIGOL",
        .width = 800,
        .height = 480,
        .channels = 4,
        .protocols = "raw,vxi11",
        .raw_ports = { 5555, 5025 },
        .default_render_ms = 0,
    },
};

size_t sim_model_count(void) { return sizeof models / sizeof models[0]; }

const sim_model *sim_model_at(size_t i) { return i < sim_model_count() ? &models[i] : NULL; }

const sim_model *sim_model_find(const char *name)
{
    for (size_t i = 0; i < sim_model_count(); i++)
        if (strcmp(models[i].name, name) == 0)
            return &models[i];
    return NULL;
}
