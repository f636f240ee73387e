/* srp-peer-streams.c: srp_peer_open_stream_async, SrpPeer::incoming-stream,
 * and what the core's stream events mean to the SrpStreams of a peer.
 *
 * The peer keeps a table of its streams by core handle (weak: a stream
 * belongs to the application, and leaves the table when it goes). An open
 * waits for the other application to take the stream (STREAM_ACCEPTED), so
 * that a refusal fails the open itself; the opener's first bytes need not
 * wait for that in the core, but an application gets the stream only then.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-stream-private.h"

#include "srp-control-stream.h"
#include "srp-error.h"

#include <string.h>

typedef struct {
  SrpId id;
  char *label;
  SrpStream *stream; /* once opened in the core */
  gulong cancelled_id;
} OpenData;

static void
open_data_free (gpointer p)
{
  OpenData *open = p;

  g_free (open->label);
  g_clear_object (&open->stream);
  g_free (open);
}

void
srp_peer_streams_init (SrpPeer *self)
{
  self->streams = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->stream_opens = g_ptr_array_new ();
}

void
srp_peer_streams_clear (SrpPeer *self)
{
  g_clear_pointer (&self->streams, g_hash_table_unref);
  g_clear_pointer (&self->stream_opens, g_ptr_array_unref);
}

static guint64 *
handle_key (SrpStream *stream)
{
  /* The key lives as long as the stream: a static per-object quark slot. */
  guint64 *key = g_object_get_data (G_OBJECT (stream), "srp-stream-handle");

  if (key == NULL)
    {
      key = g_new (guint64, 1);
      *key = srp_stream_get_handle (stream);
      g_object_set_data_full (G_OBJECT (stream), "srp-stream-handle", key, g_free);
    }
  return key;
}

static void
track (SrpPeer *self, SrpStream *stream)
{
  g_hash_table_insert (self->streams, handle_key (stream), stream);
}

void
srp_peer_streams_forget (SrpPeer *self, SrpStream *stream)
{
  guint64 handle = srp_stream_get_handle (stream);

  if (self->streams != NULL && g_hash_table_lookup (self->streams, &handle) == stream)
    g_hash_table_remove (self->streams, &handle);
}

static GTask *
take_open (SrpPeer *self, guint64 handle)
{
  for (guint i = 0; i < self->stream_opens->len; i++)
    {
      GTask *task = g_ptr_array_index (self->stream_opens, i);
      OpenData *open = g_task_get_task_data (task);

      if (open->stream != NULL && srp_stream_get_handle (open->stream) == handle)
        {
          g_ptr_array_remove_index (self->stream_opens, i);
          return task;
        }
    }
  return NULL;
}

static void
open_complete (GTask *task, const GError *error)
{
  OpenData *open = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (open->cancelled_id != 0)
    g_cancellable_disconnect (cancellable, open->cancelled_id);
  open->cancelled_id = 0;
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_pointer (task, g_steal_pointer (&open->stream), g_object_unref);
  g_object_unref (task);
}

static void
incoming (SrpPeer *self, guint64 handle)
{
  g_autoptr (SrpStream) stream = srp_stream_new (self, handle);
  SrpCore *core = srp_peer_get_core (self);

  track (self, stream);
  if (srp_peer_emit_incoming_stream (self, stream))
    srp_core_stream_accept (core, g_get_monotonic_time (), handle);
  else
    srp_core_stream_reset (core, g_get_monotonic_time (), handle, SRP_STREAM_REASON_REFUSED);
  /* Unless a handler kept it, the stream goes here (and is released). */
}

void
srp_peer_streams_handle_event (SrpPeer *self, const SrpCoreEvent *event)
{
  guint64 handle = event->stream.stream;
  SrpStream *stream = g_hash_table_lookup (self->streams, &handle);
  GTask *task;

  switch (event->type)
    {
    case SRP_CORE_EVENT_STREAM_INCOMING:
      incoming (self, handle);
      break;
    case SRP_CORE_EVENT_STREAM_ACCEPTED:
      if ((task = take_open (self, handle)) != NULL)
        open_complete (task, NULL);
      break;
    case SRP_CORE_EVENT_STREAM_CLOSED:
      if (stream != NULL)
        srp_stream_set_closed (stream, event->stream.reason);
      if ((task = take_open (self, handle)) != NULL)
        {
          g_autoptr (GError) error = NULL;

          if (stream != NULL)
            srp_stream_set_error (stream, FALSE, &error);
          else
            error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                         "The stream was closed");
          open_complete (task, error);
        }
      break;
    default:
      /* READABLE, WRITABLE: the sources ask the core as the context runs. */
      break;
    }
}

void
srp_peer_streams_refresh (SrpPeer *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self->streams == NULL)
    return;
  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    srp_stream_refresh (value);
}

