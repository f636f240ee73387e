/* srp-peer-store.c: SrpPeer's state directory. The identity key and one
 * SQLite database (srp-store.c) per identity live there; the core's state
 * is imported from it when the peer is made, and what the core changes
 * (its journal) goes to the store once per drive: a redo record (a memcpy
 * into a mapped file) before the drive sends anything or hands events on, and into
 * SQLite in batches (every SRP_STORE_BATCH_MS).
 *
 * What that buys (docs/design.md, "Persistence"): once a publish returned
 * its ID the message is safe from a kill (srp_peer_publish drives, and the
 * drive writes the record); a message's ID is written right before the
 * message is emitted, so no restart emits it again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "srp-error.h"

#define IDENTITY_FILE "identity.key"
#define LOCK_FILE "lock"

/* Two processes on one state would both be this peer, and each undo what
 * the other saved: the second is refused. The kernel lets go of the lock
 * when a holder dies, even by kill -9. */
static gboolean
lock_directory (SrpPeer *self, GError **error)
{
  g_autofree char *path = g_build_filename (self->state_directory, LOCK_FILE, NULL);
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      g_set_error (error, SRP_ERROR, SRP_ERROR_STATE,
                   saved == EWOULDBLOCK ? "The state directory %s is in use by another peer"
                                        : "Cannot lock the state directory %s: %s",
                   self->state_directory, g_strerror (saved));
      if (fd >= 0)
        close (fd);
      return FALSE;
    }
  self->state_lock = fd;
  return TRUE;
}

static void
unlock_directory (SrpPeer *self)
{
  if (self->state_lock >= 0)
    close (self->state_lock);
  self->state_lock = -1;
}

static gboolean
make_directory (const char *path, GError **error)
{
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, SRP_ERROR, SRP_ERROR_STATE, "Cannot make the state directory %s: %s",
                   path, g_strerror (saved));
      return FALSE;
    }
  if (g_access (path, W_OK) != 0)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_STATE, "The state directory %s is not writable",
                   path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
open_state (SrpPeer *self, GError **error)
{
  g_autofree char *key_path = g_build_filename (self->state_directory, IDENTITY_FILE, NULL);
  g_autofree char *db_path = NULL;
  g_autoptr (SrpIdentity) identity = NULL;
  g_autoptr (SrpStore) store = NULL;
  g_autoptr (GVariant) state = NULL;
  g_auto (GStrv) names = NULL;
  SrpCore *core;

  if (!make_directory (self->state_directory, error) || !lock_directory (self, error))
    return FALSE;
  identity = srp_identity_load_or_create (key_path, error);
  if (identity == NULL)
    return FALSE;
  db_path = srp_store_path (self->state_directory, srp_identity_get_hex_id (identity));
  store = srp_store_open (db_path, srp_identity_get_public_key (identity), error);
  if (store == NULL)
    return FALSE;
  state = srp_store_load (store, srp_identity_get_public_key (identity), error);
  if (state == NULL)
    return FALSE;
  g_variant_ref_sink (state);

  /* The identity of the directory replaces the fresh one from init, before
   * the core is made with it. */
  g_clear_pointer (&self->identity, srp_identity_free);
  self->identity = g_steal_pointer (&identity);
  srp_topic_id_for_inbox (srp_identity_get_public_key (self->identity), &self->inbox);
  core = srp_peer_get_core (self);
  if (!srp_core_import_state (core, g_get_monotonic_time (), state, error))
    {
      g_prefix_error (error, "%s: ", db_path);
      if (*error != NULL && (*error)->domain != SRP_ERROR)
        {
          (*error)->domain = SRP_ERROR;
          (*error)->code = SRP_ERROR_STATE;
        }
      return FALSE;
    }
  /* From here on every change is journalled; what import took is on disk. */
  srp_core_set_journal (core, TRUE);
  self->store = g_steal_pointer (&store);

  /* The topics the application had subscribed to come back as topics the
   * peer holds, so their messages have somewhere to go; the first
   * srp_peer_subscribe of each name returns it. */
  self->restored_topics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  names = srp_store_load_topic_names (self->store);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr (SrpTopic) topic = srp_topic_new (self, names[i]);
      g_hash_table_insert (self->restored_topics, g_strdup (names[i]), topic);
    }
  srp_peer_store_flush (self);
  return TRUE;
}

