/* srp-peer-drive.c: carrying out what SrpPeer's core asks after any input
 * (sockets to open and close, datagrams to send, the next timeout) and what
 * its events mean to an application (the list of peers, the NAT, messages,
 * the results of asynchronous operations).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-peer-info-private.h"
#include "srp-stream-private.h"

/* The wall-clock time of a moment on the monotonic clock the core uses. */
static GDateTime *
wall_time_of (gint64 monotonic_us)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_add (now, monotonic_us - g_get_monotonic_time ());
}

static void
peer_added (SrpPeer *self, const SrpCoreEvent *event)
{
  g_autoptr (GDateTime) since = wall_time_of (event->peer.connected_at);
  g_autoptr (SrpPeerInfo) info = NULL;

  /* The core announces a peer once per connection; a repeat would be a
   * core bug, and two rows for one peer would confuse a list view. */
  g_return_if_fail (!g_hash_table_contains (self->peer_index, &event->peer.id));
  info = srp_peer_info_new (event, since);
  g_hash_table_insert (self->peer_index, (gpointer) srp_peer_info_get_raw_id (info), info);
  g_list_store_append (self->peers, info);
  srp_peer_emit_peer_added (self, info);
  /* A peer-added handler may have closed the peer: the connection is gone. */
  if (event->peer.introduced && srp_peer_is_listening (self))
    srp_peer_emit_connected (self, info);
}

static void
peer_changed (SrpPeer *self, const SrpCoreEvent *event)
{
  SrpPeerInfo *info = g_hash_table_lookup (self->peer_index, &event->peer.id);

  if (info != NULL)
    srp_peer_info_update (info, event);
}

static void
remove_info (SrpPeer *self, SrpPeerInfo *info)
{
  g_autoptr (SrpPeerInfo) removed = g_object_ref (info);
  guint position;

  g_hash_table_remove (self->peer_index, srp_peer_info_get_raw_id (info));
  if (g_list_store_find (self->peers, info, &position))
    g_list_store_remove (self->peers, position);
  srp_peer_emit_peer_removed (self, removed);
}

static void
peer_removed (SrpPeer *self, const SrpCoreEvent *event)
{
  SrpPeerInfo *info = g_hash_table_lookup (self->peer_index, &event->peer.id);

  if (info != NULL)
    remove_info (self, info);
}

void
srp_peer_forget_peers (SrpPeer *self)
{
  guint n;

  while ((n = g_list_model_get_n_items (G_LIST_MODEL (self->peers))) > 0)
    {
      g_autoptr (SrpPeerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->peers), n - 1);
      remove_info (self, info);
    }
}

void
srp_peer_set_nat (SrpPeer *self, SrpNatType nat_type, const SrpAddress *public_address)
{
  char text[SRP_ADDRESS_STRING_MAX];
  const char *address = NULL;

  if (public_address != NULL && srp_address_is_valid (public_address))
    address = srp_address_to_string (public_address, text);
  if (self->nat_type != nat_type)
    {
      self->nat_type = nat_type;
      srp_peer_notify (self, SRP_PEER_PROP_NAT_TYPE);
    }
  /* g_set_str is GLib 2.76. */
  if (g_strcmp0 (self->public_address, address) != 0)
    {
      g_free (self->public_address);
      self->public_address = g_strdup (address);
      srp_peer_notify (self, SRP_PEER_PROP_PUBLIC_ADDRESS);
    }
}

void
srp_peer_set_nat_family (SrpPeer *self, guint8 family, SrpNatType nat_type)
{
  SrpNatType *slot = family == SRP_ADDRESS_FAMILY_IPV6 ? &self->nat_type_ipv6 : &self->nat_type_ipv4;

  if (*slot == nat_type)
    return;
  *slot = nat_type;
  srp_peer_notify (self, family == SRP_ADDRESS_FAMILY_IPV6 ? SRP_PEER_PROP_NAT_TYPE_IPV6
                                                           : SRP_PEER_PROP_NAT_TYPE_IPV4);
}

void
srp_peer_set_nat_problem (SrpPeer *self, const char *problem)
{
  /* The core's problems are static strings: the pointer says it all. */
  if (self->nat_problem == problem)
    return;
  self->nat_problem = problem;
  srp_peer_notify (self, SRP_PEER_PROP_NAT_PROBLEM);
}

void
srp_peer_handle_event (SrpPeer *self, const SrpCoreEvent *event)
{
  switch (event->type)
    {
    case SRP_CORE_EVENT_PEER_ADDED:
      peer_added (self, event);
      break;
    case SRP_CORE_EVENT_PEER_CHANGED:
      peer_changed (self, event);
      break;
    case SRP_CORE_EVENT_PEER_REMOVED:
      peer_removed (self, event);
      break;
    case SRP_CORE_EVENT_NAT_CHANGED:
      {
        SrpAddress primary;
        SrpNatType type = srp_core_get_nat (self->core, &primary);

        srp_peer_set_nat_family (self, event->nat.family, event->nat.nat);
        /* nat-type and public-address follow one family (IPv4 once known). */
        srp_peer_set_nat (self, type, &primary);
      }
      break;
    case SRP_CORE_EVENT_MESSAGE:
      srp_peer_topics_deliver (self, event);
      break;
    case SRP_CORE_EVENT_STREAM_INCOMING:
    case SRP_CORE_EVENT_STREAM_READABLE:
    case SRP_CORE_EVENT_STREAM_WRITABLE:
    case SRP_CORE_EVENT_STREAM_CLOSED:
    case SRP_CORE_EVENT_STREAM_ACCEPTED:
      srp_peer_streams_handle_event (self, event);
      break;
    case SRP_CORE_EVENT_PING_RESULT:    /* operations: taken in drive */
    case SRP_CORE_EVENT_PUBLISHED:
    case SRP_CORE_EVENT_CONNECT_RESULT:
    case SRP_CORE_EVENT_SOCKET_OPEN:    /* done in drive */
    case SRP_CORE_EVENT_SOCKET_CLOSE:
    case SRP_CORE_EVENT_NONE:
    default:
      break;
    }
}

