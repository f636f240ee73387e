/* gen-corpus-control.c: the seed corpus of fuzz-control-topics: valid and
 * refused SUBSCRIPTIONS, ACK, QUERY and SYNC frames, and the SYNC frames
 * of a real reconciliation (an opening and its answer), which reach deep
 * into srp_rbsr_answer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "gen-corpus.h"
#include "srp-rbsr.h"
#include "srp-rng.h"

static const char *dir;

static void
write_frame (const char *name, const guint8 *frame, gsize len)
{
  g_assert (len > 0); /* an encoder refused what a seed meant to be valid */
  gen_corpus_write (dir, name, frame, len);
}

static void
subscriptions_seeds (void)
{
  SrpSubscriptions subs = { 3, { 1, 0x4242424242424242, G_MAXUINT64 } };
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;

  write_frame ("subscriptions-three", frame, srp_subscriptions_encode (&subs, frame));
  subs.n = 0;
  write_frame ("subscriptions-none", frame, srp_subscriptions_encode (&subs, frame));

  /* Refused: unsorted; a count over the bound. */
  subs = (SrpSubscriptions) { 2, { 9, 7 } };
  write_frame ("bad-subscriptions-unsorted", frame, srp_subscriptions_encode (&subs, frame));
  subs.n = 1;
  len = srp_subscriptions_encode (&subs, frame);
  srp_write_u16 (frame + SRP_WIRE_PREFIX_LEN, SRP_SUBSCRIPTIONS_MAX + 1);
  write_frame ("bad-subscriptions-count", frame, len);
}

static void
id_list_seeds (SrpRng *rng)
{
  SrpIdList ids = { SRP_IDS_MAX };
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;

  for (guint i = 0; i < SRP_IDS_MAX; i++)
    ids.ids[i] = srp_rng_next (rng);
  write_frame ("query-max", frame, srp_query_encode (&ids, frame));
  ids.n = 1;
  write_frame ("ack-one", frame, srp_ack_encode (&ids, frame));
  ids.n = 3;
  len = srp_ack_encode (&ids, frame);
  write_frame ("ack-three", frame, len);

  /* Refused: a byte too many; an empty list. */
  frame[len] = 0;
  write_frame ("bad-ack-trailing", frame, len + 1);
  frame[SRP_WIRE_PREFIX_LEN] = 0;
  write_frame ("bad-ack-empty", frame, SRP_WIRE_PREFIX_LEN + 1);
}

/* Appends a range to sync; items (sorted) go to its end. */
static void
add_range (SrpSync *sync, guint64 lower, guint64 upper, SrpSyncMode mode, const guint64 *items,
           guint n)
{
  SrpSyncRange *range = &sync->ranges[sync->n_ranges++];

  *range = (SrpSyncRange) { lower, upper, mode, { 0 }, sync->n_items, n };
  if (mode == SRP_SYNC_FINGERPRINT)
    memset (range->fingerprint, 0x5a, SRP_FINGERPRINT_LEN);
  if (n > 0)
    memcpy (sync->items + sync->n_items, items, n * sizeof *items);
  sync->n_items += n;
}

static void
write_sync (const char *name, SrpSync *sync)
{
  guint8 frame[SRP_MAX_DATAGRAM];

  write_frame (name, frame, srp_sync_encode (sync, frame));
  sync->n_ranges = sync->n_items = 0;
}

typedef struct {
  guint count;
  SrpSync *last; /* the last frame written, decoded */
} Packed;

static void
write_packed (const guint8 *frame, gsize len, gpointer data)
{
  Packed *packed = data;
  g_autofree char *name = g_strdup_printf ("sync-reconcile-%u", packed->count++);

  write_frame (name, frame, len);
  g_assert (srp_sync_decode (frame, len, packed->last) == SRP_DROP_NONE);
}

/* A reconciliation of two sets of 200 prefixes that differ in 10: the
 * opening and the answer to it, frame by frame. */
static void
reconcile_seeds (SrpRng *rng, const SrpId *topic)
{
  guint64 mine[200], theirs[200];
  g_autofree SrpSync *opening = g_new0 (SrpSync, 1);
  Packed packed = { 0, opening };
  SrpRbsrOutput open, answer;

  for (guint i = 0; i < G_N_ELEMENTS (mine); i++)
    mine[i] = theirs[i] = (i + 1) * (G_MAXUINT64 / 256) + srp_rng_below (rng, 1 << 20);
  for (guint i = 0; i < 10; i++)
    theirs[i * 20] += 1;
  srp_rbsr_output_init (&open);
  srp_rbsr_output_init (&answer);
  srp_rbsr_open (mine, G_N_ELEMENTS (mine), &open);
  srp_rbsr_pack (&open, topic, 4, write_packed, &packed);
  /* The opening of 200 is one FINGERPRINT frame over the whole space. */
  g_assert (packed.count == 1);
  srp_rbsr_answer (theirs, G_N_ELEMENTS (theirs), opening, &answer);
  packed.last = g_new0 (SrpSync, 1);
  srp_rbsr_pack (&answer, topic, 4, write_packed, &packed);
  g_free (packed.last);
  srp_rbsr_output_clear (&open);
  srp_rbsr_output_clear (&answer);
}

static void
sync_seeds (SrpRng *rng)
{
  g_autofree SrpSync *sync = g_new0 (SrpSync, 1);
  const guint64 five[] = { 10, 20, 30, 40, 50 };
  const guint64 high[] = { G_MAXUINT64 - 1, G_MAXUINT64 };
  const guint64 outside[] = { 5 };

  memset (&sync->topic_id, 0x42, sizeof sync->topic_id);
  add_range (sync, 0, 0, SRP_SYNC_FINGERPRINT, NULL, 0);
  write_sync ("sync-fingerprint-all", sync);
  add_range (sync, 0, 0, SRP_SYNC_LIST, five, G_N_ELEMENTS (five));
  write_sync ("sync-list-all", sync);
  add_range (sync, 0, 10, SRP_SYNC_FINGERPRINT, NULL, 0);
  add_range (sync, 10, 60, SRP_SYNC_LIST, five, G_N_ELEMENTS (five));
  add_range (sync, 1000, 0, SRP_SYNC_HAVE, high, G_N_ELEMENTS (high));
  write_sync ("sync-mixed", sync);

  /* Refused, one rule each. */
  add_range (sync, 10, 60, SRP_SYNC_LIST, outside, 1);
  write_sync ("bad-sync-item-outside", sync);
  add_range (sync, 0, 20, SRP_SYNC_FINGERPRINT, NULL, 0);
  add_range (sync, 10, 30, SRP_SYNC_FINGERPRINT, NULL, 0);
  write_sync ("bad-sync-overlap", sync);
  add_range (sync, 0, 0, SRP_SYNC_FINGERPRINT, NULL, 0);
  add_range (sync, 10, 20, SRP_SYNC_FINGERPRINT, NULL, 0);
  write_sync ("bad-sync-after-end", sync);
  add_range (sync, 20, 20, SRP_SYNC_FINGERPRINT, NULL, 0);
  write_sync ("bad-sync-empty-range", sync);
  add_range (sync, 0, 0, 4, NULL, 0);
  write_sync ("bad-sync-mode", sync);

  reconcile_seeds (rng, &sync->topic_id);
}

void
gen_corpus_control (const char *out_dir)
{
  SrpRng rng;

  dir = out_dir;
  srp_rng_init (&rng, 2);
  subscriptions_seeds ();
  id_list_seeds (&rng);
  sync_seeds (&rng);
}
