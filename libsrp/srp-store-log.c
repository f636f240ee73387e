/* srp-store-log.c: the store's redo log, what makes a change safe from a
 * kill at the cost of a memcpy.
 *
 * A SQLite commit writes every page the transaction touched into the WAL:
 * for one publish (a cache row, its index, the outbox, the chain head)
 * some 20 KiB, several times what publishing itself costs. So the changes
 * of a turn are appended here as one record (a few hundred bytes, no
 * fsync), which is all a kill -9 needs: the kernel has the bytes. The log
 * is a file mapped shared, space reserved with posix_fallocate: a record
 * is a memcpy into the page cache, no system call (a disk too full to
 * reserve more falls back to pwrite, never to a SIGBUS). SQLite takes them in batches (srp_store_commit, every few tens of
 * milliseconds), and the log starts over after each. Opening a store
 * replays what the log holds into SQLite first; replaying changes SQLite
 * already has is harmless (each is "insert or ignore", "delete" or
 * "replace", taken in order).
 *
 * A record: "SRPL", the log's epoch, the payload's length and its hash
 * (record_hash of epoch and payload; 32-bit, little endian), then the
 * payload: its changes one after the other, each its
 * type (1 byte), its wall-clock time (8), then by type: an ID (32 bytes);
 * ID, life (8), frame; ID, topic, life, frames (4-byte count, then each
 * with a 4-byte length); topic, ID; or a serialised GVariant with a 4-byte
 * length. Integers little endian. No GVariant on the hot path. A
 * record cut short or damaged (a power loss, not a kill) ends the replay:
 * what follows it cannot be trusted either.
 *
 * The log starts over in place: offset 0 holds an empty record of a new
 * epoch, and new records follow it. Records of an earlier epoch still
 * further on in the file are stale, and the replay stops at the first
 * record whose epoch is not the first one's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "srp-error.h"

#define MAGIC "SRPL"
#define HEADER_LEN 16
#define RECORD_MAX (64 * 1024 * 1024)
#define MAP_STEP (1024 * 1024)         /* the mapping grows by whole MiB */
#define MAP_KEEP (8 * 1024 * 1024)     /* larger than this, a reset shrinks it back */

struct _SrpStoreLog {
  char *path;
  int fd;
  GByteArray *record; /* the header, then the changes added since the last write */
  gboolean urgent;    /* record holds a change that must not be lost */
  guint32 epoch;
  gsize offset;       /* where the next record goes */
  guint8 *map;        /* the file, mapped shared; NULL: pwrite instead */
  gsize map_len;
  gboolean no_map;    /* space could not be reserved: pwrite from here on */
};

/* FNV-1a over 8-byte words (then the tail bytes), folded to 32 bits: a
 * record is checked for damage, not for an adversary. */
static guint32
record_hash (guint32 epoch, const guint8 *data, gsize len)
{
  guint64 h = (14695981039346656037u ^ epoch) * 1099511628211u;
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 word;
      memcpy (&word, data + i, 8);
      h = (h ^ word) * 1099511628211u;
    }
  for (; i < len; i++)
    h = (h ^ data[i]) * 1099511628211u;
  return (guint32) (h ^ (h >> 32));
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
  log->record = g_byte_array_new ();
  g_byte_array_set_size (log->record, HEADER_LEN);
  return log;
}

void
srp_store_log_free (SrpStoreLog *log)
{
  if (log == NULL)
    return;
  g_clear_pointer (&log->record, g_byte_array_unref);
  if (log->map != NULL)
    munmap (log->map, log->map_len);
  if (log->fd >= 0)
    close (log->fd);
  g_free (log->path);
  g_free (log);
}

/* ---- encoding ------------------------------------------------------------------------- */

static void
put (GByteArray *out, const void *data, gsize len)
{
  g_byte_array_append (out, data, (guint) len);
}

static void
put_u32 (GByteArray *out, guint32 v)
{
  v = GUINT32_TO_LE (v);
  put (out, &v, 4);
}

static void
put_i64 (GByteArray *out, gint64 v)
{
  guint64 u = GUINT64_TO_LE ((guint64) v);
  put (out, &u, 8);
}

static void
put_bytes (GByteArray *out, const void *data, gsize len)
{
  put_u32 (out, (guint32) len);
  if (len > 0)
    put (out, data, len);
}

