/* srp-peer-connect.c: srp_peer_connect_async and its GTasks. The core does
 * the work (introductions, hole punching, relays); the shell hands it the
 * ID, opens the punch sockets it asks for (srp-peer-transport.c) and turns
 * its CONNECT_RESULT into the connected peer's SrpPeerInfo.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-error.h"

typedef struct {
  SrpId id;
} ConnectData;

static void
connect_finish (GTask *task, const SrpCoreEvent *result)
{
  SrpPeer *self = g_task_get_source_object (task);
  ConnectData *connect = g_task_get_task_data (task);
  SrpPeerInfo *info;

  /* A signal handler may have closed the peer since the result came. */
  if (!srp_peer_is_listening (self))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The peer was closed");
      return;
    }
  if (!result->connect.ok)
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_UNREACHABLE, "No path to the peer: %s",
                               result->connect.reason != NULL ? result->connect.reason
                                                              : "no reason given");
      return;
    }
  /* The PEER_ADDED of this connection was handled before this completes;
   * only a peer lost again in the same moment is missing. */
  info = g_hash_table_lookup (self->peer_index, &connect->id);
  if (info == NULL)
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_UNREACHABLE,
                               "The connection to the peer was lost as soon as it was made");
      return;
    }
  g_task_return_pointer (task, g_object_ref (info), g_object_unref);
}

/**
 * srp_peer_connect_async:
 * @self: a peer
 * @peer_id: the other peer's ID (64 hexadecimal characters)
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async) (nullable): called when the peers are connected, or cannot be
 * @user_data: (closure): data for @callback
 *
 * Connects to the peer with the ID @peer_id, wherever it is. The peer must
 * listen (see [method@Peer.listen]) and be connected to the network.
 *
 * When the two are connected already, this completes at once. Otherwise
 * the connected peers are asked to introduce the two; the introducer tells
 * each the other's public address, and both send to each other at the same
 * time so that their NATs let the other's datagrams in ("hole punching").
 * When no direct path opens (between two symmetric NATs, for example), the
 * introducer relays their datagrams. Both sides then emit
 * [signal@Peer::connected].
 *
 * Call [method@Peer.connect_finish] from @callback for the result. An
 * attempt gives up after 30 seconds at the most; it fails sooner when no
 * connected peer knows @peer_id.
 *
 * How the two punch depends on both NAT types, so a peer that has just
 * joined does better to wait until its [property@Peer:nat-type] is known:
 * between a symmetric and a port-restricted NAT, for example, a peer that
 * does not know its own type yet ends up relayed where a direct path was
 * possible.
 *
 * Cancelling stops the waiting, not the attempt: a connection made
 * afterwards still appears in [method@Peer.get_peers].
 */
void
srp_peer_connect_async (SrpPeer *self, const char *peer_id, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  ConnectData *connect;

  g_return_if_fail (SRP_IS_PEER (self));
  g_return_if_fail (peer_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, srp_peer_connect_async);
  connect = g_new0 (ConnectData, 1);
  g_task_set_task_data (task, connect, g_free);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (!srp_peer_parse_id (peer_id, &connect->id, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (srp_id_equal (&connect->id, srp_identity_get_public_key (self->identity)))
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                               "A peer cannot connect to itself");
      return;
    }
  if (!srp_peer_is_listening (self))
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_NOT_LISTENING,
                               "The peer must listen before it can connect");
      return;
    }

  srp_operations_start (self->operations,
                        srp_core_connect (self->core, g_get_monotonic_time (), &connect->id),
                        task, connect_finish);
  srp_peer_drive (self);
}

/**
 * srp_peer_connect_finish:
 * @self: a peer
 * @result: the result passed to the callback of [method@Peer.connect_async]
 * @error: return location for an error
 *
 * Finishes connecting to a peer.
 *
 * Fails with %SRP_ERROR_INVALID_ARGUMENT when the ID is malformed or is this
 * peer's own, %SRP_ERROR_NOT_LISTENING when the peer did not listen,
 * %SRP_ERROR_UNREACHABLE when there is no path to the other peer (the
 * message says why, such as that no connected peer knows it),
 * %G_IO_ERROR_CANCELLED when cancelled, and %G_IO_ERROR_CLOSED when the
 * peer was closed first.
 *
 * Returns: (transfer full): the connected peer, as listed in
 *   [method@Peer.get_peers]: its [property@PeerInfo:path] says whether it
 *   is reached directly or through a relay
 */
SrpPeerInfo *
srp_peer_connect_finish (SrpPeer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == srp_peer_connect_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
