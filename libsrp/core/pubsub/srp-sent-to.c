/* srp-sent-to.c: sent-to hints on pushed packets.
 *
 * A peer that pushes a packet to several links at once names, in each copy,
 * the others it sends it to, the link it came from and the peers the copy
 * it got named (PACKET_SENT_TO, docs/protocol.md "Publishing and gossip").
 * A relay does not push it on to a peer named: that peer has it, or has it
 * coming. Without this, three subscribers linked to their publisher and to
 * each other each relayed every packet to the two others, and got each
 * message three times (bench-flood).
 *
 * The names are 4-byte prefixes of peer IDs: two of a peer's links
 * sharing one costs a relay to one of them, nothing more. Hints are only
 * advice: a wrong or hostile one can only make a relay send less.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-pubsub-private.h"

#include <string.h>

void
srp_sent_to_add (SrpSentTo *names, const SrpId *peer)
{
  srp_sent_to_add_prefix (names, srp_sent_to_prefix (peer));
}

void
srp_sent_to_add_prefix (SrpSentTo *names, guint32 prefix)
{
  if (names->n == SRP_SENT_TO_NAMES_MAX || srp_sent_to_names (names, prefix))
    return;
  names->prefixes[names->n++] = prefix;
}

gboolean
srp_sent_to_names (const SrpSentTo *names, guint32 prefix)
{
  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->n; i++)
    if (names->prefixes[i] == prefix)
      return TRUE;
  return FALSE;
}

gsize
srp_sent_to_frame (const guint8 *frame, gsize len, const SrpLink *to, const SrpSentTo *names,
                   guint8 out[SRP_MAX_DATAGRAM])
{
  /* What the frame may grow to: a frame sealed on a direct link fills a
   * datagram; one that goes through a relay is sealed twice and wrapped,
   * and must stay within SRP_MAX_FRAME. A full packet has room for
   * SRP_SENT_TO_MAX names on a direct link, for one on a relayed link. */
  gsize max = srp_address_is_relay (&to->address) ? SRP_MAX_FRAME
                                                   : SRP_MAX_DATAGRAM - SRP_SEAL_OVERHEAD;
  guint32 own = srp_sent_to_prefix (&to->id);
  guint32 picked[SRP_SENT_TO_MAX];
  guint n = 0, room;

  memcpy (out, frame, len);
  room = len + SRP_SENT_TO_LEN (1) <= max ? (guint) ((max - len - 1) / 4) : 0;
  room = MIN (room, SRP_SENT_TO_MAX);
  for (guint i = 0; names != NULL && i < names->n && n < room; i++)
    if (names->prefixes[i] != own)
      picked[n++] = names->prefixes[i];
  if (n == 0)
    return len;
  return srp_packet_add_sent_to (out, len, picked, n);
}
