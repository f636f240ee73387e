/* srp-journal.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-journal.h"

#include <string.h>

#include "srp-state.h"

void
srp_state_change_clear (SrpStateChange *change)
{
  g_clear_pointer (&change->frame, g_bytes_unref);
  g_clear_pointer (&change->frames, g_ptr_array_unref);
  g_clear_pointer (&change->value, g_variant_unref);
}

static GVariant *
bytes_value (GBytes *bytes)
{
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

GVariant *
srp_state_change_get_value (SrpStateChange *change)
{
  GVariantBuilder frames;

  if (change->value != NULL)
    return change->value;
  switch (change->type)
    {
    case SRP_STATE_CHANGE_CACHE_ADD:
      change->value = g_variant_new ("(@ay@ayx)", srp_state_id (&change->id),
                                     bytes_value (change->frame), change->life_us);
      break;
    case SRP_STATE_CHANGE_OUTBOX_ADD:
      g_variant_builder_init (&frames, G_VARIANT_TYPE ("aay"));
      for (guint i = 0; i < change->frames->len; i++)
        g_variant_builder_add_value (&frames, bytes_value (change->frames->pdata[i]));
      change->value = g_variant_new ("(@ay@ayaayx)", srp_state_id (&change->id),
                                     srp_state_id (&change->topic), &frames, change->life_us);
      break;
    case SRP_STATE_CHANGE_CHAIN_HEAD:
      change->value = g_variant_new ("(@ay@ay)", srp_state_id (&change->topic),
                                     srp_state_id (&change->id));
      break;
    default:
      change->value = srp_state_id (&change->id);
      break;
    }
  g_variant_ref_sink (change->value);
  return change->value;
}

void
srp_journal_init (SrpJournal *journal)
{
  journal->enabled = FALSE;
  journal->subscriptions_dirty = journal->peers_dirty = FALSE;
  srp_ring_init (&journal->changes, sizeof (SrpStateChange));
}

void
srp_journal_clear (SrpJournal *journal)
{
  SrpStateChange change;

  while (srp_ring_pop (&journal->changes, &change))
    srp_state_change_clear (&change);
  srp_ring_clear (&journal->changes);
}

static SrpStateChange *
push (SrpJournal *journal, SrpStateChangeType type)
{
  SrpStateChange *change;

  if (!journal->enabled)
    return NULL;
  change = srp_ring_push (&journal->changes);
  memset (change, 0, sizeof *change);
  change->type = type;
  return change;
}

void
srp_journal_push_id (SrpJournal *journal, SrpStateChangeType type, const SrpId *id)
{
  SrpStateChange *change = push (journal, type);

  if (change != NULL)
    change->id = *id;
}

void
srp_journal_push_cached (SrpJournal *journal, const SrpId *id, GBytes *frame, gint64 life_us)
{
  SrpStateChange *change = push (journal, SRP_STATE_CHANGE_CACHE_ADD);

  if (change == NULL)
    return;
  change->id = *id;
  change->frame = g_bytes_ref (frame);
  change->life_us = life_us;
}

void
srp_journal_push_publish (SrpJournal *journal, const SrpId *message_id, const SrpId *topic,
                          GPtrArray *frames, gint64 life_us)
{
  SrpStateChange *change = push (journal, SRP_STATE_CHANGE_OUTBOX_ADD);

  if (change == NULL)
    return;
  change->id = *message_id;
  change->topic = *topic;
  change->frames = g_ptr_array_ref (frames);
  change->life_us = life_us;
}

void
srp_journal_push_chain_head (SrpJournal *journal, const SrpId *topic, const SrpId *head)
{
  SrpStateChange *change = push (journal, SRP_STATE_CHANGE_CHAIN_HEAD);

  if (change == NULL)
    return;
  change->topic = *topic;
  change->id = *head;
}

void
srp_journal_mark (SrpJournal *journal, SrpStateChangeType type)
{
  if (!journal->enabled)
    return;
  if (type == SRP_STATE_CHANGE_SUBSCRIPTIONS)
    journal->subscriptions_dirty = TRUE;
  else if (type == SRP_STATE_CHANGE_KNOWN_PEERS)
    journal->peers_dirty = TRUE;
  else
    g_return_if_reached ();
}
