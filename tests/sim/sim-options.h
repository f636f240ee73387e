/* sim-options.h: srp-simulate's command line into a SimScenarioConfig.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sim-scenario.h"

G_BEGIN_DECLS

typedef struct {
  gboolean json;
  char *plot; /* SVG path, or NULL */
} SimOutput;

/* Parses argv (GOptionContext; --help prints help, which description
 * completes, and exits). FALSE with error on a bad option. */
gboolean sim_options_parse (int *argc, char ***argv, const char *description,
                            SimScenarioConfig *config, SimOutput *output, GError **error);
void sim_output_clear (SimOutput *output);

/* "KEY=VALUE" for a numeric field of SrpCoreConfig (e.g. sync_us=1000000). */
gboolean sim_options_set_core (SrpCoreConfig *core, const char *assignment, GError **error);

G_END_DECLS
