/* sim-options.c: option parsing for srp-simulate.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-options.h"

#include <stdlib.h>
#include <string.h>

typedef enum {
  FIELD_GINT64,
  FIELD_GUINT,
  FIELD_GSIZE,
  FIELD_GUINT8,
  FIELD_GUINT64,
} FieldType;

/* clang-format off */
#define FIELD(name, type) { #name, G_STRUCT_OFFSET (SrpCoreConfig, name), type }
/* clang-format on */
static const struct {
  const char *name;
  glong offset;
  FieldType type;
} core_fields[] = {
  FIELD (heartbeat_us, FIELD_GINT64),
  FIELD (heartbeat_misses, FIELD_GUINT),
  FIELD (peer_capacity, FIELD_GUINT),
  FIELD (prefix_limit, FIELD_GUINT),
  FIELD (prefix_link_limit, FIELD_GUINT),
  FIELD (target_connections, FIELD_GUINT),
  FIELD (exchange_us, FIELD_GINT64),
  FIELD (nat_recheck_us, FIELD_GINT64),
  FIELD (ping_retry_us, FIELD_GINT64),
  FIELD (ping_attempts, FIELD_GUINT),
  FIELD (reassembly_max_bytes, FIELD_GSIZE),
  FIELD (reassembly_timeout_us, FIELD_GINT64),
  FIELD (cache_budget, FIELD_GSIZE),
  FIELD (cache_ttl_us, FIELD_GINT64),
  FIELD (fanout, FIELD_GUINT),
  FIELD (sync_us, FIELD_GINT64),
  FIELD (publish_timeout_us, FIELD_GINT64),
  FIELD (remembered_ids, FIELD_GUINT),
  FIELD (connect_timeout_us, FIELD_GINT64),
  FIELD (punch_ttl, FIELD_GUINT8),
  FIELD (punch_sockets, FIELD_GUINT),
  FIELD (punch_probes, FIELD_GUINT),
  FIELD (relay_circuits, FIELD_GUINT),
  FIELD (relay_bytes, FIELD_GUINT64),
};
#undef FIELD

gboolean
sim_options_set_core (SrpCoreConfig *core, const char *assignment, GError **error)
{
  const char *eq = strchr (assignment, '=');
  g_autofree char *name = eq != NULL ? g_strndup (assignment, eq - assignment) : NULL;
  guint64 value;

  if (name == NULL || !g_ascii_string_to_unsigned (eq + 1, 10, 0, G_MAXINT64, &value, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--core takes KEY=VALUE with a whole number, not \"%s\"", assignment);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (core_fields); i++)
    {
      guint8 *field = (guint8 *) core + core_fields[i].offset;

      if (strcmp (core_fields[i].name, name) != 0)
        continue;
      switch (core_fields[i].type)
        {
        case FIELD_GINT64:
          *(gint64 *) field = (gint64) value;
          break;
        case FIELD_GUINT:
          *(guint *) field = (guint) MIN (value, G_MAXUINT);
          break;
        case FIELD_GSIZE:
          *(gsize *) field = (gsize) value;
          break;
        case FIELD_GUINT8:
          *(guint8 *) field = (guint8) MIN (value, G_MAXUINT8);
          break;
        case FIELD_GUINT64:
          *(guint64 *) field = value;
          break;
        default:
          g_assert_not_reached ();
        }
      return TRUE;
    }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--core: no numeric SrpCoreConfig field \"%s\"", name);
  return FALSE;
}

static gboolean
parse_sizes (SimScenarioConfig *config, const char *text, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  guint n = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 size;

      if (n == SIM_MAX_SIZES ||
          !g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 0, 1024 * 1024, &size, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--size takes up to %d sizes in bytes (at most 1048576), comma-separated",
                       SIM_MAX_SIZES);
          return FALSE;
        }
      config->sizes[n++] = size;
    }
  config->n_sizes = n;
  return n > 0;
}

static gboolean
parse_mix (SimScenarioConfig *config, const char *text, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  double mix[SIM_N_ACCESS] = { 0 };

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *eq = strchr (parts[i], '=');
      char *end = NULL;
      guint a;
      double weight;

      if (eq != NULL)
        {
          *eq = '\0';
          weight = g_ascii_strtod (eq + 1, &end);
        }
      for (a = 0; eq != NULL && a < SIM_N_ACCESS; a++)
        if (a != SIM_ACCESS_SYMMETRIC && strcmp (g_strstrip (parts[i]), sim_access_name (a)) == 0)
          break;
      if (eq == NULL || a == SIM_N_ACCESS || end == eq + 1 || *end != '\0' || weight < 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--mix takes KIND=WEIGHT,... with kinds public, full-cone, "
                       "address-restricted, port-restricted, carrier-grade");
          return FALSE;
        }
      mix[a] = weight;
    }
  memcpy (config->mix, mix, sizeof mix);
  return TRUE;
}

static gboolean
check_share (const char *option, double value, double max, GError **error)
{
  if (value >= 0 && value <= max)
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s takes a number from 0 to %g",
               option, max);
  return FALSE;
}

