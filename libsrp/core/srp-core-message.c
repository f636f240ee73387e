/* srp-core-message.c: messages carried as chains of packets, sent straight
 * to an address (no handshake needed; the receiver delivers them when it
 * subscribes to the topic, but neither caches nor relays them: see
 * srp-core-gossip.c). srp_core_publish is the way through the network.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

#include <string.h>
#include "srp-chain.h"
#include "srp-packet.h"

void
srp_core_chain_prev (SrpCore *core, const SrpId *topic_id, SrpId *out)
{
  SrpId *last = g_hash_table_lookup (core->last_message, topic_id);

  /* A packet's ID covers only PREV ID and BODY: were every publisher's first
   * message to start from zero, two first messages with the same body (on
   * any topics, from any publishers) would share an ID, and the second
   * would be dropped everywhere as a duplicate. A random start makes each
   * publisher's chain its own; later messages link to the last one. */
  if (last != NULL)
    *out = *last;
  else
    {
      srp_rng_fill (&core->rng, out->bytes, SRP_ID_LEN);
      g_hash_table_replace (core->last_message, g_memdup2 (topic_id, sizeof *topic_id),
                            g_memdup2 (out, sizeof *out));
    }
}

gboolean
srp_core_send_message (SrpCore *core, gint64 now_us, const SrpAddress *to,
                       const SrpId *topic_id, const guint8 *data, gsize len,
                       SrpId *message_id)
{
  SrpId prev;
  g_autoptr (GPtrArray) chain = NULL;
  guint8 frame[SRP_MAX_DATAGRAM];
  const SrpPacket *last;

  g_return_val_if_fail (srp_address_is_valid (to), FALSE);
  core->now = now_us;
  srp_core_chain_prev (core, topic_id, &prev);
  chain = srp_chain_build (topic_id, SRP_PACKET_TYPE_MESSAGE, &prev, data, len);
  if (chain == NULL)
    return FALSE;
  for (guint i = 0; i < chain->len; i++)
    {
      const SrpPacket *packet = g_ptr_array_index (chain, i);
      srp_core_queue_transmit (core, 0, to, frame, srp_packet_encode (packet, frame));
    }
  last = g_ptr_array_index (chain, chain->len - 1);
  /* The next message on this topic links back to this one. */
  g_hash_table_replace (core->last_message, g_memdup2 (topic_id, sizeof *topic_id),
                        g_memdup2 (&last->id, sizeof last->id));
  if (message_id != NULL)
    *message_id = last->id;
  return TRUE;
}
