/* srp-socket-send.c: SrpSocketSet's sending. What the core asks goes out in
 * batches, one sendmmsg per socket and batch, straight from the buffers the
 * core's datagrams were polled into; a datagram with its own TTL goes alone;
 * a full send buffer makes the rest wait for the socket to be writable
 * instead of losing it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-socket-set-private.h"

#include <gio/gnetworking.h>
#include <string.h>

/* Which of a batch are taken is a bit mask. */
G_STATIC_ASSERT (SRP_UDP_SEND_BATCH <= 64);

/* Counts a datagram that will never go out. */
static void
lose (SrpSocketSet *set, const SrpTransmit *transmit, const char *why)
{
  char text[SRP_ADDRESS_STRING_MAX];

  /* A full network, an unreachable address or a punch socket that is gone
   * loses this datagram only; the protocol resends what matters. */
  set->lost++;
  g_debug ("Cannot send %" G_GSIZE_FORMAT " bytes from socket %u to %s: %s", transmit->len,
           transmit->socket, srp_address_to_string (&transmit->to, text), why);
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

/* A datagram meant to die after a few hops must not go out at full TTL: it
 * would reach the other side's NAT, which may then refuse the connection it
 * is meant to prepare. Hence alone, and the default back at once. */
static gint
send_with_ttl (SrpSocketSet *set, SrpSocketEntry *entry, const SrpTransmit *transmit,
               GError **error)
{
  g_autoptr (GError) restore_error = NULL;
  gint sent;

  if (!set_ttl (entry->socket, &transmit->to, transmit->ttl, error))
    return -1;
  sent = set->io->send (entry->socket, &transmit, 1, error);
  if (!set_ttl (entry->socket, &transmit->to, -1, &restore_error))
    g_debug ("Cannot restore the default TTL of socket %u: %s", entry->index,
             restore_error->message);
  return sent;
}

/* Sends transmits[0..n), all for entry's socket, in order until its send
 * buffer is full: runs without a TTL in as few calls as the system allows,
 * each TTL datagram alone. One that fails is lost; the first such error
 * goes to error. Returns how many are done with, sent or lost. */
static guint
transmit (SrpSocketSet *set, SrpSocketEntry *entry, const SrpTransmit *const *transmits, guint n,
          GError **error)
{
  guint done = 0;

  while (done < n)
    {
      g_autoptr (GError) local_error = NULL;
      guint run = 1;
      gint sent;

      if (transmits[done]->ttl != 0)
        sent = send_with_ttl (set, entry, transmits[done], &local_error);
      else
        {
          while (done + run < n && transmits[done + run]->ttl == 0)
            run++;
          sent = set->io->send (entry->socket, transmits + done, run, &local_error);
        }
      if (sent > 0)
        {
          done += sent;
          continue;
        }
      /* Sending nothing without saying why would otherwise loop forever. */
      if (local_error == NULL)
        g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_FAILED, "Nothing was sent");
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      lose (set, transmits[done], local_error->message);
      if (error != NULL && *error == NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      done++;
    }
  return done;
}

static gboolean on_writable (GSocket *socket, GIOCondition condition, gpointer user_data);

/* Keeps copies of transmits[0..n) behind what already waits for the
 * socket, and waits for it to be writable. */
static void
backlog_push (SrpSocketSet *set, SrpSocketEntry *entry, const SrpTransmit *const *transmits,
              guint n)
{
  for (guint i = 0; i < n; i++)
    {
      SrpTransmit *copy;

      if (entry->backlog.length >= SRP_SOCKET_SET_BACKLOG)
        {
          lose (set, transmits[i], "its socket's send backlog is full");
          continue;
        }
      /* Only as much as the datagram needs: this is the rare path. */
      copy = g_malloc (G_STRUCT_OFFSET (SrpTransmit, data) + transmits[i]->len);
      memcpy (copy, transmits[i], G_STRUCT_OFFSET (SrpTransmit, data) + transmits[i]->len);
      g_queue_push_tail (&entry->backlog, copy);
    }
  if (entry->writable == NULL && !g_queue_is_empty (&entry->backlog))
    {
      entry->writable = g_socket_create_source (entry->socket, G_IO_OUT, NULL);
      g_source_set_callback (entry->writable, G_SOURCE_FUNC (on_writable), entry, NULL);
      g_source_set_name (entry->writable, "SrpPeer socket backlog");
      g_source_attach (entry->writable, set->context);
    }
}

/* Sends what waits, oldest first; TRUE when nothing is left. */
static gboolean
backlog_flush (SrpSocketSet *set, SrpSocketEntry *entry)
{
  const SrpTransmit *batch[SRP_UDP_SEND_BATCH];

  while (!g_queue_is_empty (&entry->backlog))
    {
      guint n = 0, done;

      for (GList *l = entry->backlog.head; l != NULL && n < SRP_UDP_SEND_BATCH; l = l->next)
        batch[n++] = l->data;
      done = transmit (set, entry, batch, n, NULL);
      for (guint i = 0; i < done; i++)
        g_free (g_queue_pop_head (&entry->backlog));
      if (done < n)
        return FALSE;
    }
  return TRUE;
}

static gboolean
on_writable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  SrpSocketEntry *entry = user_data;

  if (!backlog_flush (entry->set, entry))
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&entry->writable, g_source_unref);
  return G_SOURCE_REMOVE;
}

