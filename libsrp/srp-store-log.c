/* srp-store-log.c: the store's redo log, what makes a change safe from a
 * kill at the cost of one write().
 *
 * A SQLite commit writes every page the transaction touched into the WAL:
 * for one publish (a cache row, its index, the outbox, the chain head)
 * some 20 KiB, several times what publishing itself costs. So the changes
 * of a turn are appended here as one record (a few hundred bytes, one
 * write(), no fsync), which is all a kill -9 needs: the kernel has the
 * bytes. SQLite takes them in batches (srp_store_commit, every few tens of
 * milliseconds), and the log starts over after each. Opening a store
 * replays what the log holds into SQLite first; replaying changes SQLite
 * already has is harmless (each is "insert or ignore", "delete" or
 * "replace", taken in order).
 *
 * A record: "SRPL", the payload's length and its FNV-1a hash (32-bit, little
 * endian), then the payload, a serialised a(uxv) of (change type, its
 * wall-clock time, value). A
 * record cut short or damaged (a power loss, not a kill) ends the replay:
 * what follows it cannot be trusted either.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "srp-error.h"

#define MAGIC "SRPL"
#define HEADER_LEN 12
#define RECORD_MAX (64 * 1024 * 1024)

struct _SrpStoreLog {
  char *path;
  int fd;
  GVariantBuilder builder;
  guint pending;     /* changes in builder */
};

static guint32
fnv1a (const guint8 *data, gsize len)
{
  guint32 h = 2166136261u;

  for (gsize i = 0; i < len; i++)
    h = (h ^ data[i]) * 16777619u;
  return h;
}

static gboolean
fail_errno (SrpStoreLog *log, const char *what, int saved, GError **error)
{
  g_set_error (error, SRP_ERROR, SRP_ERROR_STATE, "%s: %s: %s", log->path, what,
               g_strerror (saved));
  return FALSE;
}

SrpStoreLog *
srp_store_log_open (const char *path, GError **error)
{
  SrpStoreLog *log = g_new0 (SrpStoreLog, 1);

  log->path = g_strdup (path);
  log->fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (log->fd < 0)
    {
      fail_errno (log, "cannot open the log", errno, error);
      srp_store_log_free (log);
      return NULL;
    }
  g_variant_builder_init (&log->builder, G_VARIANT_TYPE ("a(uxv)"));
  return log;
}

void
srp_store_log_free (SrpStoreLog *log)
{
  if (log == NULL)
    return;
  g_variant_builder_clear (&log->builder);
  if (log->fd >= 0)
    close (log->fd);
  g_free (log->path);
  g_free (log);
}

gboolean
srp_store_log_replay (SrpStoreLog *log, SrpStoreLogFunc func, gpointer data, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len, at = 0;
  g_autoptr (GError) read_error = NULL;

  if (!g_file_get_contents (log->path, &contents, &len, &read_error))
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_STATE, "%s", read_error->message);
      return FALSE;
    }
  while (len - at >= HEADER_LEN && memcmp (contents + at, MAGIC, 4) == 0)
    {
      guint32 size, hash;
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (GVariant) changes = NULL;
      GVariantIter iter;
      guint32 type;
      gint64 wall_us;
      GVariant *value;

      memcpy (&size, contents + at + 4, 4);
      memcpy (&hash, contents + at + 8, 4);
      size = GUINT32_FROM_LE (size);
      hash = GUINT32_FROM_LE (hash);
      if (size > RECORD_MAX || size > len - at - HEADER_LEN ||
          fnv1a ((const guint8 *) contents + at + HEADER_LEN, size) != hash)
        break;
      bytes = g_bytes_new (contents + at + HEADER_LEN, size);
      changes = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("a(uxv)"), bytes,
                                                              FALSE));
      if (!g_variant_is_normal_form (changes))
        break;
      g_variant_iter_init (&iter, changes);
      while (g_variant_iter_next (&iter, "(uxv)", &type, &wall_us, &value))
        {
          func (type, wall_us, value, data);
          g_variant_unref (value);
        }
      at += HEADER_LEN + size;
    }
  return TRUE;
}

void
srp_store_log_add (SrpStoreLog *log, SrpStateChangeType type, gint64 wall_us, GVariant *value)
{
  g_variant_builder_add (&log->builder, "(uxv)", (guint32) type, wall_us, value);
  log->pending++;
}

gboolean
srp_store_log_write (SrpStoreLog *log, GError **error)
{
  g_autoptr (GVariant) changes = NULL;
  g_autoptr (GByteArray) record = NULL;
  guint32 size, hash;
  gsize done = 0;

  if (log->pending == 0)
    return TRUE;
  changes = g_variant_ref_sink (g_variant_builder_end (&log->builder));
  g_variant_builder_init (&log->builder, G_VARIANT_TYPE ("a(uxv)"));
  log->pending = 0;
  size = GUINT32_TO_LE ((guint32) g_variant_get_size (changes));
  hash = GUINT32_TO_LE (fnv1a (g_variant_get_data (changes), g_variant_get_size (changes)));
  record = g_byte_array_sized_new (HEADER_LEN + g_variant_get_size (changes));
  g_byte_array_append (record, (const guint8 *) MAGIC, 4);
  g_byte_array_append (record, (const guint8 *) &size, 4);
  g_byte_array_append (record, (const guint8 *) &hash, 4);
  g_byte_array_append (record, g_variant_get_data (changes), g_variant_get_size (changes));
  /* O_APPEND is not needed: one writer, and reset seeks back. */
  while (done < record->len)
    {
      ssize_t n = write (log->fd, record->data + done, record->len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail_errno (log, "cannot write the log", errno, error);
      done += (gsize) n;
    }
  return TRUE;
}

gboolean
srp_store_log_reset (SrpStoreLog *log, GError **error)
{
  if (ftruncate (log->fd, 0) != 0 || lseek (log->fd, 0, SEEK_SET) != 0)
    return fail_errno (log, "cannot empty the log", errno, error);
  return TRUE;
}
