/* srp-operation.c: SrpPeer's asynchronous operations.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-operation.h"

struct _SrpOperations {
  GMainContext *context;
  SrpOperationsCancel cancel;
  gpointer user_data;
  GHashTable *waiting; /* guint64 * (in the operation) -> SrpOperation *, owned */
};

struct _SrpOperation {
  SrpOperations *owner;
  guint64 request;
  GTask *task;
  GSource *cancel_source;
  SrpOperationFinish finish;
  SrpCoreEvent result;
};

static void
operation_free (gpointer data)
{
  SrpOperation *op = data;

  if (op->cancel_source != NULL)
    {
      g_source_destroy (op->cancel_source);
      g_source_unref (op->cancel_source);
    }
  g_clear_object (&op->task);
  g_free (op);
}

SrpOperations *
srp_operations_new (GMainContext *context, SrpOperationsCancel cancel, gpointer user_data)
{
  SrpOperations *operations = g_new0 (SrpOperations, 1);

  operations->context = g_main_context_ref (context);
  operations->cancel = cancel;
  operations->user_data = user_data;
  operations->waiting = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, operation_free);
  return operations;
}

void
srp_operations_free (SrpOperations *operations)
{
  if (operations == NULL)
    return;
  g_hash_table_unref (operations->waiting);
  g_main_context_unref (operations->context);
  g_free (operations);
}

/* Takes an operation out of the table; the caller owns it then. */
static SrpOperation *
steal (SrpOperations *operations, SrpOperation *op)
{
  g_hash_table_steal (operations->waiting, &op->request);
  return op;
}

static gboolean
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  SrpOperation *op = steal (((SrpOperation *) user_data)->owner, user_data);
  SrpOperations *operations = op->owner;
  guint64 request = op->request;
  GTask *task = g_steal_pointer (&op->task);

  /* The source is being dispatched: it is freed by GLib, not destroyed. */
  g_clear_pointer (&op->cancel_source, g_source_unref);
  operation_free (op);
  if (operations->cancel != NULL)
    operations->cancel (request, operations->user_data);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

void
srp_operations_start (SrpOperations *operations, guint64 request, GTask *task,
                      SrpOperationFinish finish)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  SrpOperation *op = g_new0 (SrpOperation, 1);

  op->owner = operations;
  op->request = request;
  op->task = g_object_ref (task);
  op->finish = finish;
  if (cancellable != NULL)
    {
      op->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (op->cancel_source, G_SOURCE_FUNC (on_cancelled), op, NULL);
      g_source_attach (op->cancel_source, operations->context);
    }
  g_hash_table_replace (operations->waiting, &op->request, op);
}

SrpOperation *
srp_operations_take (SrpOperations *operations, const SrpCoreEvent *event)
{
  guint64 request = srp_core_event_request (event);
  SrpOperation *op;

  if (request == 0 || (op = g_hash_table_lookup (operations->waiting, &request)) == NULL)
    return NULL;
  steal (operations, op);
  op->result = *event;
  return op;
}

void
srp_operation_finish (SrpOperation *op)
{
  op->finish (op->task, &op->result);
  operation_free (op);
}

void
srp_operations_close (SrpOperations *operations)
{
  g_autoptr (GPtrArray) waiting = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  SrpOperation *op;

  g_hash_table_iter_init (&iter, operations->waiting);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &op))
    {
      g_ptr_array_add (waiting, g_steal_pointer (&op->task));
      g_hash_table_iter_remove (&iter);
    }
  for (guint i = 0; i < waiting->len; i++)
    g_task_return_new_error (waiting->pdata[i], G_IO_ERROR, G_IO_ERROR_CLOSED,
                             "The peer was closed");
}

guint
srp_operations_count (SrpOperations *operations)
{
  return g_hash_table_size (operations->waiting);
}
