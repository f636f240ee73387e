/* srp-stream-io.c: the input and output streams of an SrpStream, both
 * pollable. Non-blocking calls go straight to the core; a blocking call
 * runs the peer's main context until the core can take or give bytes;
 * sources are ready when the core says a read or write would go on (their
 * prepare asks it, so nothing has to wake them: every change happens in
 * that same context).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-stream-private.h"

/* ---- shared ------------------------------------------------------------------------- */

static gboolean
get_info (SrpStream *stream, SrpCoreStreamInfo *info)
{
  return stream != NULL &&
         srp_core_stream_get_info (srp_peer_get_core (srp_stream_get_peer (stream)),
                                   srp_stream_get_handle (stream), info);
}

static gboolean
can_read (SrpStream *stream)
{
  SrpCoreStreamInfo info;

  /* A closed stream is "readable": the read reports why. */
  if (!get_info (stream, &info))
    return TRUE;
  return info.readable > 0 || info.at_end || info.closed || srp_stream_is_closed (stream);
}

static gboolean
can_write (SrpStream *stream)
{
  SrpCoreStreamInfo info;

  if (!get_info (stream, &info))
    return TRUE;
  return info.writable > 0 || info.closed || srp_stream_is_closed (stream);
}

typedef gboolean (*ReadyFunc) (SrpStream *stream);

/* A pollable source of our own (GIO's pollable source wants a child that
 * wakes it; ours asks the core in prepare instead). */
typedef struct {
  GSource source;
  GObject *pollable;
  SrpStream *stream; /* weak */
  ReadyFunc ready;
} ReadySource;

static gboolean
ready_prepare (GSource *source, gint *timeout)
{
  ReadySource *rs = (ReadySource *) source;

  *timeout = -1;
  return rs->stream == NULL || rs->ready (rs->stream);
}

static gboolean
ready_check (GSource *source)
{
  gint timeout;
  return ready_prepare (source, &timeout);
}

static gboolean
ready_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  ReadySource *rs = (ReadySource *) source;

  return callback != NULL ? ((GPollableSourceFunc) (void (*) (void)) callback) (rs->pollable,
                                                                                 user_data)
                          : G_SOURCE_CONTINUE;
}

static void
ready_finalize (GSource *source)
{
  ReadySource *rs = (ReadySource *) source;

  if (rs->stream != NULL)
    g_object_remove_weak_pointer (G_OBJECT (rs->stream), (gpointer *) &rs->stream);
  g_clear_object (&rs->pollable);
}

/* For bindings, which set closures on sources. */
static gboolean
ready_closure_callback (GObject *pollable, gpointer data)
{
  GClosure *closure = data;
  GValue param = G_VALUE_INIT;
  GValue result = G_VALUE_INIT;
  gboolean again;

  g_value_init (&result, G_TYPE_BOOLEAN);
  g_value_init (&param, G_TYPE_OBJECT);
  g_value_set_object (&param, pollable);
  g_closure_invoke (closure, &result, 1, &param, NULL);
  again = g_value_get_boolean (&result);
  g_value_unset (&result);
  g_value_unset (&param);
  return again;
}

static GSourceFuncs ready_funcs = {
  .prepare = ready_prepare,
  .check = ready_check,
  .dispatch = ready_dispatch,
  .finalize = ready_finalize,
  .closure_callback = (GSourceFunc) (void (*) (void)) ready_closure_callback,
};

static GSource *
make_source (GObject *pollable, SrpStream *stream, ReadyFunc ready, GCancellable *cancellable)
{
  ReadySource *rs = (ReadySource *) g_source_new (&ready_funcs, sizeof (ReadySource));

  g_source_set_name ((GSource *) rs, "SrpStream");
  rs->pollable = g_object_ref (pollable);
  rs->stream = stream;
  rs->ready = ready;
  if (stream != NULL)
    g_object_add_weak_pointer (G_OBJECT (stream), (gpointer *) &rs->stream);
  if (cancellable != NULL)
    {
      GSource *cancelled = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source ((GSource *) rs, cancelled);
      g_source_unref (cancelled);
    }
  return (GSource *) rs;
}