/* Carries out what the core asks for after any input: sockets, sends,
 * events, and the next timeout. Events are drained first and acted on
 * afterwards, because signal handlers and task callbacks may call back into
 * the peer, even close it. The operations an event completes are taken out
 * of their table at once (so that a cancellation cannot complete them too)
 * and completed last, when the peer list already shows what the events
 * said.
 *
 * Punch sockets open before the sends (the core's first probes through a
 * new socket are among them) and close after them (a last datagram may be
 * queued for a socket the core is done with). */
static void drive (SrpPeer *self, gboolean defer_sends);

void
srp_peer_drive (SrpPeer *self)
{
  drive (self, FALSE);
}

void
srp_peer_drive_deferring_sends (SrpPeer *self)
{
  drive (self, TRUE);
}

static void
drive (SrpPeer *self, gboolean defer_sends)
{
  g_autoptr (GArray) events = NULL;
  g_autoptr (GArray) closing = NULL;
  g_autoptr (GPtrArray) done = NULL;
  g_autoptr (SrpPeer) hold = NULL;
  SrpCore *core = srp_peer_get_core (self);
  guint closes = self->closes;
  SrpCoreEvent event;

  /* The arrays come with their first element: a publisher drives once per
   * publish, mostly with nothing to hand over. */
  while (srp_core_poll_event (core, &event))
    {
      SrpOperation *op;

      if (event.type == SRP_CORE_EVENT_SOCKET_OPEN)
        srp_peer_transport_open_punch (self, event.socket.socket);
      else if (event.type == SRP_CORE_EVENT_SOCKET_CLOSE)
        {
          if (closing == NULL)
            closing = g_array_new (FALSE, FALSE, sizeof (guint));
          g_array_append_val (closing, event.socket.socket);
        }
      else if (srp_core_event_request (&event) != 0)
        {
          /* NULL: cancelled, or from before a close. */
          if ((op = srp_operations_take (self->operations, &event)) != NULL)
            {
              if (done == NULL)
                done = g_ptr_array_new ();
              g_ptr_array_add (done, op);
            }
        }
      else
        {
          if (events == NULL)
            {
              events = g_array_new (FALSE, FALSE, sizeof (SrpCoreEvent));
              g_array_set_clear_func (events, (GDestroyNotify) srp_core_event_clear);
            }
          g_array_append_val (events, event);
          continue;
        }
      srp_core_event_clear (&event);
    }
  /* Safe from a kill (the store's redo record) before anything goes out
   * or a publish's ID is returned: an ACK sent or an ID given is then
   * never undone by a kill. */
  srp_peer_store_flush (self);
  if (srp_peer_is_listening (self))
    {
      /* A punch socket closing below may have datagrams of its own among
       * them: those go now, with the rest. */
      if (defer_sends && closing == NULL)
        srp_peer_transport_send_soon (self);
      else
        srp_peer_transport_send (self);
      for (guint i = 0; closing != NULL && i < closing->len; i++)
        srp_peer_transport_close_punch (self, g_array_index (closing, guint, i));
      g_source_set_ready_time (self->timer_source, srp_core_poll_timeout (core));
    }
  {
    SrpCacheStats stats;

    srp_core_get_cache_stats (core, &stats);
    srp_cache_update (self->cache, &stats);
  }

  hold = g_object_ref (self);
  /* Notifications wait until the events are all handled. Without events
   * there is at most one (nat-problem), and freezing costs more than it
   * (a queue and a global lock each way). */
  if (events != NULL)
    g_object_freeze_notify (G_OBJECT (self));
  /* A handler that closes the peer ends what these events meant: the
   * connections they describe are gone. */
  for (guint i = 0; events != NULL && i < events->len && self->closes == closes; i++)
    srp_peer_handle_event (self, &g_array_index (events, SrpCoreEvent, i));
  if (srp_peer_is_listening (self))
    srp_peer_set_nat_problem (self, srp_core_get_nat_problem (core));
  srp_peer_streams_refresh (self);
  if (events != NULL)
    g_object_thaw_notify (G_OBJECT (self));

  for (guint i = 0; done != NULL && i < done->len; i++)
    srp_operation_finish (done->pdata[i]);
}

void
srp_peer_refresh_infos (SrpPeer *self)
{
  g_autoptr (GArray) links = g_array_new (FALSE, FALSE, sizeof (SrpCoreEvent));

  srp_core_list_peers (srp_peer_get_core (self), links);
  for (guint i = 0; i < links->len; i++)
    peer_changed (self, &g_array_index (links, SrpCoreEvent, i));
}
