/* srp-socket-set.c: numbered UDP sockets, each with its own GSource on the
 * owner's main context, and their buffers. Datagrams are read in batches
 * (srp-udp-io.c) into buffers the set keeps, and handed on with the
 * sender's SrpAddress: nothing is allocated per datagram. Sending is in
 * srp-socket-send.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-socket-set-private.h"

#include <gio/gnetworking.h>

/* Batches read per wake-up before other sources (and the core's drive)
 * get a turn. */
#define RECV_ROUNDS 8

static void
entry_free (gpointer data)
{
  SrpSocketEntry *entry = data;

  srp_socket_send_drop_backlog (entry->set, entry);
  g_source_destroy (entry->source);
  g_source_unref (entry->source);
  g_socket_close (entry->socket, NULL);
  g_object_unref (entry->socket);
  g_free (entry);
}

SrpSocketSet *
srp_socket_set_new (GMainContext *context, SrpSocketSetDatagramFunc datagram,
                    SrpSocketSetReadFunc read, gpointer user_data)
{
  SrpSocketSet *set = g_new0 (SrpSocketSet, 1);

  set->context = g_main_context_ref (context);
  set->datagram = datagram;
  set->read = read;
  set->user_data = user_data;
  set->sockets = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, entry_free);
  set->io = srp_udp_io_default ();
  set->recv = srp_udp_recv_batch_new ();
  set->send = g_new (SrpTransmit, SRP_UDP_SEND_BATCH);
  set->buffer_size = SRP_SOCKET_BUFFERS_DEFAULT;
  return set;
}

void
srp_socket_set_free (SrpSocketSet *set)
{
  if (set == NULL)
    return;
  g_hash_table_unref (set->sockets);
  g_main_context_unref (set->context);
  srp_udp_recv_batch_free (set->recv);
  g_free (set->send);
  g_free (set);
}

void
srp_socket_set_set_io (SrpSocketSet *set, const SrpUdpIo *io)
{
  set->io = io;
}

void
srp_socket_set_set_buffer_size (SrpSocketSet *set, gint bytes)
{
  set->buffer_size = MAX (bytes, 0);
}

/* Reads batches of datagrams from one socket. */
static void
receive_from (SrpSocketSet *set, SrpSocketEntry *entry)
{
  SrpUdpRecvBatch *recv = set->recv;

  for (guint round = 0; round < RECV_ROUNDS; round++)
    {
      g_autoptr (GError) error = NULL;
      gint64 now;
      gint n = set->io->receive (entry->socket, recv, &error);

      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("Cannot receive on socket %u: %s", entry->index, error->message);
          break;
        }

      now = g_get_monotonic_time ();
      for (gint i = 0; i < n; i++)
        if (recv->from[i].family != SRP_ADDRESS_FAMILY_NONE)
          set->datagram (entry->index, now, &recv->from[i], recv->data[i], recv->len[i],
                         set->user_data);

      if (recv->messages < SRP_UDP_RECV_BATCH)
        break;
    }
}

static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  SrpSocketEntry *entry = user_data;
  SrpSocketSet *set = entry->set;

  receive_from (set, entry);
  /* Last: the owner may close this socket, or free the whole set. */
  set->read (set->user_data);
  return G_SOURCE_CONTINUE;
}

static GSocket *
bind_socket (GInetAddress *inet, guint16 port, gboolean dual_stack, GError **error)
{
  GSocketFamily family = g_inet_address_get_family (inet);
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) address = NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  if (family == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? 0 : 1, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  address = g_inet_socket_address_new (inet, port);
  if (!g_socket_bind (socket, address, FALSE, error))
    return NULL;
  return g_steal_pointer (&socket);
}