/* The core is not for threads: a call from a thread while the peer's
 * context runs elsewhere fails (GIO's default asynchronous calls of a
 * non-pollable wrapper, such as GBufferedInputStream's read_async, read in
 * a thread). *acquired: release the context after. */
static gboolean
enter (SrpStream *stream, gboolean *acquired, GError **error)
{
  GMainContext *context = srp_stream_get_peer (stream)->context;

  *acquired = FALSE;
  if (g_main_context_is_owner (context))
    return TRUE;
  if (g_main_context_acquire (context))
    {
      *acquired = TRUE;
      return TRUE;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "An SrpStream is used from the thread of its peer's main context only");
  return FALSE;
}

static void
leave (SrpStream *stream, gboolean acquired)
{
  if (acquired)
    g_main_context_release (srp_stream_get_peer (stream)->context);
}

/* Runs the peer's context until ready, or the cancellable fires. */
static gboolean
wait_until (SrpStream *stream, ReadyFunc ready, GCancellable *cancellable, GError **error)
{
  GMainContext *context = srp_stream_get_peer (stream)->context;

  while (!ready (stream))
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_main_context_iteration (context, TRUE);
    }
  return TRUE;
}

/* ---- input ---------------------------------------------------------------------------- */

#define SRP_TYPE_STREAM_INPUT (srp_stream_input_get_type ())
G_DECLARE_FINAL_TYPE (SrpStreamInput, srp_stream_input, SRP, STREAM_INPUT, GInputStream)

struct _SrpStreamInput {
  GInputStream parent_instance;
  SrpStream *stream; /* weak: the stream owns this */
};

static void srp_stream_input_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SrpStreamInput, srp_stream_input, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      srp_stream_input_pollable_init))

static gssize
input_read_nonblocking (GPollableInputStream *pollable, void *buffer, gsize count, GError **error)
{
  SrpStreamInput *self = SRP_STREAM_INPUT (pollable);
  SrpStream *stream = self->stream;
  SrpPeer *peer;
  gboolean eof = FALSE;
  gssize n;

  if (stream == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The stream is gone");
      return -1;
    }
  peer = srp_stream_get_peer (stream);
  n = srp_core_stream_read (srp_peer_get_core (peer), g_get_monotonic_time (),
                            srp_stream_get_handle (stream), buffer, count, &eof);
  /* Windows open again: the peer hears of it. */
  srp_peer_drive (peer);
  if (n > 0 || eof)
    return n;
  if (n < 0 || srp_stream_is_closed (stream))
    {
      SrpCoreStreamInfo info;

      if (get_info (stream, &info) && info.closed)
        srp_stream_set_closed (stream, info.reason);
      srp_stream_set_error (stream, FALSE, error);
      return -1;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "Nothing to read yet");
  return -1;
}

static gboolean
input_is_readable (GPollableInputStream *pollable)
{
  return can_read (SRP_STREAM_INPUT (pollable)->stream);
}

static GSource *
input_create_source (GPollableInputStream *pollable, GCancellable *cancellable)
{
  return make_source (G_OBJECT (pollable), SRP_STREAM_INPUT (pollable)->stream, can_read,
                      cancellable);
}

static void
srp_stream_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->is_readable = input_is_readable;
  iface->create_source = input_create_source;
  iface->read_nonblocking = input_read_nonblocking;
}

static gssize
input_read (GInputStream *input, void *buffer, gsize count, GCancellable *cancellable,
            GError **error)
{
  SrpStreamInput *self = SRP_STREAM_INPUT (input);
  g_autoptr (SrpStream) stream = self->stream != NULL ? g_object_ref (self->stream) : NULL;
  gboolean acquired;
  gssize n = -1;

  if (stream == NULL)
    return input_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buffer, count, error);
  if (!enter (stream, &acquired, error))
    return -1;
  if (wait_until (stream, can_read, cancellable, error))
    n = input_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buffer, count, error);
  leave (stream, acquired);
  return n;
}

