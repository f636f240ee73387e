/* fuzz-session.h: the session fuzz-dispatch gives link B, and that
 * gen-corpus seals B's seed frames with: both ends from fixed keys.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string.h>

#include "srp-session.h"

/* The core's side (core_side) or link B's side of their session. */
static inline SrpSession *
fuzz_session_b (gboolean core_side)
{
  SrpEphemeral core = { { 0 } }, peer = { { 0 } };
  SrpId core_id, peer_id;
  guint8 challenge[SRP_CHALLENGE_LEN] = { 1 };

  core.secret[0] = 0x11, core.secret[31] = 0x40;
  peer.secret[0] = 0x22, peer.secret[31] = 0x40;
  srp_ephemeral_init (&core);
  srp_ephemeral_init (&peer);
  memset (core_id.bytes, 0xcc, SRP_ID_LEN);
  memset (peer_id.bytes, 0xa1, SRP_ID_LEN);
  /* B shook hands with the core (B sent HELLO). */
  return core_side ? srp_session_new (FALSE, &core, peer.public, &peer_id, &core_id, challenge,
                                      challenge, 0)
                   : srp_session_new (TRUE, &peer, core.public, &peer_id, &core_id, challenge,
                                      challenge, 0);
}
