/* srp-tool-nat-check.c: "srp-tool nat-check": join the network through the
 * bootstrap peers just long enough to classify this host's NAT.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>

#include "srp-tool.h"

typedef struct {
  gboolean done;
  guint n_bootstraps;
  guint n_failed;        /* bootstrap peers that could not even be tried */
  GString *failures;
} Check;

static void
on_nat_type (SrpPeer *peer, GParamSpec *pspec, Check *check)
{
  if (srp_peer_get_nat_type (peer) != SRP_NAT_TYPE_UNKNOWN)
    check->done = TRUE;
}

static void
on_bootstrap_failed (SrpPeer *peer, const char *host, guint port, const GError *error,
                     Check *check)
{
  g_string_append_printf (check->failures, "%s%s", check->failures->len ? "; " : "",
                          error->message);
  /* With no bootstrap peer left to try, waiting is pointless. */
  if (++check->n_failed == check->n_bootstraps)
    check->done = TRUE;
}

/* Why the NAT type is still unknown, in words. */
static char *
explain (SrpPeer *peer, Check *check, int timeout)
{
  guint connected = g_list_model_get_n_items (srp_peer_get_peers (peer));

  if (check->n_failed == check->n_bootstraps)
    return g_strdup (check->failures->str);
  if (connected == 0)
    return g_strdup_printf ("no bootstrap peer answered within %d s%s%s", timeout,
                            check->failures->len ? ": " : "", check->failures->str);
  return g_strdup_printf ("cannot tell within %d s: %s (connected to %u)", timeout,
                          srp_peer_get_nat_problem (peer) != NULL
                            ? srp_peer_get_nat_problem (peer)
                            : "the peers did not answer the NAT probes",
                          connected);
}

int
srp_tool_nat_check (int argc, char **argv)
{
  g_auto (GStrv) bootstraps = NULL;
  g_autofree char *listen = NULL;
  gboolean json = FALSE;
  int timeout = 20;
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "A peer of the network; repeat it: classification needs two connected peers at "
      "different IP addresses (peer exchange may find the second)", "HOST:PORT" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to listen on (default: every address, a free port)", "ADDR:PORT" },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout,
      "Give up after this many seconds (default 20)", "SECONDS" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print {\"event\":\"nat\",\"type\":...,\"address\":...} or "
      "{\"event\":\"error\",\"reason\":...}", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;
  Check check = { FALSE };

  g_option_context_set_summary (context,
                                "Tells what kind of NAT this host is behind (public, full-cone, "
                                "address-restricted, port-restricted or symmetric) with the "
                                "help of peers of the network. Exits 0 with the type, or 1 with "
                                "the reason it cannot tell.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (argc != 1 || bootstraps == NULL || timeout < 1)
    {
      g_printerr ("srp-tool nat-check: give at least one --bootstrap HOST:PORT "
                  "(and a --timeout of at least 1)\n");
      return 2;
    }
  if (listen != NULL && !srp_tool_parse_listen (listen, &host, &port, &error))
    {
      g_printerr ("srp-tool nat-check: --listen: %s\n", error->message);
      return 2;
    }

  peer = srp_peer_new ();
  if (!srp_tool_add_bootstraps (peer, bootstraps, &error))
    {
      g_printerr ("srp-tool nat-check: %s\n", error->message);
      return 2;
    }
  check.n_bootstraps = g_strv_length (bootstraps);
  check.failures = g_string_new (NULL);
  g_signal_connect (peer, "notify::nat-type", G_CALLBACK (on_nat_type), &check);
  g_signal_connect (peer, "bootstrap-failed", G_CALLBACK (on_bootstrap_failed), &check);
  if (!srp_peer_listen (peer, host, port, &error))
    {
      g_printerr ("srp-tool nat-check: %s\n", error->message);
      g_string_free (check.failures, TRUE);
      return 1;
    }

  srp_tool_run_for (&check.done, (guint64) timeout * 1000);

  if (srp_peer_get_nat_type (peer) != SRP_NAT_TYPE_UNKNOWN)
    {
      const char *type = srp_nat_type_to_string (srp_peer_get_nat_type (peer));

      if (json)
        {
          JsonBuilder *out = srp_tool_json_begin ("nat");
          srp_tool_json_string (out, "type", type);
          srp_tool_json_string (out, "address", srp_peer_get_public_address (peer));
          srp_tool_json_print (out);
        }
      else
        printf ("%s (public address %s)\n", type, srp_peer_get_public_address (peer));
      g_string_free (check.failures, TRUE);
      return 0;
    }

  {
    g_autofree char *reason = explain (peer, &check, timeout);

    if (json)
      {
        JsonBuilder *out = srp_tool_json_begin ("error");
        srp_tool_json_string (out, "reason", reason);
        srp_tool_json_print (out);
      }
    else
      g_printerr ("srp-tool nat-check: %s\n", reason);
  }
  g_string_free (check.failures, TRUE);
  return 1;
}