/* GInputStream would close in a thread: the core is not for threads. */
static void
input_close_async (GInputStream *input, int priority, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (input, cancellable, callback, user_data);

  g_task_set_source_tag (task, input_close_async);
  g_task_return_boolean (task, TRUE);
}

static gboolean
input_close_finish (GInputStream *input, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
input_close (GInputStream *input, GCancellable *cancellable, GError **error)
{
  (void) input;
  (void) cancellable;
  (void) error;
  /* What still comes is discarded when the stream is released. */
  return TRUE;
}

static void
srp_stream_input_dispose (GObject *object)
{
  SrpStreamInput *self = SRP_STREAM_INPUT (object);

  if (self->stream != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->stream), (gpointer *) &self->stream);
  self->stream = NULL;
  G_OBJECT_CLASS (srp_stream_input_parent_class)->dispose (object);
}

static void
srp_stream_input_class_init (SrpStreamInputClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = srp_stream_input_dispose;
  G_INPUT_STREAM_CLASS (klass)->read_fn = input_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = input_close;
  G_INPUT_STREAM_CLASS (klass)->close_async = input_close_async;
  G_INPUT_STREAM_CLASS (klass)->close_finish = input_close_finish;
}

static void
srp_stream_input_init (SrpStreamInput *self)
{
  (void) self;
}

GInputStream *
srp_stream_input_new (SrpStream *stream)
{
  SrpStreamInput *self = g_object_new (SRP_TYPE_STREAM_INPUT, NULL);

  self->stream = stream;
  g_object_add_weak_pointer (G_OBJECT (stream), (gpointer *) &self->stream);
  return G_INPUT_STREAM (self);
}

/* ---- output --------------------------------------------------------------------------- */

#define SRP_TYPE_STREAM_OUTPUT (srp_stream_output_get_type ())
G_DECLARE_FINAL_TYPE (SrpStreamOutput, srp_stream_output, SRP, STREAM_OUTPUT, GOutputStream)

struct _SrpStreamOutput {
  GOutputStream parent_instance;
  SrpStream *stream; /* weak */
};

static void srp_stream_output_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SrpStreamOutput, srp_stream_output, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      srp_stream_output_pollable_init))

static gssize
output_write_nonblocking (GPollableOutputStream *pollable, const void *buffer, gsize count,
                          GError **error)
{
  SrpStreamOutput *self = SRP_STREAM_OUTPUT (pollable);
  SrpStream *stream = self->stream;
  SrpPeer *peer;
  gssize n;

  if (stream == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The stream is gone");
      return -1;
    }
  if (count == 0)
    return 0;
  peer = srp_stream_get_peer (stream);
  n = srp_core_stream_write (srp_peer_get_core (peer), g_get_monotonic_time (),
                             srp_stream_get_handle (stream), buffer, count);
  srp_peer_drive (peer);
  if (n > 0)
    return n;
  if (n < 0 || srp_stream_is_closed (stream))
    {
      SrpCoreStreamInfo info;

      if (get_info (stream, &info) && info.closed)
        srp_stream_set_closed (stream, info.reason);
      srp_stream_set_error (stream, TRUE, error);
      return -1;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "The send buffer is full");
  return -1;
}

static gboolean
output_is_writable (GPollableOutputStream *pollable)
{
  return can_write (SRP_STREAM_OUTPUT (pollable)->stream);
}

static GSource *
output_create_source (GPollableOutputStream *pollable, GCancellable *cancellable)
{
  return make_source (G_OBJECT (pollable), SRP_STREAM_OUTPUT (pollable)->stream, can_write,
                      cancellable);
}

static void
srp_stream_output_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->is_writable = output_is_writable;
  iface->create_source = output_create_source;
  iface->write_nonblocking = output_write_nonblocking;
}

