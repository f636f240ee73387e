/* srp-journal.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-journal.h"

void
srp_state_change_clear (SrpStateChange *change)
{
  g_clear_pointer (&change->value, g_variant_unref);
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

void
srp_journal_push (SrpJournal *journal, SrpStateChangeType type, GVariant *value)
{
  SrpStateChange *change;

  g_variant_ref_sink (value);
  if (!journal->enabled)
    {
      g_variant_unref (value);
      return;
    }
  change = srp_ring_push (&journal->changes);
  change->type = type;
  change->value = value;
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
