/* srp-peer-requests.c: GTasks waiting for the core's answers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-requests.h"

struct _SrpPeerRequests {
  GMainContext *context;
  GHashTable *pending; /* guint64 * (in the entry) -> Entry *, owned */
};

typedef struct {
  guint64 request;
  GTask *task;
  GSource *cancel_source;
  SrpPeerRequests *owner;
} Entry;

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  if (entry->cancel_source != NULL)
    {
      g_source_destroy (entry->cancel_source);
      g_source_unref (entry->cancel_source);
    }
  g_clear_object (&entry->task);
  g_free (entry);
}

SrpPeerRequests *
srp_peer_requests_new (GMainContext *context)
{
  SrpPeerRequests *requests = g_new0 (SrpPeerRequests, 1);

  requests->context = g_main_context_ref (context);
  requests->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, entry_free);
  return requests;
}

void
srp_peer_requests_free (SrpPeerRequests *requests)
{
  if (requests == NULL)
    return;
  g_hash_table_unref (requests->pending);
  g_main_context_unref (requests->context);
  g_free (requests);
}

/* Removes the entry and hands over its task. */
static GTask *
steal_task (SrpPeerRequests *requests, Entry *entry)
{
  GTask *task = g_steal_pointer (&entry->task);

  g_hash_table_remove (requests->pending, &entry->request);
  return task;
}

static gboolean
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  Entry *entry = user_data;
  g_autoptr (GTask) task = steal_task (entry->owner, entry);

  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

void
srp_peer_requests_add (SrpPeerRequests *requests, guint64 request, GTask *task)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  Entry *entry = g_new0 (Entry, 1);

  entry->request = request;
  entry->task = g_object_ref (task);
  entry->owner = requests;
  if (cancellable != NULL)
    {
      entry->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (entry->cancel_source, G_SOURCE_FUNC (on_cancelled), entry, NULL);
      g_source_attach (entry->cancel_source, requests->context);
    }
  g_hash_table_replace (requests->pending, &entry->request, entry);
}

GTask *
srp_peer_requests_take (SrpPeerRequests *requests, guint64 request)
{
  Entry *entry = g_hash_table_lookup (requests->pending, &request);

  return entry != NULL ? steal_task (requests, entry) : NULL;
}

void
srp_peer_requests_close (SrpPeerRequests *requests)
{
  g_autoptr (GPtrArray) waiting = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  Entry *entry;

  g_hash_table_iter_init (&iter, requests->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      g_ptr_array_add (waiting, g_steal_pointer (&entry->task));
      g_hash_table_iter_remove (&iter);
    }
  for (guint i = 0; i < waiting->len; i++)
    g_task_return_new_error (waiting->pdata[i], G_IO_ERROR, G_IO_ERROR_CLOSED,
                             "The peer was closed");
}
