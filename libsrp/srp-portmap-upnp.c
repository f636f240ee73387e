/* srp-portmap-upnp.c: a UPnP-IGD port mapping through GUPnP-IGD's
 * GUPnPSimpleIgd, which finds Internet Gateway Devices over SSDP, asks
 * each for the mapping (AddPortMapping), renews it before the lease ends
 * and deletes it when disposed. It runs on the thread-default context at
 * its construction: that of the peer, pushed around it here.
 *
 * GUPnP-IGD says nothing while no router answers SSDP: after
 * SILENCE_SECONDS the client reports that (and keeps listening, so a
 * router that shows up later still maps the port).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-portmap.h"

#include "srp-default-gateway.h"
#include "srp-error.h"

#ifdef HAVE_GUPNP_IGD
#include <libgupnp-igd/gupnp-simple-igd.h>

#define SILENCE_SECONDS 5
#define DESCRIPTION "libsrp"

struct _SrpPortmapUpnp {
  GMainContext *context;
  GUPnPSimpleIgd *igd;
  char *local_ip;
  guint16 port;
  gboolean mapped;
  GInetSocketAddress *external;
  guint32 lifetime;
  char *problem;
  GSource *silence;
  SrpPortmapFunc func;
  gpointer user_data;
};

static void
report (SrpPortmapUpnp *upnp)
{
  SrpPortmapStatus status = {
    .mapped = upnp->mapped,
    .protocol = "upnp-igd",
    .external = upnp->mapped ? upnp->external : NULL,
    .lifetime_s = upnp->lifetime,
    .problem = upnp->problem,
  };

  upnp->func (&status, upnp->user_data);
}

static void
stop_silence (SrpPortmapUpnp *upnp)
{
  if (upnp->silence != NULL)
    g_source_destroy (upnp->silence);
  g_clear_pointer (&upnp->silence, g_source_unref);
}

static void
on_mapped (GUPnPSimpleIgd *igd, const char *proto, const char *external_ip,
           const char *replaces_external_ip, guint external_port, const char *local_ip,
           guint local_port, const char *description, gpointer user_data)
{
  SrpPortmapUpnp *upnp = user_data;
  g_autoptr (GInetAddress) ip = g_inet_address_new_from_string (external_ip);

  (void) igd, (void) proto, (void) replaces_external_ip, (void) local_ip, (void) description;
  if (local_port != upnp->port)
    return;
  stop_silence (upnp);
  if (ip == NULL || g_inet_address_get_family (ip) != G_SOCKET_FAMILY_IPV4 ||
      external_port == 0 || external_port > G_MAXUINT16)
    {
      g_free (upnp->problem);
      upnp->problem = g_strdup_printf ("the UPnP gateway gave an unusable address “%s” port %u",
                                       external_ip, external_port);
      g_debug ("Port mapping (UPnP-IGD): %s", upnp->problem);
      upnp->mapped = FALSE;
      report (upnp);
      return;
    }
  g_clear_object (&upnp->external);
  upnp->external = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (ip, (guint16) external_port));
  upnp->mapped = TRUE;
  g_clear_pointer (&upnp->problem, g_free);
  g_debug ("Port mapping (UPnP-IGD): UDP port %u is %s:%u", upnp->port, external_ip,
           external_port);
  report (upnp);
}

static void
on_error (GUPnPSimpleIgd *igd, GError *error, const char *proto, guint external_port,
          const char *local_ip, guint local_port, const char *description, gpointer user_data)
{
  SrpPortmapUpnp *upnp = user_data;

  (void) igd, (void) proto, (void) external_port, (void) local_ip, (void) description;
  if (local_port != upnp->port)
    return;
  stop_silence (upnp);
  g_free (upnp->problem);
  upnp->problem = g_strdup_printf ("the UPnP gateway refused the mapping: %s",
                                   error != NULL ? error->message : "no reason given");
  g_debug ("Port mapping (UPnP-IGD): %s", upnp->problem);
  upnp->mapped = FALSE;
  report (upnp);
}

static gboolean
on_silence (gpointer user_data)
{
  SrpPortmapUpnp *upnp = user_data;

  g_clear_pointer (&upnp->silence, g_source_unref);
  upnp->problem = g_strdup_printf ("no UPnP Internet Gateway Device answered within %d s",
                                   SILENCE_SECONDS);
  g_debug ("Port mapping (UPnP-IGD): %s", upnp->problem);
  report (upnp);
  return G_SOURCE_REMOVE;
}

gboolean
srp_portmap_upnp_available (void)
{
  return TRUE;
}

/* GUPnP-IGD objects still deleting mappings (their DeletePortMapping
 * requests hold them alive). Main-thread bookkeeping only: a peer and its
 * context live in one thread, and a program exiting waits on this. */
