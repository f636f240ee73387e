/* sim-report.h: a run's result as JSON (the keys srp-simulate --help lists;
 * other tools read them) or as a summary for people.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sim-scenario.h"

G_BEGIN_DECLS

void sim_report_json (const SimResult *result, GString *out);
void sim_report_text (const SimResult *result, GString *out);
/* One line describing the scenario, for plots. */
char *sim_report_describe (const SimResult *result);

G_END_DECLS
