/* srp-status-stream.c: a GIOStream whose output counts what reaches the base
 * stream (see srp-status-stream.h for why).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-status-stream.h"

/* The output half: a pollable stream that forwards to the base output. */
#define SRP_TYPE_STATUS_OUTPUT (srp_status_output_get_type ())
G_DECLARE_FINAL_TYPE (SrpStatusOutput, srp_status_output, SRP, STATUS_OUTPUT, GOutputStream)

struct _SrpStatusOutput {
  GOutputStream parent_instance;

  GOutputStream *base;
  guint64 written;
  SrpStatusStreamWroteFunc wrote;
  gpointer wrote_data;
};

static void srp_status_output_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SrpStatusOutput, srp_status_output, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      srp_status_output_pollable_init))

static gssize
counted (SrpStatusOutput *self, gssize n)
{
  if (n > 0)
    {
      self->written += (guint64) n;
      if (self->wrote != NULL)
        self->wrote (self->wrote_data);
    }
  return n;
}

static gssize
srp_status_output_write (GOutputStream *stream, const void *buffer, gsize count,
                         GCancellable *cancellable, GError **error)
{
  SrpStatusOutput *self = SRP_STATUS_OUTPUT (stream);

  return counted (self, g_output_stream_write (self->base, buffer, count, cancellable, error));
}

static gboolean
srp_status_output_flush (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  return g_output_stream_flush (SRP_STATUS_OUTPUT (stream)->base, cancellable, error);
}

/* The base output belongs to the base GIOStream, which closes it. */
static gboolean
srp_status_output_close (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  return TRUE;
}

static gboolean
srp_status_output_can_poll (GPollableOutputStream *stream)
{
  return g_pollable_output_stream_can_poll (
    G_POLLABLE_OUTPUT_STREAM (SRP_STATUS_OUTPUT (stream)->base));
}

static gboolean
srp_status_output_is_writable (GPollableOutputStream *stream)
{
  return g_pollable_output_stream_is_writable (
    G_POLLABLE_OUTPUT_STREAM (SRP_STATUS_OUTPUT (stream)->base));
}

/* The base's source, dispatched with this stream as its argument. */
static GSource *
srp_status_output_create_source (GPollableOutputStream *stream, GCancellable *cancellable)
{
  SrpStatusOutput *self = SRP_STATUS_OUTPUT (stream);
  g_autoptr (GSource) base_source =
    g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM (self->base), NULL);

  return g_pollable_source_new_full (self, base_source, cancellable);
}

static gssize
srp_status_output_write_nonblocking (GPollableOutputStream *stream, const void *buffer,
                                     gsize count, GError **error)
{
  SrpStatusOutput *self = SRP_STATUS_OUTPUT (stream);

  return counted (self, g_pollable_output_stream_write_nonblocking (
                          G_POLLABLE_OUTPUT_STREAM (self->base), buffer, count, NULL, error));
}

static void
srp_status_output_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = srp_status_output_can_poll;
  iface->is_writable = srp_status_output_is_writable;
  iface->create_source = srp_status_output_create_source;
  iface->write_nonblocking = srp_status_output_write_nonblocking;
}

static void
srp_status_output_finalize (GObject *object)
{
  g_clear_object (&SRP_STATUS_OUTPUT (object)->base);

  G_OBJECT_CLASS (srp_status_output_parent_class)->finalize (object);
}

static void
srp_status_output_class_init (SrpStatusOutputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  object_class->finalize = srp_status_output_finalize;
  stream_class->write_fn = srp_status_output_write;
  stream_class->flush = srp_status_output_flush;
  stream_class->close_fn = srp_status_output_close;
}

static void
srp_status_output_init (SrpStatusOutput *self)
{
}

/* The stream itself: the base's input, the counting output. */
struct _SrpStatusStream {
  GIOStream parent_instance;

  GIOStream *base;
  SrpStatusOutput *output;
};

G_DEFINE_FINAL_TYPE (SrpStatusStream, srp_status_stream, G_TYPE_IO_STREAM)

static GInputStream *
srp_status_stream_get_input_stream (GIOStream *stream)
{
  return g_io_stream_get_input_stream (SRP_STATUS_STREAM (stream)->base);
}

static GOutputStream *
srp_status_stream_get_output_stream (GIOStream *stream)
{
  return G_OUTPUT_STREAM (SRP_STATUS_STREAM (stream)->output);
}

static gboolean
srp_status_stream_close (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  return g_io_stream_close (SRP_STATUS_STREAM (stream)->base, cancellable, error);
}

static void
on_base_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* GIOStream's default would close the base in a thread; the base belongs to
 * the main context. */
static void
srp_status_stream_close_async (GIOStream *stream, int io_priority, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, srp_status_stream_close_async);
  g_io_stream_close_async (SRP_STATUS_STREAM (stream)->base, io_priority, cancellable,
                           on_base_closed, task);
}

static gboolean
srp_status_stream_close_finish (GIOStream *stream, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
srp_status_stream_finalize (GObject *object)
{
  SrpStatusStream *self = SRP_STATUS_STREAM (object);

  g_clear_object (&self->output);
  g_clear_object (&self->base);

  G_OBJECT_CLASS (srp_status_stream_parent_class)->finalize (object);
}

static void
srp_status_stream_class_init (SrpStatusStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->finalize = srp_status_stream_finalize;
  stream_class->get_input_stream = srp_status_stream_get_input_stream;
  stream_class->get_output_stream = srp_status_stream_get_output_stream;
  stream_class->close_fn = srp_status_stream_close;
  stream_class->close_async = srp_status_stream_close_async;
  stream_class->close_finish = srp_status_stream_close_finish;
}

static void
srp_status_stream_init (SrpStatusStream *self)
{
}

GIOStream *
srp_status_stream_new (GIOStream *base)
{
  SrpStatusStream *self = g_object_new (SRP_TYPE_STATUS_STREAM, NULL);

  self->base = g_object_ref (base);
  self->output = g_object_new (SRP_TYPE_STATUS_OUTPUT, NULL);
  self->output->base = g_object_ref (g_io_stream_get_output_stream (base));
  return G_IO_STREAM (self);
}

void
srp_status_stream_set_wrote_func (SrpStatusStream *self, SrpStatusStreamWroteFunc func,
                                  gpointer user_data)
{
  self->output->wrote = func;
  self->output->wrote_data = user_data;
}

guint64
srp_status_stream_get_written (SrpStatusStream *self)
{
  return self->output->written;
}