void
srp_socket_send_drop_backlog (SrpSocketSet *set, SrpSocketEntry *entry)
{
  SrpTransmit *transmit;

  while ((transmit = g_queue_pop_head (&entry->backlog)) != NULL)
    {
      lose (set, transmit, "its socket closed");
      g_free (transmit);
    }
  if (entry->writable != NULL)
    g_source_destroy (entry->writable);
  g_clear_pointer (&entry->writable, g_source_unref);
}

/* One socket's datagrams of a batch, in order. */
static void
send_group (SrpSocketSet *set, guint index, const SrpTransmit *const *group, guint n,
            GError **error)
{
  SrpSocketEntry *entry = srp_socket_set_lookup (set, index);
  guint done;

  /* The core may name a punch socket it has asked to close, or one that
   * could not be opened: those datagrams are lost, as on a congested link. */
  if (entry == NULL)
    {
      for (guint i = 0; i < n; i++)
        lose (set, group[i], "the socket is not open");
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "Socket %u is not open", index);
      return;
    }
  /* Behind those already waiting, or the order would change. */
  if (!g_queue_is_empty (&entry->backlog))
    {
      backlog_push (set, entry, group, n);
      return;
    }
  done = transmit (set, entry, group, n, error);
  if (done < n)
    backlog_push (set, entry, group + done, n - done);
}

/* Sends transmits[0..n) (n <= SRP_UDP_SEND_BATCH), grouped by socket in the
 * order each socket first appears, each group in the order given. */
static void
send_batch (SrpSocketSet *set, const SrpTransmit *const *transmits, guint n, GError **error)
{
  const SrpTransmit *group[SRP_UDP_SEND_BATCH];
  guint64 taken = 0;

  for (guint i = 0; i < n; i++)
    {
      guint index = transmits[i]->socket, m = 0;

      if (taken & (G_GUINT64_CONSTANT (1) << i))
        continue;
      for (guint j = i; j < n; j++)
        if (!(taken & (G_GUINT64_CONSTANT (1) << j)) && transmits[j]->socket == index)
          {
            group[m++] = transmits[j];
            taken |= G_GUINT64_CONSTANT (1) << j;
          }
      send_group (set, index, group, m, error);
    }
}

guint
srp_socket_set_send_all (SrpSocketSet *set, SrpSocketSetPollFunc poll, gpointer user_data)
{
  const SrpTransmit *pointers[SRP_UDP_SEND_BATCH];
  guint n, lost;

  do
    {
      for (n = 0; n < SRP_UDP_SEND_BATCH && poll (user_data, &set->send[n]); n++)
        pointers[n] = &set->send[n];
      send_batch (set, pointers, n, NULL);
    }
  while (n == SRP_UDP_SEND_BATCH);
  lost = set->lost;
  set->lost = 0;
  return lost;
}

void
srp_socket_set_send_batch (SrpSocketSet *set, const SrpTransmit *const *transmits, guint n)
{
  g_return_if_fail (n <= SRP_UDP_SEND_BATCH);
  send_batch (set, transmits, n, NULL);
}

guint
srp_socket_set_take_lost (SrpSocketSet *set)
{
  guint lost = set->lost;

  set->lost = 0;
  return lost;
}

gboolean
srp_socket_set_send (SrpSocketSet *set, const SrpTransmit *transmit, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  guint lost = set->lost;

  send_batch (set, &transmit, 1, &local_error);
  if (set->lost == lost)
    return TRUE;
  if (local_error == NULL)
    g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                 "The send backlog of socket %u is full", transmit->socket);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

guint
srp_socket_set_get_backlog (SrpSocketSet *set, guint index)
{
  SrpSocketEntry *entry = srp_socket_set_lookup (set, index);

  return entry != NULL ? entry->backlog.length : 0;
}