gboolean
srp_socket_set_bind (SrpSocketSet *set, guint index, GInetAddress *inet, guint16 port,
                     gboolean dual_stack, GError **error)
{
  g_autofree char *name = NULL;
  GSocket *socket = bind_socket (inet, port, dual_stack, error);
  SrpSocketEntry *entry;

  if (socket == NULL)
    return FALSE;
  entry = g_new0 (SrpSocketEntry, 1);
  entry->set = set;
  entry->index = index;
  entry->socket = socket;
  g_queue_init (&entry->backlog);
  /* Every socket may carry data: a peer behind a symmetric NAT is reached
   * through the punch socket that got through to it. */
  srp_socket_buffers_apply (socket, set->buffer_size, &entry->buffers);
  /* Runs a sender segmented cross the stack whole to sockets that take
   * them so (srp-udp-io.h); only the native reader cuts them up again. */
  if (set->io == srp_udp_io_native () && !srp_udp_io_enable_gro (socket))
    g_debug ("Socket %u takes datagrams one at a time (no UDP_GRO)", index);
  if (entry->buffers.capped && !set->reported_cap)
    {
      /* Once: 256 punch sockets would say it 256 times. */
      g_debug ("Socket %u asked for %d bytes of buffer each way and got %d to receive, %d to "
               "send: raise net.core.rmem_max and wmem_max for fewer losses under load",
               index, entry->buffers.requested, entry->buffers.receive, entry->buffers.send);
      set->reported_cap = TRUE;
    }
  entry->source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (entry->source, G_SOURCE_FUNC (on_readable), entry, NULL);
  name = g_strdup_printf ("SrpPeer socket %u", index);
  g_source_set_name (entry->source, name);
  g_source_attach (entry->source, set->context);
  g_hash_table_replace (set->sockets, GUINT_TO_POINTER (index), entry);
  return TRUE;
}

gboolean
srp_socket_set_bind_like (SrpSocketSet *set, guint index, guint model, GError **error)
{
  GSocket *socket = srp_socket_set_get (set, model);
  g_autoptr (GSocketAddress) local = NULL;
  gint v6only = 1;

  if (socket == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "Socket %u is not open", model);
      return FALSE;
    }
  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return FALSE;
  if (g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_get_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, error))
    return FALSE;
  return srp_socket_set_bind (set, index,
                              g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)),
                              0, !v6only, error);
}

gboolean
srp_socket_set_rebind (SrpSocketSet *set, guint index, GInetAddress *inet, guint16 port,
                       GError **error)
{
  SrpSocketEntry *entry = srp_socket_set_lookup (set, index);
  g_autoptr (GError) local_error = NULL;
  GSocket *socket;

  if (entry == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "Socket %u is not open", index);
      return FALSE;
    }
  socket = bind_socket (inet, port, FALSE, &local_error);
  /* The old port may be taken at the new address: any other will do, the
   * core tells its peers (they see the new one anyway). */
  if (socket == NULL && port != 0)
    {
      g_clear_error (&local_error);
      socket = bind_socket (inet, 0, FALSE, &local_error);
    }
  if (socket == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* The same entry, number and buffers: only what it is bound to changes.
   * Datagrams queued for the old socket would leave from an address that
   * is gone: the protocol resends what matters. */
  srp_socket_send_drop_backlog (set, entry);
  g_source_destroy (entry->source);
  g_source_unref (entry->source);
  g_socket_close (entry->socket, NULL);
  g_object_unref (entry->socket);
  entry->socket = socket;
  srp_socket_buffers_apply (socket, set->buffer_size, &entry->buffers);
  entry->source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (entry->source, G_SOURCE_FUNC (on_readable), entry, NULL);
  g_source_set_name (entry->source, "SrpPeer socket (bound again)");
  g_source_attach (entry->source, set->context);
  return TRUE;
}

GArray *
srp_socket_set_list (SrpSocketSet *set)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, set->sockets);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint index = GPOINTER_TO_UINT (key);
      g_array_append_val (out, index);
    }
  return out;
}

void
srp_socket_set_close (SrpSocketSet *set, guint index)
{
  g_hash_table_remove (set->sockets, GUINT_TO_POINTER (index));
}

SrpSocketEntry *
srp_socket_set_lookup (SrpSocketSet *set, guint index)
{
  return g_hash_table_lookup (set->sockets, GUINT_TO_POINTER (index));
}

GSocket *
srp_socket_set_get (SrpSocketSet *set, guint index)
{
  SrpSocketEntry *entry = srp_socket_set_lookup (set, index);

  return entry != NULL ? entry->socket : NULL;
}

guint
srp_socket_set_get_n_sockets (SrpSocketSet *set)
{
  return g_hash_table_size (set->sockets);
}

gboolean
srp_socket_set_get_buffers (SrpSocketSet *set, guint index, SrpSocketBuffers *out)
{
  SrpSocketEntry *entry = srp_socket_set_lookup (set, index);

  if (entry == NULL)
    return FALSE;
  *out = entry->buffers;
  return TRUE;
}
