/* Two-point linear scaling and the domain step. The formula is applied in exactly the
 * order the protocol states it, so a reader who recomputes it gets the same doubles. */
#include "efirmata/scale.h"

#include "efirmata/wire.h"

#include <math.h>

sc_status sc_efirmata_scale_from_channel(const sc_efirmata_channel *ch, int index, sc_efirmata_scale *out,
                                         sc_error *err)
{
    if (ch->scale_type != 1)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata: channel %d scale type %u is not two-point linear (1)",
                            index, ch->scale_type);
    sc_efirmata_scale s = {
        .data_a = sc_efirmata_num_to_double((sc_efirmata_num){ ch->data_type, ch->data_a.bits }),
        .real_a = sc_efirmata_num_to_double((sc_efirmata_num){ ch->real_type, ch->real_a.bits }),
        .data_b = sc_efirmata_num_to_double((sc_efirmata_num){ ch->data_type, ch->data_b.bits }),
        .real_b = sc_efirmata_num_to_double((sc_efirmata_num){ ch->real_type, ch->real_b.bits }),
    };
    if (!isfinite(s.data_a) || !isfinite(s.data_b) || !isfinite(s.real_a) || !isfinite(s.real_b))
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "eFirmata: channel %d scale points (%g, %g) and (%g, %g) are not all finite numbers", index,
                            s.data_a, s.real_a, s.data_b, s.real_b);
    if (s.data_a == s.data_b)
        return sc_error_set(err, SC_ERR_PROTOCOL,
                            "eFirmata: channel %d scale has both points at code %g, so it defines no line", index,
                            s.data_a);
    *out = s;
    return SC_OK;
}

double sc_efirmata_scale_apply(const sc_efirmata_scale *s, double code)
{
    return s->real_a + (code - s->data_a) * (s->real_b - s->real_a) / (s->data_b - s->data_a);
}

sc_status sc_efirmata_scale_invert(const sc_efirmata_scale *s, char data_type, double real, sc_efirmata_num *code,
                                   sc_error *err)
{
    if (s->real_a == s->real_b)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata: the channel's scale is flat (%g at both points): no code "
                                               "corresponds to a level",
                            s->real_a);
    double c = s->data_a + (real - s->real_a) * (s->data_b - s->data_a) / (s->real_b - s->real_a);
    if (sc_efirmata_num_from_double(data_type, c, code, err) != SC_OK)
        return sc_error_set(err, SC_ERR_USAGE, "eFirmata: level %g is code %g, outside the channel's %s codes", real,
                            c, sc_efirmata_type_describe(data_type));
    return SC_OK;
}

sc_status sc_efirmata_domain_step(const sc_efirmata_meta *m, double *units_per_sample, sc_error *err)
{
    double step = sc_efirmata_num_to_double(m->step);
    if (!isfinite(step) || step <= 0)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOM: domain step %g is not a positive number", step);
    *units_per_sample = m->inverse ? 1.0 / step : step;
    if (!isfinite(*units_per_sample) || *units_per_sample <= 0)
        return sc_error_set(err, SC_ERR_PROTOCOL, "eFirmata TOM: domain step %g%s gives no usable time axis", step,
                            m->inverse ? " (INV)" : "");
    return SC_OK;
}