void
srp_peer_streams_close_all (SrpPeer *self)
{
  GHashTableIter iter;
  gpointer value;
  g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                  "The peer was closed");

  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    srp_stream_set_closed (value, SRP_STREAM_REASON_LINK_LOST);
  while (self->stream_opens->len > 0)
    {
      GTask *task = g_ptr_array_steal_index (self->stream_opens, self->stream_opens->len - 1);
      OpenData *open = g_task_get_task_data (task);

      if (open->stream == NULL)
        {
          /* Still connecting: the connect's own failure completes it. */
          g_ptr_array_add (self->stream_opens, task);
          break;
        }
      open_complete (task, error);
    }
}

/* ---- opening ---------------------------------------------------------------------------- */

static void
open_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  SrpPeer *self = g_task_get_source_object (task);

  (void) cancellable;
  /* Completed from an idle: never from inside g_cancellable_cancel. */
  if (g_ptr_array_remove (self->stream_opens, task))
    {
      OpenData *open = g_task_get_task_data (task);
      g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                      "Operation was cancelled");

      if (open->stream != NULL)
        srp_core_stream_reset (srp_peer_get_core (self), g_get_monotonic_time (),
                               srp_stream_get_handle (open->stream), SRP_STREAM_REASON_CANCELLED);
      open->cancelled_id = 0;
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
    }
}

/* The peer is connected: the stream opens in the core. */
static void
open_in_core (GTask *task)
{
  SrpPeer *self = g_task_get_source_object (task);
  OpenData *open = g_task_get_task_data (task);
  guint64 handle;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  handle = srp_core_stream_open (srp_peer_get_core (self), g_get_monotonic_time (), &open->id,
                                 open->label);
  if (handle == 0)
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_UNREACHABLE,
                               "The peer is not connected, or has too many streams from us");
      g_object_unref (task);
      return;
    }
  open->stream = srp_stream_new (self, handle);
  track (self, open->stream);
  g_ptr_array_add (self->stream_opens, task);
  if (g_task_get_cancellable (task) != NULL)
    open->cancelled_id = g_cancellable_connect (g_task_get_cancellable (task),
                                                G_CALLBACK (open_cancelled), task, NULL);
  srp_peer_drive (self);
}

static void
connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr (SrpPeerInfo) info = NULL;
  GError *error = NULL;

  info = srp_peer_connect_finish (SRP_PEER (source), result, &error);
  if (info == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  open_in_core (task);
}

/**
 * srp_peer_open_stream_async:
 * @self: a peer
 * @peer_id: the other peer's ID (64 hexadecimal characters)
 * @label: (nullable): what the stream is for, told to the other side (at
 *   most 128 bytes of UTF-8; %NULL for none)
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async) (nullable): called when the stream is open, or cannot be
 * @user_data: (closure): data for @callback
 *
 * Opens a reliable byte stream to the peer with the ID @peer_id,
 * connecting to it first (as [method@Peer.connect_async] does) when the
 * two are not connected yet. The other peer's application takes the
 * stream in a handler of [signal@Peer::incoming-stream]; call
 * [method@Peer.open_stream_finish] from @callback for the stream.
 *
 * Streams to one peer share its connection; opening one costs the first
 * frame's round trip, which also tells that the other side took it.
 */
void
srp_peer_open_stream_async (SrpPeer *self, const char *peer_id, const char *label,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  GTask *task;
  GError *error = NULL;
  OpenData *open;

  g_return_if_fail (SRP_IS_PEER (self));
  g_return_if_fail (peer_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, srp_peer_open_stream_async);
  open = g_new0 (OpenData, 1);
  g_task_set_task_data (task, open, open_data_free);
  if (label != NULL && (strlen (label) > SRP_STREAM_LABEL_MAX || !g_utf8_validate (label, -1, NULL)))
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                               "A stream label is at most %d bytes of UTF-8",
                               SRP_STREAM_LABEL_MAX);
      g_object_unref (task);
      return;
    }
  open->label = g_strdup (label);
  if (!srp_peer_parse_id (peer_id, &open->id, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (g_hash_table_contains (self->peer_index, &open->id))
    {
      open_in_core (task);
      return;
    }
  /* Connecting reports a malformed ID, our own, and a peer not listening. */
  srp_peer_connect_async (self, peer_id, cancellable, connected, task);
}

/**
 * srp_peer_open_stream_finish:
 * @self: a peer
 * @result: the result passed to the callback of [method@Peer.open_stream_async]
 * @error: return location for an error
 *
 * Finishes opening a stream.
 *
 * Fails with %G_IO_ERROR_CONNECTION_REFUSED when the other application
 * did not take the stream, %G_IO_ERROR_CONNECTION_CLOSED when the
 * connection was lost first, with the errors of
 * [method@Peer.connect_finish] when the two could not connect, with
 * %SRP_ERROR_INVALID_ARGUMENT for a label too long, and with
 * %G_IO_ERROR_CANCELLED when cancelled.
 *
 * Returns: (transfer full): the stream
 */
SrpStream *
srp_peer_open_stream_finish (SrpPeer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == srp_peer_open_stream_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
