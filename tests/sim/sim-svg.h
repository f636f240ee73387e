/* sim-svg.h: the delivery curve as an SVG file, written by hand (no plotting
 * dependency): the share of subscribers reached against the time since
 * publishing, on a logarithmic time axis.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* t (seconds, increasing, > 0) and share (0..1), n points; title and
 * subtitle are shown above the plot. */
gboolean sim_svg_write_curve (const char *path, const double *t, const double *share, guint n,
                              const char *title, const char *subtitle, GError **error);

G_END_DECLS
