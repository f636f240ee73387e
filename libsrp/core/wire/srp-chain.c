/* srp-chain.c: splitting a message into a hash-linked chain of packets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-chain.h"

#include <string.h>

guint
srp_chain_packet_count (gsize len)
{
  if (len == 0)
    return 1;
  return (guint) ((len + SRP_PACKET_MAX_BODY - 1) / SRP_PACKET_MAX_BODY);
}

GPtrArray *
srp_chain_build (const SrpId *topic_id, guint8 type, const SrpId *prev,
                 const guint8 *data, gsize len)
{
  GPtrArray *packets;
  guint n;

  g_return_val_if_fail (topic_id != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  if (len > SRP_MESSAGE_MAX_LEN)
    return NULL;

  n = srp_chain_packet_count (len);
  packets = g_ptr_array_new_full (n, g_free);

  /* PREV IDs and bodies first: each ID depends on the one before. */
  for (guint i = 0; i < n; i++)
    {
      SrpPacket *packet = g_new0 (SrpPacket, 1);
      gsize offset = (gsize) i * SRP_PACKET_MAX_BODY;

      if (i > 0)
        packet->prev_id = ((SrpPacket *) packets->pdata[i - 1])->id;
      else if (prev != NULL)
        packet->prev_id = *prev;
      packet->topic_id = *topic_id;
      packet->type = type;
      packet->index = i;
      packet->postage = SRP_POSTAGE_MAX;
      packet->body_len = (guint16) MIN (len - offset, SRP_PACKET_MAX_BODY);
      if (packet->body_len > 0)
        memcpy (packet->body, data + offset, packet->body_len);
      /* NEXT IDs come later: whether it is the last is known already. */
      srp_packet_compute_id_as (packet, i + 1 == n);
      g_ptr_array_add (packets, packet);
    }

  /* Then the forward links. */
  for (guint i = 0; i + 1 < n; i++)
    ((SrpPacket *) packets->pdata[i])->next_id = ((SrpPacket *) packets->pdata[i + 1])->id;

  return packets;
}
