/* srp-peer-ping.c: srp_peer_ping_async and its GTasks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-error.h"
#include "srp-socket-address.h"

typedef struct {
  guint16 port;
  SrpAddress to;
} PingData;

static void
ping_finish (GTask *task, const SrpCoreEvent *result)
{
  PingData *ping = g_task_get_task_data (task);
  char text[SRP_ADDRESS_STRING_MAX];

  if (result->ping.ok)
    g_task_return_int (task, (gssize) MAX (result->ping.rtt_us, 0));
  else
    g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_TIMED_OUT, "No answer from %s",
                             srp_address_to_string (&ping->to, text));
}

static void
ping_start (GTask *task, GInetAddress *inet)
{
  SrpPeer *self = g_task_get_source_object (task);
  PingData *ping = g_task_get_task_data (task);
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketAddress) reachable = NULL;
  g_autofree char *text = NULL;

  /* The peer may have closed while a name resolved. */
  if (!srp_peer_is_listening (self))
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_NOT_LISTENING,
                               "The peer does not listen");
      return;
    }

  address = g_inet_socket_address_new (inet, ping->port);
  srp_socket_address_to_srp (address, &ping->to);
  reachable = srp_socket_address_from_srp (&ping->to, self->family);
  if (reachable == NULL)
    {
      text = g_inet_address_to_string (inet);
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                               "Cannot reach %s from an IPv4 socket", text);
      return;
    }

  srp_operations_start (self->operations,
                        srp_core_ping (self->core, g_get_monotonic_time (), &ping->to), task,
                        ping_finish);
  srp_peer_drive (self);
}

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  SrpPeer *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (addresses == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_RESOLVE_FAILED, "%s", error->message);
      return;
    }
  ping_start (task, srp_peer_transport_pick_address (self, addresses));
  g_resolver_free_addresses (addresses);
}

/**
 * srp_peer_ping_async:
 * @self: a peer
 * @host: the other peer's host name or IP address
 * @port: the other peer's UDP port
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async) (nullable): called when the ping is answered or fails
 * @user_data: (closure): data for @callback
 *
 * Pings another peer and measures the round trip. The peer must listen
 * (see [method@Peer.listen]). Host names are resolved with the default
 * [class@Gio.Resolver]; IP addresses are used as they are.
 *
 * An unanswered ping is sent again a few times before it fails. Call
 * [method@Peer.ping_finish] from @callback for the result.
 */
void
srp_peer_ping_async (SrpPeer *self, const char *host, guint16 port, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GResolver) resolver = NULL;
  PingData *ping;

  g_return_if_fail (SRP_IS_PEER (self));
  g_return_if_fail (host != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, srp_peer_ping_async);
  ping = g_new0 (PingData, 1);
  ping->port = port;
  g_task_set_task_data (task, ping, g_free);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (!srp_peer_is_listening (self))
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_NOT_LISTENING,
                               "The peer must listen before it can ping");
      return;
    }
  if (port == 0)
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                               "Cannot ping port 0");
      return;
    }

  inet = g_inet_address_new_from_string (host);
  if (inet != NULL)
    {
      ping_start (task, inet);
      return;
    }
  resolver = g_resolver_get_default ();
  g_resolver_lookup_by_name_async (resolver, host, cancellable, on_resolved,
                                   g_steal_pointer (&task));
}

/**
 * srp_peer_ping_finish:
 * @self: a peer
 * @result: the result passed to the callback of [method@Peer.ping_async]
 * @error: return location for an error
 *
 * Finishes a ping.
 *
 * Fails with %SRP_ERROR_NOT_LISTENING when the peer did not listen,
 * %SRP_ERROR_RESOLVE_FAILED when the host name did not resolve,
 * %SRP_ERROR_TIMED_OUT when the other peer did not answer,
 * %SRP_ERROR_INVALID_ARGUMENT for port 0 or an address the socket cannot
 * reach, %G_IO_ERROR_CANCELLED when cancelled, and %G_IO_ERROR_CLOSED when
 * the peer was closed first.
 *
 * Returns: the round-trip time in microseconds, or -1 on error
 */
gint64
srp_peer_ping_finish (SrpPeer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (SRP_IS_PEER (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == srp_peer_ping_async, -1);

  return g_task_propagate_int (G_TASK (result), error);
}