static guint deletions;

static void
on_igd_gone (gpointer data, GObject *igd)
{
  (void) data, (void) igd;
  deletions--;
}

guint
srp_portmap_upnp_deletions_pending (void)
{
  return deletions;
}

SrpPortmapUpnp *
srp_portmap_upnp_new (GMainContext *context, guint16 port, SrpPortmapFunc func,
                      gpointer user_data, GError **error)
{
  g_autoptr (GInetAddress) gateway = srp_default_gateway_ipv4 (NULL, error);
  g_autoptr (GInetAddress) local = NULL;
  SrpPortmapUpnp *upnp;

  /* The router forwards to our address on its LAN, which GUPnP-IGD needs
   * to be told. */
  if (gateway == NULL || (local = srp_portmap_local_address (gateway, error)) == NULL)
    return NULL;
  upnp = g_new0 (SrpPortmapUpnp, 1);
  upnp->context = g_main_context_ref (context);
  upnp->port = port;
  upnp->local_ip = g_inet_address_to_string (local);
  upnp->func = func;
  upnp->user_data = user_data;
  g_main_context_push_thread_default (context);
  upnp->igd = gupnp_simple_igd_new ();
  g_main_context_pop_thread_default (context);
  g_signal_connect (upnp->igd, "mapped-external-port", G_CALLBACK (on_mapped), upnp);
  g_signal_connect (upnp->igd, "error-mapping-port", G_CALLBACK (on_error), upnp);
  upnp->lifetime = SRP_PORTMAP_LIFETIME_S;
  gupnp_simple_igd_add_port (upnp->igd, "UDP", port, upnp->local_ip, port,
                             SRP_PORTMAP_LIFETIME_S, DESCRIPTION);
  upnp->silence = g_timeout_source_new_seconds (SILENCE_SECONDS);
  g_source_set_callback (upnp->silence, on_silence, upnp, NULL);
  g_source_set_name (upnp->silence, "SrpPortmapUpnp silence");
  g_source_attach (upnp->silence, context);
  return upnp;
}

void
srp_portmap_upnp_free (SrpPortmapUpnp *upnp)
{
  if (upnp == NULL)
    return;
  stop_silence (upnp);
  g_signal_handlers_disconnect_by_data (upnp->igd, upnp);
  /* Disposing sends DeletePortMapping for what was mapped; the object
   * lives on (GUPnP-IGD holds it) until the router answered. */
  gupnp_simple_igd_remove_port_local (upnp->igd, "UDP", upnp->local_ip, upnp->port);
  deletions++;
  g_object_weak_ref (G_OBJECT (upnp->igd), on_igd_gone, NULL);
  g_object_unref (upnp->igd);
  g_clear_object (&upnp->external);
  g_free (upnp->local_ip);
  g_free (upnp->problem);
  g_main_context_unref (upnp->context);
  g_free (upnp);
}

#else /* !HAVE_GUPNP_IGD */

gboolean
srp_portmap_upnp_available (void)
{
  return FALSE;
}

SrpPortmapUpnp *
srp_portmap_upnp_new (GMainContext *context, guint16 port, SrpPortmapFunc func,
                      gpointer user_data, GError **error)
{
  (void) context, (void) port, (void) func, (void) user_data;
  g_set_error_literal (error, SRP_ERROR, SRP_ERROR_FAILED,
                       "UPnP-IGD port mapping: libsrp was built without GUPnP-IGD");
  return NULL;
}

void
srp_portmap_upnp_free (SrpPortmapUpnp *upnp)
{
  g_assert (upnp == NULL);
}

guint
srp_portmap_upnp_deletions_pending (void)
{
  return 0;
}

#endif