void
srp_store_log_add (SrpStoreLog *log, const StoreChange *change)
{
  GByteArray *out = log->record;
  const SrpStateChange *c = &change->c;
  guint8 type = (guint8) c->type;

  put (out, &type, 1);
  put_i64 (out, change->wall_us);
  if (c->type != SRP_STATE_CHANGE_CACHE_REMOVE && c->type != SRP_STATE_CHANGE_OUTBOX_REMOVE)
    log->urgent = TRUE;
  switch (c->type)
    {
    case SRP_STATE_CHANGE_CACHE_ADD:
      put (out, c->id.bytes, SRP_ID_LEN);
      put_i64 (out, c->life_us);
      put_bytes (out, g_bytes_get_data (c->frame, NULL), g_bytes_get_size (c->frame));
      break;
    case SRP_STATE_CHANGE_OUTBOX_ADD:
      put (out, c->id.bytes, SRP_ID_LEN);
      put (out, c->topic.bytes, SRP_ID_LEN);
      put_i64 (out, c->life_us);
      put_u32 (out, c->frames->len);
      for (guint i = 0; i < c->frames->len; i++)
        put_bytes (out, g_bytes_get_data (c->frames->pdata[i], NULL),
                   g_bytes_get_size (c->frames->pdata[i]));
      break;
    case SRP_STATE_CHANGE_CHAIN_HEAD:
      put (out, c->topic.bytes, SRP_ID_LEN);
      put (out, c->id.bytes, SRP_ID_LEN);
      break;
    case SRP_STATE_CHANGE_SUBSCRIPTIONS:
    case SRP_STATE_CHANGE_KNOWN_PEERS:
      put_bytes (out, g_variant_get_data (c->value), g_variant_get_size (c->value));
      break;
    default:
      put (out, c->id.bytes, SRP_ID_LEN);
      break;
    }
}

/* Room for len more bytes at the offset, in the mapping; FALSE: none
 * (pwrite then). */
static gboolean
ensure_mapped (SrpStoreLog *log, gsize len)
{
  gsize need = log->offset + len, size;
  guint8 *map;

  if (log->no_map)
    return FALSE;
  if (log->map != NULL && need <= log->map_len)
    return TRUE;
  size = MAX (log->map_len * 2, (need + MAP_STEP - 1) / MAP_STEP * MAP_STEP);
  /* Blocks reserved first: a store into a mapped hole the disk cannot fill
   * would be a SIGBUS. */
  if (posix_fallocate (log->fd, 0, (off_t) size) != 0 ||
      (map = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, log->fd, 0)) == MAP_FAILED)
    {
      log->no_map = TRUE;
      if (log->map != NULL)
        munmap (log->map, log->map_len);
      log->map = NULL;
      log->map_len = 0;
      return FALSE;
    }
  if (log->map != NULL)
    munmap (log->map, log->map_len);
  log->map = map;
  log->map_len = size;
  return TRUE;
}