void
srp_peer_store_open (SrpPeer *self)
{
  if (self->state_directory == NULL)
    return;
  if (!open_state (self, &self->state_error))
    {
      g_clear_pointer (&self->store, srp_store_free);
      unlock_directory (self);
    }
}

static void schedule_commit (SrpPeer *self);

static gboolean
commit_due (gpointer user_data)
{
  SrpPeer *self = user_data;
  g_autoptr (GError) error = NULL;

  self->checkpoint_source = NULL;
  /* A full disk or a directory taken away: the changes stay in the log,
   * the peer goes on, and the next batch tries again. */
  if (!srp_store_commit (self->store, &error))
    g_message ("%s", error->message);
  schedule_commit (self);
  return G_SOURCE_REMOVE;
}

/* Changes waiting in the log go into SQLite within SRP_STORE_BATCH_MS; a
 * quiet peer still gets its last changes checkpointed (synced) once. */
static void
schedule_commit (SrpPeer *self)
{
  guint delay;

  if (srp_store_has_pending (self->store))
    delay = SRP_STORE_BATCH_MS;
  else if (srp_store_has_unsynced (self->store))
    delay = SRP_STORE_CHECKPOINT_US / 1000 + 100;
  else
    return;
  if (self->checkpoint_source != NULL)
    {
      if (g_source_get_ready_time (self->checkpoint_source) <=
          g_get_monotonic_time () + (gint64) delay * 1000)
        return;
      g_source_destroy (self->checkpoint_source);
    }
  self->checkpoint_source = g_timeout_source_new (delay);
  g_source_set_callback (self->checkpoint_source, commit_due, self, NULL);
  g_source_attach (self->checkpoint_source, self->context);
  g_source_unref (self->checkpoint_source);
}

void
srp_peer_store_flush (SrpPeer *self)
{
  g_autoptr (GError) error = NULL;
  SrpStateChange change;

  if (self->store == NULL)
    return;
  while (srp_core_poll_state_change (self->core, &change))
    {
      srp_store_apply (self->store, &change);
      srp_state_change_clear (&change);
    }
  /* From here on a kill loses none of it. */
  if (!srp_store_write_log (self->store, &error))
    g_message ("%s", error->message);
  else if (srp_store_has_pending (self->store) &&
           srp_store_get_n_pending (self->store) >= SRP_STORE_BATCH_MAX &&
           !srp_store_commit (self->store, &error))
    g_message ("%s", error->message);
  schedule_commit (self);
}

void
srp_peer_store_close (SrpPeer *self)
{
  if (self->checkpoint_source != NULL)
    {
      g_source_destroy (self->checkpoint_source);
      self->checkpoint_source = NULL;
    }
  if (self->store == NULL)
    return;
  srp_peer_store_flush (self);
  if (self->checkpoint_source != NULL)
    {
      g_source_destroy (self->checkpoint_source);
      self->checkpoint_source = NULL;
    }
  g_clear_pointer (&self->store, srp_store_free);
  unlock_directory (self);
  /* What the peer does while it goes away (its topics end) is not a
   * change to its saved state. */
  srp_core_set_journal (self->core, FALSE);
  g_clear_pointer (&self->restored_topics, g_hash_table_unref);
}

void
srp_peer_store_delivering (SrpPeer *self, const SrpId *message_id)
{
  g_autoptr (GError) error = NULL;

  if (self->store != NULL && !srp_store_save_delivered (self->store, message_id, &error))
    g_message ("%s", error->message);
}

void
srp_peer_store_topic (SrpPeer *self, const char *name, gboolean subscribed)
{
  if (self->store == NULL)
    return;
  srp_store_set_topic (self->store, name, subscribed);
  if (!subscribed && self->restored_topics != NULL)
    g_hash_table_remove (self->restored_topics, name);
}

SrpTopic *
srp_peer_store_take_restored_topic (SrpPeer *self, const char *name)
{
  SrpTopic *topic;

  if (self->restored_topics == NULL ||
      (topic = g_hash_table_lookup (self->restored_topics, name)) == NULL)
    return NULL;
  g_object_ref (topic);
  g_hash_table_remove (self->restored_topics, name);
  return topic;
}
