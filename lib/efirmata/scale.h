/* eFirmata scaling: codes to real values through each channel's two-point line, and the
 * time axis from the TOM's domain step (the INV bit turns "samples per unit" around). */
#ifndef SC_EFIRMATA_SCALE_H
#define SC_EFIRMATA_SCALE_H

#include "scopecap/efirmata.h"

/* The channel's two points as doubles; refuses a line that is not one (data_a == data_b,
 * values that are not finite). `index` is for messages. */
sc_status sc_efirmata_scale_from_channel(const sc_efirmata_channel *ch, int index, sc_efirmata_scale *out,
                                         sc_error *err);
/* real = real_a + (code - data_a) * (real_b - real_a) / (data_b - data_a) */
double sc_efirmata_scale_apply(const sc_efirmata_scale *s, double code);
/* The code for a real value, rounded to the channel's datatype and required to fit it. */
sc_status sc_efirmata_scale_invert(const sc_efirmata_scale *s, char data_type, double real, sc_efirmata_num *code,
                                   sc_error *err);
/* Domain units per sample (seconds per sample for 's'): step, or 1/step with INV. */
sc_status sc_efirmata_domain_step(const sc_efirmata_meta *m, double *units_per_sample, sc_error *err);

#endif
