/* sim-svg.c: a step plot in SVG.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-svg.h"

#include <math.h>

#define WIDTH 720
#define HEIGHT 420
#define LEFT 70
#define RIGHT 20
#define TOP 60
#define BOTTOM 55
#define PLOT_W (WIDTH - LEFT - RIGHT)
#define PLOT_H (HEIGHT - TOP - BOTTOM)
#define GOAL_S 2.5 /* the seed's claim is about 2.5 s */

static void
text (GString *svg, double x, double y, const char *anchor, const char *style, const char *s)
{
  g_autofree char *escaped = g_markup_escape_text (s, -1);

  g_string_append_printf (svg, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>%s</text>\n", x,
                          y, anchor, style, escaped);
}

gboolean
sim_svg_write_curve (const char *path, const double *t, const double *share, guint n,
                     const char *title, const char *subtitle, GError **error)
{
  g_autoptr (GString) svg = g_string_new (NULL);
  double lo, hi;
  char label[32];

  g_return_val_if_fail (n >= 2, FALSE);
  lo = log10 (t[0]);
  hi = log10 (t[n - 1]);
#define X(s) (LEFT + PLOT_W * (log10 (s) - lo) / (hi - lo))
#define Y(v) (TOP + PLOT_H * (1.0 - (v)))
  g_string_append_printf (svg,
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                          "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
                          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                          WIDTH, HEIGHT, WIDTH, HEIGHT);
  text (svg, WIDTH / 2.0, 22, "middle", "font-size=\"15\" font-weight=\"bold\"", title);
  text (svg, WIDTH / 2.0, 42, "middle", "fill=\"#555\"", subtitle);
  /* Grid: every 10 % up, every decade (and 2.5 s) across. */
  for (int p = 0; p <= 10; p++)
    {
      g_string_append_printf (
          svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", LEFT,
          Y (p / 10.0), LEFT + PLOT_W, Y (p / 10.0));
      g_snprintf (label, sizeof label, "%d %%", p * 10);
      text (svg, LEFT - 6, Y (p / 10.0) + 4, "end", "", label);
    }
  for (int d = (int) floor (lo); d <= (int) ceil (hi); d++)
    {
      double s = pow (10, d);

      if (log10 (s) < lo - 1e-9 || log10 (s) > hi + 1e-9)
        continue;
      g_string_append_printf (
          svg, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", X (s), TOP,
          X (s), TOP + PLOT_H);
      g_snprintf (label, sizeof label, "%g s", s);
      text (svg, X (s), TOP + PLOT_H + 16, "middle", "", label);
    }
  /* The end of the window, unless a decade just labelled it. */
  if (fabs (hi - round (hi)) > 0.05)
    {
      g_snprintf (label, sizeof label, "%.3g s", t[n - 1]);
      text (svg, X (t[n - 1]), TOP + PLOT_H + 16, "middle", "", label);
    }
  if (log10 (GOAL_S) > lo && log10 (GOAL_S) < hi)
    {
      g_string_append_printf (svg,
                              "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c33\" "
                              "stroke-dasharray=\"4 3\"/>\n",
                              X (GOAL_S), TOP, X (GOAL_S), TOP + PLOT_H);
      text (svg, X (GOAL_S) + 4, TOP + 12, "start", "fill=\"#c33\"", "2.5 s");
    }
  g_string_append_printf (svg,
                          "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                          "stroke=\"#333\"/>\n",
                          LEFT, TOP, PLOT_W, PLOT_H);
  text (svg, LEFT + PLOT_W / 2.0, HEIGHT - 12, "middle", "", "time after publishing (logarithmic)");
  g_string_append_printf (svg,
                          "<text transform=\"translate(16 %.1f) rotate(-90)\" "
                          "text-anchor=\"middle\">share of subscribers reached</text>\n",
                          TOP + PLOT_H / 2.0);
  /* Steps: the share holds until the next point. */
  g_string_append (svg, "<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\" points=\"");
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_printf (svg, "%.1f,%.1f ", X (t[i]), Y (share[i - 1]));
      g_string_append_printf (svg, "%.1f,%.1f ", X (t[i]), Y (share[i]));
    }
  g_string_append (svg, "\"/>\n</svg>\n");
#undef X
#undef Y
  return g_file_set_contents (path, svg->str, (gssize) svg->len, error);
}
