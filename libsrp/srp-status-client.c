/* srp-status-client.c: one WebSocket client of /api/events. Events wait in
 * our own bounded queue and go to libsoup only while the client keeps up:
 * libsoup's own queue has no bound and no public size, so the bytes handed
 * to it are compared with the bytes that reached the socket (counted by
 * SrpStatusStream). A full queue drops new events and leaves one "dropped"
 * notice in their place, so that the client knows to fetch the state again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-status-client.h"

#include "srp-status-json.h"
#include "srp-status-source.h"
#include "srp-status-stream.h"

/* A queued event, or (event == NULL) a notice of events dropped there. */
typedef struct {
  GBytes *event;
  guint64 missed;
} Item;

struct _SrpStatusClient {
  SoupWebsocketConnection *connection;
  SrpStatusStream *stream;
  SrpStatusClientLimits limits;
  GMainContext *context;
  SrpStatusClientClosedFunc closed;
  gpointer closed_data;

  GQueue queue;      /* Item *, oldest first */
  guint n_events;    /* items of the queue that are events */
  guint64 handed;    /* frame bytes handed to libsoup */
  guint64 dropped;
  GSource *pump;     /* idle: hand more to libsoup */
  GSource *stall;    /* closes a client that takes nothing */
  guint64 stall_mark; /* bytes written when the stall timer started */
};

static void
item_free (Item *item)
{
  g_clear_pointer (&item->event, g_bytes_unref);
  g_free (item);
}

/* What libsoup writes for a text message: an unmasked frame header and the
 * payload (no extensions were negotiated, so nothing is compressed). */
static guint64
frame_size (gsize payload)
{
  if (payload < 126)
    return payload + 2;
  if (payload <= G_MAXUINT16)
    return payload + 4;
  return payload + 10;
}

/* Bytes handed over that the socket has not taken yet. Control frames that
 * libsoup adds itself (pongs, keepalive pings) make this slightly low. */
static guint64
unsent (SrpStatusClient *self)
{
  guint64 written = srp_status_stream_get_written (self->stream);

  return self->handed > written ? self->handed - written : 0;
}

static void
hand_over (SrpStatusClient *self, GBytes *text)
{
  self->handed += frame_size (g_bytes_get_size (text));
  soup_websocket_connection_send_message (self->connection, SOUP_WEBSOCKET_DATA_TEXT, text);
}

static void arm_stall (SrpStatusClient *self);

static void
pump (SrpStatusClient *self)
{
  while (!g_queue_is_empty (&self->queue) && unsent (self) < self->limits.max_unsent &&
         soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      Item *item = g_queue_pop_head (&self->queue);

      if (item->event != NULL)
        {
          self->n_events--;
          hand_over (self, item->event);
        }
      else
        {
          g_autoptr (JsonNode) notice = srp_status_json_dropped (item->missed);
          g_autoptr (GBytes) text = srp_status_json_to_bytes (notice);

          hand_over (self, text);
        }
      item_free (item);
    }
  arm_stall (self);
}

static gboolean
on_pump (gpointer user_data)
{
  SrpStatusClient *self = user_data;

  g_clear_pointer (&self->pump, g_source_unref);
  pump (self);
  return G_SOURCE_REMOVE;
}

/* Runs inside libsoup's writer: pumping here would re-enter it. */
static void
on_wrote (gpointer user_data)
{
  SrpStatusClient *self = user_data;

  if (self->pump != NULL || g_queue_is_empty (&self->queue))
    return;
  self->pump = g_idle_source_new ();
  g_source_set_callback (self->pump, on_pump, self, NULL);
  g_source_attach (self->pump, self->context);
}

static void
on_closed (SoupWebsocketConnection *connection, SrpStatusClient *self)
{
  self->closed (self, self->closed_data);
}

/* A vanished client (no FIN, no RST) never takes anything again; neither
 * does one that stopped reading. Either would hold its socket forever. */
static gboolean
on_stall (gpointer user_data)
{
  SrpStatusClient *self = user_data;
  guint64 written = srp_status_stream_get_written (self->stream);

  g_clear_pointer (&self->stall, g_source_unref);
  if (unsent (self) > 0 && written == self->stall_mark)
    {
      self->closed (self, self->closed_data);
      return G_SOURCE_REMOVE;
    }
  arm_stall (self);
  return G_SOURCE_REMOVE;
}

static void
arm_stall (SrpStatusClient *self)
{
  if (self->stall != NULL || unsent (self) == 0)
    return;
  self->stall_mark = srp_status_stream_get_written (self->stream);
  self->stall = g_timeout_source_new (self->limits.stall_timeout_ms);
  g_source_set_callback (self->stall, on_stall, self, NULL);
  g_source_attach (self->stall, self->context);
}

SrpStatusClient *
srp_status_client_new (SoupWebsocketConnection *connection, const SrpStatusClientLimits *limits,
                       GMainContext *context, SrpStatusClientClosedFunc closed,
                       gpointer user_data)
{
  SrpStatusClient *self = g_new0 (SrpStatusClient, 1);

  self->connection = g_object_ref (connection);
  self->stream = SRP_STATUS_STREAM (soup_websocket_connection_get_io_stream (connection));
  self->limits = *limits;
  self->context = g_main_context_ref (context);
  self->closed = closed;
  self->closed_data = user_data;
  g_queue_init (&self->queue);
  srp_status_stream_set_wrote_func (self->stream, on_wrote, self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);
  return self;
}

void
srp_status_client_free (SrpStatusClient *self)
{
  srp_status_stream_set_wrote_func (self->stream, NULL, NULL);
  g_signal_handlers_disconnect_by_data (self->connection, self);
  srp_status_source_clear (&self->pump);
  srp_status_source_clear (&self->stall);
  g_queue_clear_full (&self->queue, (GDestroyNotify) item_free);
  /* A client still open is told why; one that stalled would never read it,
   * and disposing of the connection closes its stream regardless. */
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  g_object_unref (self->connection);
  g_main_context_unref (self->context);
  g_free (self);
}

gboolean
srp_status_client_push (SrpStatusClient *self, GBytes *event)
{
  Item *item;

  if (self->n_events >= self->limits.max_events)
    {
      Item *tail = g_queue_peek_tail (&self->queue);

      self->dropped++;
      if (tail == NULL || tail->event != NULL)
        {
          tail = g_new0 (Item, 1);
          g_queue_push_tail (&self->queue, tail);
        }
      tail->missed++;
      return FALSE;
    }
  item = g_new0 (Item, 1);
  item->event = g_bytes_ref (event);
  g_queue_push_tail (&self->queue, item);
  self->n_events++;
  pump (self);
  return TRUE;
}

guint64
srp_status_client_get_dropped (SrpStatusClient *self)
{
  return self->dropped;
}