static gboolean
put_at (SrpStoreLog *log, const guint8 *data, gsize len, GError **error)
{
  gsize done = 0;

  if (ensure_mapped (log, len))
    {
      memcpy (log->map + log->offset, data, len);
      log->offset += len;
      return TRUE;
    }
  while (done < len)
    {
      ssize_t n = pwrite (log->fd, data + done, len - done, (off_t) (log->offset + done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail_errno (log, "cannot write the log", errno, error);
      done += (gsize) n;
    }
  log->offset += len;
  return TRUE;
}

/* Fills in the header of a record whose payload follows it in data. */
static void
seal (guint32 epoch, guint8 *data, gsize payload_len)
{
  guint32 e = GUINT32_TO_LE (epoch), size = GUINT32_TO_LE ((guint32) payload_len);
  guint32 hash = GUINT32_TO_LE (record_hash (epoch, data + HEADER_LEN, payload_len));

  memcpy (data, MAGIC, 4);
  memcpy (data + 4, &e, 4);
  memcpy (data + 8, &size, 4);
  memcpy (data + 12, &hash, 4);
}

gboolean
srp_store_log_write (SrpStoreLog *log, gboolean force, GError **error)
{
  GByteArray *record = log->record;
  gboolean ok;

  if (record->len == HEADER_LEN || !(log->urgent || force))
    return TRUE;
  log->urgent = FALSE;
  seal (log->epoch, record->data, record->len - HEADER_LEN);
  ok = put_at (log, record->data, record->len, error);
  g_byte_array_set_size (record, HEADER_LEN);
  return ok;
}

/* ---- decoding: bounds-checked, as anything read back from a disk ------------------------ */

typedef struct {
  const guint8 *p, *end;
  gboolean ok;
} Reader;

static const guint8 *
take_bytes (Reader *r, gsize n)
{
  const guint8 *at = r->p;

  if (!r->ok || (gsize) (r->end - r->p) < n)
    {
      r->ok = FALSE;
      return NULL;
    }
  r->p += n;
  return at;
}

static void
get_id (Reader *r, SrpId *out)
{
  const guint8 *at = take_bytes (r, SRP_ID_LEN);
  if (at != NULL)
    memcpy (out->bytes, at, SRP_ID_LEN);
}

/* A little-endian integer of n bytes (4 or 8). */
static guint64
get_le (Reader *r, gsize n)
{
  const guint8 *at = take_bytes (r, n);
  guint64 v = 0;

  for (gsize i = 0; at != NULL && i < n; i++)
    v |= (guint64) at[i] << (8 * i);
  return v;
}

static gint64
get_i64 (Reader *r)
{
  return (gint64) get_le (r, 8);
}

static guint32
get_u32 (Reader *r)
{
  return (guint32) get_le (r, 4);
}

static GBytes *
get_bytes (Reader *r)
{
  guint32 n = get_u32 (r);
  const guint8 *at = take_bytes (r, n);

  return at != NULL ? g_bytes_new (at, n) : NULL;
}

/* One change; FALSE (nothing made) when it does not decode. */
static gboolean
get_change (Reader *r, StoreChange *out)
{
  SrpStateChange *c = &out->c;
  const guint8 *type = take_bytes (r, 1);

  memset (out, 0, sizeof *out);
  out->wall_us = get_i64 (r);
  if (type == NULL || !r->ok)
    return FALSE;
  c->type = *type;
  switch (c->type)
    {
    case SRP_STATE_CHANGE_CACHE_ADD:
      get_id (r, &c->id);
      c->life_us = get_i64 (r);
      c->frame = get_bytes (r);
      break;
    case SRP_STATE_CHANGE_OUTBOX_ADD:
      {
        guint32 n;

        get_id (r, &c->id);
        get_id (r, &c->topic);
        c->life_us = get_i64 (r);
        n = get_u32 (r);
        c->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
        for (guint32 i = 0; i < n && r->ok; i++)
          {
            GBytes *frame = get_bytes (r);
            if (frame != NULL)
              g_ptr_array_add (c->frames, frame);
          }
      }
      break;
    case SRP_STATE_CHANGE_CHAIN_HEAD:
      get_id (r, &c->topic);
      get_id (r, &c->id);
      break;
    case SRP_STATE_CHANGE_SUBSCRIPTIONS:
    case SRP_STATE_CHANGE_KNOWN_PEERS:
      {
        g_autoptr (GBytes) bytes = get_bytes (r);
        const GVariantType *vt = G_VARIANT_TYPE (c->type == SRP_STATE_CHANGE_SUBSCRIPTIONS
                                                     ? "aay"
                                                     : "a(ay(yqay)yx)");

        if (bytes != NULL)
          {
            c->value = g_variant_ref_sink (g_variant_new_from_bytes (vt, bytes, FALSE));
            r->ok = g_variant_is_normal_form (c->value);
          }
      }
      break;
    case SRP_STATE_CHANGE_CACHE_REMOVE:
    case SRP_STATE_CHANGE_DELIVERED:
    case SRP_STATE_CHANGE_OUTBOX_REMOVE:
      get_id (r, &c->id);
      break;
    default:
      r->ok = FALSE;
    }
  if (!r->ok)
    srp_state_change_clear (c);
  return r->ok;
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
      guint32 epoch, size, hash;
      Reader r;
      StoreChange change;

      memcpy (&epoch, contents + at + 4, 4);
      memcpy (&size, contents + at + 8, 4);
      memcpy (&hash, contents + at + 12, 4);
      epoch = GUINT32_FROM_LE (epoch);
      size = GUINT32_FROM_LE (size);
      hash = GUINT32_FROM_LE (hash);
      if (at == 0)
        log->epoch = epoch;
      if (epoch != log->epoch || size > RECORD_MAX || size > len - at - HEADER_LEN ||
          record_hash (epoch, (const guint8 *) contents + at + HEADER_LEN, size) != hash)
        break;
      r.p = (const guint8 *) contents + at + HEADER_LEN;
      r.end = r.p + size;
      r.ok = TRUE;
      while (r.p < r.end && get_change (&r, &change))
        func (&change, data);
      if (!r.ok)
        break;
      at += HEADER_LEN + size;
    }
  return TRUE;
}

gboolean
srp_store_log_reset (SrpStoreLog *log, GError **error)
{
  guint8 marker[HEADER_LEN];

  g_byte_array_set_size (log->record, HEADER_LEN);
  log->urgent = FALSE;
  if (log->map_len > MAP_KEEP)
    {
      munmap (log->map, log->map_len);
      log->map = NULL;
      log->map_len = 0;
      if (ftruncate (log->fd, 0) != 0)
        return fail_errno (log, "cannot shrink the log", errno, error);
    }
  /* An empty record of a new epoch at the start: whatever follows it in
   * the file is stale from here on. */
  log->epoch++;
  log->offset = 0;
  seal (log->epoch, marker, 0);
  return put_at (log, marker, sizeof marker, error);
}
