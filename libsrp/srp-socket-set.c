/* srp-socket-set.c: numbered UDP sockets, each with its own GSource on the
 * owner's main context. Datagrams are read in batches with
 * g_socket_receive_messages; sends go one at a time with g_socket_send_to,
 * so a datagram with its own TTL never shares a system call with others.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-socket-set.h"

#include <gio/gnetworking.h>

#include "srp-socket-address.h"

/* Datagrams taken from a socket per g_socket_receive_messages call, and
 * calls per wake-up before other sources get a turn. */
#define RECV_BATCH 16
#define RECV_ROUNDS 8

typedef struct {
  guint8 data[RECV_BATCH][SRP_MAX_DATAGRAM + 1];
  GInputVector vectors[RECV_BATCH];
  GInputMessage messages[RECV_BATCH];
  GSocketAddress *addresses[RECV_BATCH];
} RecvBatch;

typedef struct {
  SrpSocketSet *set;
  guint index;
  GSocket *socket;
  GSource *source;
} Entry;

struct _SrpSocketSet {
  GMainContext *context;
  SrpSocketSetDatagramFunc datagram;
  SrpSocketSetReadFunc read;
  gpointer user_data;
  GHashTable *sockets; /* GUINT_TO_POINTER (index) -> Entry *, owned */
  RecvBatch *recv;     /* shared: sockets are read one after another */
};

static void
entry_free (gpointer data)
{
  Entry *entry = data;

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
  set->recv = g_new0 (RecvBatch, 1);
  return set;
}

void
srp_socket_set_free (SrpSocketSet *set)
{
  if (set == NULL)
    return;
  g_hash_table_unref (set->sockets);
  g_main_context_unref (set->context);
  g_free (set->recv);
  g_free (set);
}

/* Reads batches of datagrams from one socket. */
static void
receive_from (SrpSocketSet *set, Entry *entry)
{
  RecvBatch *recv = set->recv;

  for (guint round = 0; round < RECV_ROUNDS; round++)
    {
      g_autoptr (GError) error = NULL;
      gint64 now;
      int n;

      for (guint i = 0; i < RECV_BATCH; i++)
        {
          recv->vectors[i].buffer = recv->data[i];
          recv->vectors[i].size = sizeof recv->data[i];
          recv->messages[i] = (GInputMessage) {
            .address = &recv->addresses[i],
            .vectors = &recv->vectors[i],
            .num_vectors = 1,
          };
          recv->addresses[i] = NULL;
        }

      n = g_socket_receive_messages (entry->socket, recv->messages, RECV_BATCH, 0, NULL, &error);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("Cannot receive on socket %u: %s", entry->index, error->message);
          break;
        }

      now = g_get_monotonic_time ();
      for (int i = 0; i < n; i++)
        {
          SrpAddress from;

          if (srp_socket_address_to_srp (recv->addresses[i], &from))
            set->datagram (entry->index, now, &from, recv->data[i],
                           recv->messages[i].bytes_received, set->user_data);
        }
      for (int i = 0; i < n; i++)
        g_clear_object (&recv->addresses[i]);

      if (n < RECV_BATCH)
        break;
    }
}

static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Entry *entry = user_data;
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
  Entry *entry;

  if (socket == NULL)
    return FALSE;
  entry = g_new0 (Entry, 1);
  entry->set = set;
  entry->index = index;
  entry->socket = socket;
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

void
srp_socket_set_close (SrpSocketSet *set, guint index)
{
  g_hash_table_remove (set->sockets, GUINT_TO_POINTER (index));
}

GSocket *
srp_socket_set_get (SrpSocketSet *set, guint index)
{
  Entry *entry = g_hash_table_lookup (set->sockets, GUINT_TO_POINTER (index));

  return entry != NULL ? entry->socket : NULL;
}

guint
srp_socket_set_get_n_sockets (SrpSocketSet *set)
{
  return g_hash_table_size (set->sockets);
}

/* IPv4 datagrams take IP_TTL, IPv6 ones the hop limit; a dual-stack socket
 * sends to IPv4-mapped addresses as IPv4, so the destination decides. -1
 * puts the system's default back. */
static gboolean
set_ttl (GSocket *socket, const SrpAddress *to, gint ttl, GError **error)
{
  if (to->family == SRP_ADDRESS_FAMILY_IPV4)
    return g_socket_set_option (socket, IPPROTO_IP, IP_TTL, ttl, error);
  return g_socket_set_option (socket, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl, error);
}

gboolean
srp_socket_set_send (SrpSocketSet *set, const SrpTransmit *transmit, GError **error)
{
  GSocket *socket = srp_socket_set_get (set, transmit->socket);
  g_autoptr (GSocketAddress) to = NULL;
  g_autoptr (GError) restore_error = NULL;
  gboolean sent;

  /* The core may name a punch socket it has asked to close, or one that
   * could not be opened: that datagram is lost, as on a congested link. */
  if (socket == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "Socket %u is not open",
                   transmit->socket);
      return FALSE;
    }
  to = srp_socket_address_from_srp (&transmit->to, g_socket_get_family (socket));
  if (to == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Socket %u cannot reach that address family", transmit->socket);
      return FALSE;
    }
  /* A datagram meant to die after a few hops must not go out at full TTL:
   * it would reach the other side's NAT, which may then refuse the
   * connection it is meant to prepare. */
  if (transmit->ttl != 0 && !set_ttl (socket, &transmit->to, transmit->ttl, error))
    return FALSE;
  sent = g_socket_send_to (socket, to, (const char *) transmit->data, transmit->len, NULL,
                           error) >= 0;
  if (transmit->ttl != 0 && !set_ttl (socket, &transmit->to, -1, &restore_error))
    g_debug ("Cannot restore the default TTL of socket %u: %s", transmit->socket,
             restore_error->message);
  return sent;
}