gboolean
sim_options_parse (int *argc, char ***argv, const char *description, SimScenarioConfig *c,
                   SimOutput *output, GError **error)
{
  gint peers = (gint) c->peers, publish = (gint) c->publish, finds = (gint) c->finds;
  gint bootstraps = (gint) c->bootstraps, cgn = (gint) c->cgn_customers;
  gint64 seed = (gint64) c->seed;
  gboolean quiet = FALSE;
  g_autofree char *sizes = NULL, *mix = NULL;
  g_auto (GStrv) core = NULL;
  const GOptionEntry entries[] = {
    { "peers", 0, 0, G_OPTION_ARG_INT, &peers,
      "Peers online at a time, bootstrap nodes included (128)", "N" },
    { "minutes", 0, 0, G_OPTION_ARG_DOUBLE, &c->minutes, "Virtual minutes, warm-up included (10)",
      "M" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of every random choice (1)", "S" },
    { "loss", 0, 0, G_OPTION_ARG_DOUBLE, &c->loss, "Percent of datagrams lost on the internet (0)",
      "P" },
    { "hard-nat", 0, 0, G_OPTION_ARG_DOUBLE, &c->hard_nat,
      "Percent of peers behind symmetric NATs (30)", "P" },
    { "mix", 0, 0, G_OPTION_ARG_STRING, &mix,
      "Weights of the other kinds "
      "(public=15,full-cone=5,address-restricted=10,port-restricted=50,carrier-grade=20)",
      "KIND=W,..." },
    { "subscribers", 0, 0, G_OPTION_ARG_DOUBLE, &c->subscribers,
      "Percent of peers subscribed to the topic (50)", "P" },
    { "churn", 0, 0, G_OPTION_ARG_DOUBLE, &c->churn,
      "Percent of the population replaced after the warm-up: 1000 is ten times over (0)", "P" },
    { "goodbye", 0, 0, G_OPTION_ARG_DOUBLE, &c->goodbye,
      "Percent of leaving peers that say goodbye; the others vanish (50)", "P" },
    { "publish", 0, 0, G_OPTION_ARG_INT, &publish, "Messages published by random peers (10)", "N" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &sizes, "Message sizes in bytes, used in turn (1000)",
      "B,..." },
    { "publish-every", 0, 0, G_OPTION_ARG_DOUBLE, &c->publish_every_s,
      "Publish every S seconds from the warm-up's end, instead of spreading the messages over the "
      "run",
      "S" },
    { "window", 0, 0, G_OPTION_ARG_DOUBLE, &c->window_s,
      "Seconds after publishing that delivery is measured (60)", "S" },
    { "survival", 0, 0, G_OPTION_ARG_DOUBLE, &c->survival_hours,
      "A survival run of H hours (sets the length; --minutes is ignored)", "H" },
    { "probe-wait", 0, 0, G_OPTION_ARG_DOUBLE, &c->probe_wait_s,
      "Seconds a survival probe waits for the message (120)", "S" },
    { "finds", 0, 0, G_OPTION_ARG_INT, &finds,
      "Connections to random peer IDs during the run (100)", "N" },
    { "bootstraps", 0, 0, G_OPTION_ARG_INT, &bootstraps,
      "Bootstrap nodes (public, never leave) (4)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &c->warmup_s,
      "Seconds of warm-up: peers join in its first half (max (60, peers / 500))", "S" },
    { "fixed-latency", 0, 0, G_OPTION_ARG_DOUBLE, &c->fixed_latency_ms,
      "Every path this many ms one way, no jitter (off: realistic latency)", "MS" },
    { "cgn-customers", 0, 0, G_OPTION_ARG_INT, &cgn,
      "Homes behind one carrier-grade NAT address (8)", "N" },
    { "open-sealed", 0, 0, G_OPTION_ARG_NONE, &c->open_sealed,
      "Count what sealed frames carry (sealed_by_kind in the JSON; a second decryption of each)",
      NULL },
    { "find-log", 0, 0, G_OPTION_ARG_FILENAME, &c->find_log,
      "Write each find's phases to FILE (tab-separated: lookup, introduction, punch, relay)",
      "FILE" },
    { "core", 0, 0, G_OPTION_ARG_STRING_ARRAY, &core,
      "Set a numeric SrpCoreConfig field for every core (repeatable)", "KEY=VALUE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &output->json, "Print the result as JSON", NULL },
    { "plot", 0, 0, G_OPTION_ARG_FILENAME, &output->plot, "Write the delivery curve to an SVG file",
      "FILE.svg" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress lines on stderr", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- SRP cores on a simulated internet");

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, description);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (peers < 2 || publish < 0 || finds < 0 || bootstraps < 1 || cgn < 1 || seed < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--peers takes at least 2, --bootstraps and --cgn-customers at least 1; "
                   "counts and the seed cannot be negative");
      return FALSE;
    }
  if (!check_share ("--loss", c->loss, 100, error) ||
      !check_share ("--hard-nat", c->hard_nat, 100, error) ||
      !check_share ("--subscribers", c->subscribers, 100, error) ||
      !check_share ("--goodbye", c->goodbye, 100, error) ||
      !check_share ("--churn", c->churn, 1e6, error) ||
      !check_share ("--minutes", c->minutes, 1e6, error) ||
      !check_share ("--survival", c->survival_hours, 1e4, error) ||
      (sizes != NULL && !parse_sizes (c, sizes, error)) ||
      (mix != NULL && !parse_mix (c, mix, error)))
    return FALSE;
  for (guint i = 0; core != NULL && core[i] != NULL; i++)
    if (!sim_options_set_core (&c->core, core[i], error))
      return FALSE;
  c->peers = (guint) peers;
  c->publish = (guint) publish;
  c->finds = (guint) finds;
  c->bootstraps = (guint) bootstraps;
  c->cgn_customers = (guint) cgn;
  c->seed = (guint64) seed;
  c->progress = !quiet;
  return TRUE;
}

void
sim_output_clear (SimOutput *output)
{
  g_clear_pointer (&output->plot, g_free);
}