static gssize
output_write (GOutputStream *output, const void *buffer, gsize count, GCancellable *cancellable,
              GError **error)
{
  SrpStreamOutput *self = SRP_STREAM_OUTPUT (output);
  g_autoptr (SrpStream) stream = self->stream != NULL ? g_object_ref (self->stream) : NULL;
  gboolean acquired;
  gssize n = -1;

  if (stream == NULL)
    return output_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output), buffer, count, error);
  if (!enter (stream, &acquired, error))
    return -1;
  if (wait_until (stream, can_write, cancellable, error))
    n = output_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output), buffer, count, error);
  leave (stream, acquired);
  return n;
}

/* Every byte and the end acknowledged, or the stream over. */
static gboolean
delivered (SrpStream *stream)
{
  SrpCoreStreamInfo info;

  if (!get_info (stream, &info))
    return TRUE;
  return info.delivered || info.closed || srp_stream_is_closed (stream);
}

static void
send_end (SrpStreamOutput *self)
{
  SrpPeer *peer = srp_stream_get_peer (self->stream);

  /* The end goes after the last byte; the other side reads it there. */
  srp_core_stream_finish (srp_peer_get_core (peer), g_get_monotonic_time (),
                          srp_stream_get_handle (self->stream));
  srp_peer_drive (peer);
}

/* Closing completes once the other peer has everything: a program may
 * exit (and its peer close) right after. */
static gboolean
output_close (GOutputStream *output, GCancellable *cancellable, GError **error)
{
  SrpStreamOutput *self = SRP_STREAM_OUTPUT (output);
  gboolean acquired, ok = TRUE;

  if (self->stream == NULL)
    return TRUE;
  if (!enter (self->stream, &acquired, error))
    return FALSE;
  send_end (self);
  if (!srp_stream_is_releasing (self->stream))
    ok = wait_until (self->stream, delivered, cancellable, error);
  leave (self->stream, acquired);
  return ok;
}

static gboolean
on_delivered (GObject *pollable, gpointer user_data)
{
  GTask *task = user_data;

  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

/* GOutputStream would close in a thread: the core is not for threads. */
static void
output_close_async (GOutputStream *output, int priority, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  SrpStreamOutput *self = SRP_STREAM_OUTPUT (output);
  GTask *task = g_task_new (output, cancellable, callback, user_data);
  GSource *source;

  g_task_set_source_tag (task, output_close_async);
  if (self->stream == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  send_end (self);
  source = make_source (G_OBJECT (output), self->stream, delivered, NULL);
  g_source_set_priority (source, priority);
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) on_delivered, task,
                         g_object_unref);
  g_source_attach (source, srp_stream_get_peer (self->stream)->context);
  g_source_unref (source);
}

static gboolean
output_close_finish (GOutputStream *output, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
srp_stream_output_dispose (GObject *object)
{
  SrpStreamOutput *self = SRP_STREAM_OUTPUT (object);

  if (self->stream != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->stream), (gpointer *) &self->stream);
  self->stream = NULL;
  G_OBJECT_CLASS (srp_stream_output_parent_class)->dispose (object);
}

static void
srp_stream_output_class_init (SrpStreamOutputClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = srp_stream_output_dispose;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = output_write;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = output_close;
  G_OUTPUT_STREAM_CLASS (klass)->close_async = output_close_async;
  G_OUTPUT_STREAM_CLASS (klass)->close_finish = output_close_finish;
}

static void
srp_stream_output_init (SrpStreamOutput *self)
{
  (void) self;
}

GOutputStream *
srp_stream_output_new (SrpStream *stream)
{
  SrpStreamOutput *self = g_object_new (SRP_TYPE_STREAM_OUTPUT, NULL);

  self->stream = stream;
  g_object_add_weak_pointer (G_OBJECT (stream), (gpointer *) &self->stream);
  return G_OUTPUT_STREAM (self);
}
