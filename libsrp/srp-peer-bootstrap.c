/* srp-peer-bootstrap.c: srp_peer_add_bootstrap. Bootstrap peers are kept by
 * name, and resolved each time the peer starts listening, so a peer that
 * closes and listens again (perhaps on another network) finds them anew.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-error.h"
#include "srp-socket-address.h"

typedef struct {
  SrpPeer *peer;             /* not a reference: resolving is cancelled when it stops */
  GCancellable *resolving;   /* the peer's, as it was when this started */
  char *host;
  guint16 port;
} Resolution;

static void
resolution_free (Resolution *resolution)
{
  g_object_unref (resolution->resolving);
  g_free (resolution->host);
  g_free (resolution);
}

void
srp_peer_bootstrap_clear (gpointer data)
{
  SrpPeerBootstrap *bootstrap = data;

  g_clear_pointer (&bootstrap->host, g_free);
}

static void
hand_to_core (SrpPeer *self, GInetAddress *inet, guint16 port)
{
  g_autoptr (GSocketAddress) socket_address = g_inet_socket_address_new (inet, port);
  SrpAddress address;

  srp_socket_address_to_srp (socket_address, &address);
  srp_core_add_bootstrap (self->core, g_get_monotonic_time (), &address);
  srp_peer_drive (self);
}

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Resolution *resolution = user_data;
  SrpPeer *self = resolution->peer;
  g_autoptr (GError) error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  /* Once cancelled, the peer stopped listening and may be gone. */
  if (g_cancellable_is_cancelled (resolution->resolving))
    {
      g_resolver_free_addresses (addresses);
      resolution_free (resolution);
      return;
    }
  if (addresses == NULL)
    {
      g_autoptr (GError) failure = g_error_new (SRP_ERROR, SRP_ERROR_RESOLVE_FAILED,
                                                "Cannot resolve bootstrap peer %s: %s",
                                                resolution->host, error->message);
      srp_peer_emit_bootstrap_failed (self, resolution->host, resolution->port, failure);
    }
  else
    hand_to_core (self, srp_peer_transport_pick_address (self, addresses), resolution->port);
  g_resolver_free_addresses (addresses);
  resolution_free (resolution);
}

static void
start_one (SrpPeer *self, const SrpPeerBootstrap *bootstrap)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (bootstrap->host);
  g_autoptr (GResolver) resolver = NULL;
  Resolution *resolution;

  if (inet != NULL)
    {
      if (self->family == G_SOCKET_FAMILY_IPV4 &&
          g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
        {
          g_autoptr (GError) error =
            g_error_new (SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                         "Cannot reach bootstrap peer %s from an IPv4 socket", bootstrap->host);
          srp_peer_emit_bootstrap_failed (self, bootstrap->host, bootstrap->port, error);
          return;
        }
      hand_to_core (self, inet, bootstrap->port);
      return;
    }
  resolution = g_new0 (Resolution, 1);
  resolution->peer = self;
  resolution->resolving = g_object_ref (self->resolving);
  resolution->host = g_strdup (bootstrap->host);
  resolution->port = bootstrap->port;
  resolver = g_resolver_get_default ();
  g_resolver_lookup_by_name_async (resolver, bootstrap->host, self->resolving, on_resolved,
                                   resolution);
}

void
srp_peer_bootstraps_start (SrpPeer *self)
{
  /* A signal handler may close the peer while an earlier one starts. */
  for (guint i = 0; i < self->bootstraps->len && self->core != NULL; i++)
    start_one (self, &g_array_index (self->bootstraps, SrpPeerBootstrap, i));
}

/**
 * srp_peer_add_bootstrap:
 * @self: a peer
 * @host: a host name or IP address of a peer to join the network through
 * @port: its UDP port
 * @error: return location for an error
 *
 * Adds a bootstrap peer: a peer to connect to first, which then introduces
 * this one to others (peer exchange). Add two or more at different
 * addresses: classifying the NAT ([property@Peer:nat-type]) takes two
 * connected peers at different IP addresses.
 *
 * Bootstrap peers are kept while the peer lives. Each time the peer starts
 * listening ([method@Peer.listen]) host names are resolved again with the
 * default [class@Gio.Resolver] and connections tried, with back-off, until
 * the peer is connected to the network. A name that does not resolve is
 * reported by [signal@Peer::bootstrap-failed].
 *
 * Fails with %SRP_ERROR_INVALID_ARGUMENT for an empty host or port 0.
 *
 * Returns: %TRUE when the bootstrap peer was added
 */
gboolean
srp_peer_add_bootstrap (SrpPeer *self, const char *host, guint16 port, GError **error)
{
  SrpPeerBootstrap bootstrap;

  g_return_val_if_fail (SRP_IS_PEER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (host == NULL || *host == '\0')
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                           "A bootstrap peer needs a host name or address");
      return FALSE;
    }
  if (port == 0)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                   "Bootstrap peer %s has port 0", host);
      return FALSE;
    }
  bootstrap.host = g_strdup (host);
  bootstrap.port = port;
  g_array_append_val (self->bootstraps, bootstrap);
  if (self->core != NULL)
    start_one (self, &bootstrap);
  return TRUE;
}
