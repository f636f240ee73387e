/* srp-packet-rivals.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-packet-rivals.h"

struct _SrpPacketRivals {
  guint max;
  GHashTable *by_id; /* SrpId* (in the packet) -> SrpPacket (owned) */
  GQueue order;      /* SrpPacket*, oldest first */
  guint64 replaced;
};

SrpPacketRivals *
srp_packet_rivals_new (guint max)
{
  SrpPacketRivals *rivals = g_new0 (SrpPacketRivals, 1);

  rivals->max = MAX (max, 1);
  rivals->by_id = g_hash_table_new (srp_id_hash_func, srp_id_equal_func);
  g_queue_init (&rivals->order);
  return rivals;
}

void
srp_packet_rivals_free (SrpPacketRivals *rivals)
{
  if (rivals == NULL)
    return;
  g_hash_table_destroy (rivals->by_id);
  g_queue_clear_full (&rivals->order, g_free);
  g_free (rivals);
}

static gboolean
decode_cached (SrpPacketCache *cache, const SrpId *id, SrpPacket *out)
{
  const SrpPacketCacheEntry *entry = srp_packet_cache_lookup (cache, id);

  /* The cache holds checked packets only. */
  return entry != NULL && srp_packet_decode_fields (g_bytes_get_data (entry->frame, NULL),
                                                    g_bytes_get_size (entry->frame),
                                                    out) == SRP_DROP_NONE;
}

/* Whether the cache holds the packet p's NEXT ID names, following p. */
static gboolean
next_is_proven (SrpPacketCache *cache, const SrpPacket *p)
{
  SrpPacket next;

  return !srp_id_is_zero (&p->next_id) && decode_cached (cache, &p->next_id, &next) &&
         srp_id_equal (&next.prev_id, &p->id) && next.index == p->index + 1;
}

static void
forget (SrpPacketRivals *rivals, SrpPacket *rival)
{
  g_hash_table_remove (rivals->by_id, &rival->id);
  g_queue_remove (&rivals->order, rival);
  g_free (rival);
}

SrpPacketRivalsResult
srp_packet_rivals_offer (SrpPacketRivals *rivals, SrpPacketCache *cache, const SrpPacket *packet)
{
  SrpPacket held, *rival;

  if (!decode_cached (cache, &packet->id, &held) ||
      srp_id_equal (&held.next_id, &packet->next_id))
    return SRP_PACKET_RIVALS_SAME;
  if (next_is_proven (cache, packet) && !next_is_proven (cache, &held))
    {
      srp_packet_cache_replace (cache, packet);
      rivals->replaced++;
      if ((rival = g_hash_table_lookup (rivals->by_id, &packet->id)) != NULL)
        forget (rivals, rival);
      return SRP_PACKET_RIVALS_REPLACED;
    }
  /* One rival an ID: the first that came, until it proves itself or ages
   * out. */
  if (g_hash_table_contains (rivals->by_id, &packet->id))
    return SRP_PACKET_RIVALS_WAITING;
  if (rivals->order.length >= rivals->max)
    forget (rivals, g_queue_peek_head (&rivals->order));
  rival = g_memdup2 (packet, sizeof *packet);
  g_hash_table_insert (rivals->by_id, &rival->id, rival);
  g_queue_push_tail (&rivals->order, rival);
  return SRP_PACKET_RIVALS_WAITING;
}

void
srp_packet_rivals_successor (SrpPacketRivals *rivals, SrpPacketCache *cache,
                             const SrpPacket *packet)
{
  SrpPacket *rival = g_hash_table_lookup (rivals->by_id, &packet->prev_id);
  SrpPacket held;

  if (rival == NULL || packet->index == 0 || !srp_id_equal (&rival->next_id, &packet->id) ||
      !decode_cached (cache, &packet->prev_id, &held) || next_is_proven (cache, &held))
    return;
  srp_packet_cache_replace (cache, rival);
  rivals->replaced++;
  forget (rivals, rival);
}

guint64
srp_packet_rivals_get_replaced (SrpPacketRivals *rivals)
{
  return rivals->replaced;
}
