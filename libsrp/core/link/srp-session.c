/* srp-session.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-session.h"

#include "srp-aead.h"
#include "srp-hkdf.h"
#include "srp-x25519.h"

#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <string.h>

/* One direction's key at one epoch, and (receiving) its replay window. */
typedef struct {
  guint8 key[SRP_SESSION_KEY_LEN];
  guint8 epoch;
  gboolean valid;
  guint64 next;      /* sending: the next counter; receiving: one past the highest seen */
  guint64 window[SRP_SESSION_WINDOW / 64]; /* receiving: bit i = next - 1 - i seen */
} Key;

struct _SrpSession {
  SrpAead *aead; /* the cipher's state, reused for every frame */
  Key send;
  gint64 send_since;
  Key recv, recv_prev;
  gint64 recv_prev_until;
  SrpSessionCounters counters;
};

static const char rekey_label[] = "SRP1 rekey";

static void
hkdf (const guint8 *salt, gsize salt_len, const guint8 *ikm, gsize ikm_len, const char *info,
      guint8 *out, gsize out_len)
{
  srp_hkdf_sha256 (salt, salt_len, ikm, ikm_len, (const guint8 *) info, strlen (info), out,
                   out_len);
}

/* The key of the next epoch: the current one cannot be computed back. */
static void
next_key (const guint8 key[SRP_SESSION_KEY_LEN], guint8 out[SRP_SESSION_KEY_LEN])
{
  struct hmac_sha256_ctx mac;

  hmac_sha256_set_key (&mac, SRP_SESSION_KEY_LEN, key);
  hkdf_expand (&mac, (nettle_hash_update_func *) hmac_sha256_update,
               (nettle_hash_digest_func *) hmac_sha256_digest, SHA256_DIGEST_SIZE,
               sizeof rekey_label - 1, (const guint8 *) rekey_label, SRP_SESSION_KEY_LEN, out);
}

SrpSession *
srp_session_new (gboolean initiator, const SrpEphemeral *ours,
                 const guint8 their_public[SRP_EPHEMERAL_LEN], const SrpId *initiator_id,
                 const SrpId *responder_id, const guint8 initiator_challenge[SRP_CHALLENGE_LEN],
                 const guint8 responder_challenge[SRP_CHALLENGE_LEN], gint64 now)
{
  static const guint8 zero[SRP_SESSION_KEY_LEN] = { 0 };
  guint8 shared[SRP_SESSION_KEY_LEN], salt[2 * SRP_ID_LEN + 2 * SRP_CHALLENGE_LEN +
                                           2 * SRP_EPHEMERAL_LEN];
  guint8 keys[2 * SRP_SESSION_KEY_LEN];
  const guint8 *initiator_public = initiator ? ours->public : their_public;
  const guint8 *responder_public = initiator ? their_public : ours->public;
  SrpSession *session;
  gsize at = 0;

  srp_x25519 (shared, ours->secret, their_public);
  /* A low-order point gives zero whatever our secret: nothing is shared. */
  if (memeql_sec (shared, zero, sizeof shared))
    return NULL;
  /* The salt is the transcript both signatures cover (but the addresses):
   * the keys belong to this handshake of these two peers alone. */
  memcpy (salt + at, initiator_id->bytes, SRP_ID_LEN), at += SRP_ID_LEN;
  memcpy (salt + at, responder_id->bytes, SRP_ID_LEN), at += SRP_ID_LEN;
  memcpy (salt + at, initiator_challenge, SRP_CHALLENGE_LEN), at += SRP_CHALLENGE_LEN;
  memcpy (salt + at, responder_challenge, SRP_CHALLENGE_LEN), at += SRP_CHALLENGE_LEN;
  memcpy (salt + at, initiator_public, SRP_EPHEMERAL_LEN), at += SRP_EPHEMERAL_LEN;
  memcpy (salt + at, responder_public, SRP_EPHEMERAL_LEN), at += SRP_EPHEMERAL_LEN;
  g_assert (at == sizeof salt);
  hkdf (salt, sizeof salt, shared, sizeof shared, "SRP1 link keys", keys, sizeof keys);
  memset (shared, 0, sizeof shared);

  session = g_new0 (SrpSession, 1);
  session->aead = srp_aead_new ();
  /* The first half seals what the initiator sends. */
  memcpy (session->send.key, initiator ? keys : keys + SRP_SESSION_KEY_LEN, SRP_SESSION_KEY_LEN);
  memcpy (session->recv.key, initiator ? keys + SRP_SESSION_KEY_LEN : keys, SRP_SESSION_KEY_LEN);
  memset (keys, 0, sizeof keys);
  session->send.valid = session->recv.valid = TRUE;
  session->send_since = now;
  return session;
}

void
srp_session_free (SrpSession *session)
{
  if (session == NULL)
    return;
  srp_aead_free (session->aead);
  memset (session, 0, sizeof *session);
  g_free (session);
}

gboolean
srp_session_seals_kind (guint8 kind)
{
  switch (kind)
    {
    case SRP_FRAME_HELLO:
    case SRP_FRAME_HELLO_REPLY:
    case SRP_FRAME_HELLO_DONE:
    case SRP_FRAME_BUSY:
    case SRP_FRAME_COOKIE:
    case SRP_FRAME_PING:
    case SRP_FRAME_PONG:
    case SRP_FRAME_PUNCH:
    case SRP_FRAME_PROBE:
    case SRP_FRAME_ANNOUNCE: /* to the LAN's group, never to a link */
    case SRP_FRAME_SEALED:
    case SRP_FRAME_SEALED_QUERY:  /* sealed to the contact already (srp-dht-seal.h) */
    case SRP_FRAME_SEALED_ANSWER:
      return FALSE;
    default:
      return TRUE;
    }
}

static void
nonce_of (guint8 epoch, guint64 counter, guint8 nonce[SRP_AEAD_NONCE_LEN])
{
  memset (nonce, 0, SRP_AEAD_NONCE_LEN);
  nonce[3] = epoch;
  srp_write_u64 (nonce + 4, counter);
}

void
srp_session_raw_seal (SrpAead *aead, const guint8 key[SRP_SESSION_KEY_LEN], guint64 counter,
                      guint8 *data, gsize len, guint8 tag[SRP_SEAL_TAG_LEN])
{
  guint8 nonce[SRP_AEAD_NONCE_LEN];

  nonce_of (0, counter, nonce);
  srp_aead_seal (aead, key, nonce, NULL, 0, data, len, data, tag);
}

static gsize
seal_frame (SrpAead *aead, const guint8 key[SRP_SESSION_KEY_LEN], guint8 epoch, guint64 counter,
            const guint8 *frame, gsize len, guint8 *out)
{
  guint8 nonce[SRP_AEAD_NONCE_LEN];
  gsize body = len - 3; /* KIND and what follows */

  g_assert (len >= SRP_WIRE_PREFIX_LEN);
  srp_wire_write_prefix (out, SRP_FRAME_SEALED);
  out[SRP_WIRE_PREFIX_LEN] = epoch;
  srp_write_u64 (out + SRP_WIRE_PREFIX_LEN + 1, counter);
  nonce_of (epoch, counter, nonce);
  /* One pass over the frame: encrypted and authenticated together. */
  srp_aead_seal (aead, key, nonce, out, SRP_SEAL_HEADER_LEN, frame + 3, body,
                 out + SRP_SEAL_HEADER_LEN, out + SRP_SEAL_HEADER_LEN + body);
  return SRP_SEAL_HEADER_LEN + body + SRP_SEAL_TAG_LEN;
}

gsize
srp_session_seal_frame (const guint8 key[SRP_SESSION_KEY_LEN], guint8 epoch, guint64 counter,
                        const guint8 *frame, gsize len, guint8 *out)
{
  return seal_frame (NULL, key, epoch, counter, frame, len, out);
}

gsize
srp_session_seal (SrpSession *session, gint64 now, const guint8 *frame, gsize len, guint8 *out)
{
  Key *k = &session->send;

  if (k->next >= SRP_SESSION_REKEY_FRAMES || now - session->send_since >= SRP_SESSION_REKEY_US)
    {
      next_key (k->key, k->key);
      k->epoch++;
      k->next = 0;
      session->send_since = now;
      session->counters.rekeys_sent++;
    }
  session->counters.sealed++;
  return seal_frame (session->aead, k->key, k->epoch, k->next++, frame, len, out);
}

/* Whether counter is new to k (not seen, not too old). */
static gboolean
window_fresh (const Key *k, guint64 counter)
{
  guint64 back;

  if (counter >= k->next)
    return TRUE;
  back = k->next - 1 - counter;
  return back < SRP_SESSION_WINDOW && !(k->window[back / 64] & (G_GUINT64_CONSTANT (1) << (back % 64)));
}

static void
window_mark (Key *k, guint64 counter)
{
  if (counter >= k->next)
    {
      guint64 shift = counter + 1 - k->next;

      /* Slide the window by shift bits. */
      if (shift >= SRP_SESSION_WINDOW)
        memset (k->window, 0, sizeof k->window);
      else
        for (guint64 s = 0; s < shift; s++)
          {
            for (guint w = G_N_ELEMENTS (k->window) - 1; w > 0; w--)
              k->window[w] = (k->window[w] << 1) | (k->window[w - 1] >> 63);
            k->window[0] <<= 1;
          }
      k->next = counter + 1;
      k->window[0] |= 1;
      return;
    }
  {
    guint64 back = k->next - 1 - counter;
    k->window[back / 64] |= G_GUINT64_CONSTANT (1) << (back % 64);
  }
}

/* Opens with key; 0 when the tag is wrong. */
static gsize
open_with (SrpAead *aead, const guint8 key[SRP_SESSION_KEY_LEN], const guint8 *sealed, gsize len,
           guint8 *out)
{
  guint8 nonce[SRP_AEAD_NONCE_LEN];
  gsize body = len - SRP_SEAL_HEADER_LEN - SRP_SEAL_TAG_LEN;

  nonce_of (sealed[SRP_WIRE_PREFIX_LEN], srp_read_u64 (sealed + SRP_WIRE_PREFIX_LEN + 1), nonce);
  if (!srp_aead_open (aead, key, nonce, sealed, SRP_SEAL_HEADER_LEN, sealed + SRP_SEAL_HEADER_LEN,
                      body, out + 3, sealed + SRP_SEAL_HEADER_LEN + body))
    return 0;
  out[0] = sealed[0];
  out[1] = sealed[1];
  out[2] = sealed[2];
  return body + 3;
}

gsize
srp_session_open (SrpSession *session, gint64 now, const guint8 *sealed, gsize len, guint8 *out)
{
  guint8 epoch;
  guint64 counter;
  Key *k = NULL, next;
  gsize n;

  if (len < SRP_SEAL_HEADER_LEN + 1 + SRP_SEAL_TAG_LEN)
    goto failed;
  epoch = sealed[SRP_WIRE_PREFIX_LEN];
  counter = srp_read_u64 (sealed + SRP_WIRE_PREFIX_LEN + 1);
  if (session->recv_prev.valid && now >= session->recv_prev_until)
    memset (&session->recv_prev, 0, sizeof session->recv_prev);
  if (epoch == session->recv.epoch)
    k = &session->recv;
  else if (session->recv_prev.valid && epoch == session->recv_prev.epoch)
    k = &session->recv_prev;
  else if (epoch == (guint8) (session->recv.epoch + 1))
    {
      /* The sender rolled over: the next key, taken once a frame opens. */
      memset (&next, 0, sizeof next);
      next_key (session->recv.key, next.key);
      next.epoch = epoch;
      next.valid = TRUE;
      n = open_with (session->aead, next.key, sealed, len, out);
      if (n == 0)
        goto failed;
      session->recv_prev = session->recv;
      session->recv_prev_until = now + SRP_SESSION_GRACE_US;
      session->recv = next;
      window_mark (&session->recv, counter);
      session->counters.rekeys_seen++;
      session->counters.opened++;
      return n;
    }
  else
    goto failed;
  if (!window_fresh (k, counter))
    {
      session->counters.replayed++;
      return 0;
    }
  n = open_with (session->aead, k->key, sealed, len, out);
  if (n == 0)
    goto failed;
  window_mark (k, counter);
  session->counters.opened++;
  return n;

failed:
  session->counters.failed++;
  return 0;
}

gsize
srp_session_peek (const SrpSession *session, const guint8 *sealed, gsize len, guint8 *out)
{
  guint8 epoch;
  Key next;

  if (len < SRP_SEAL_HEADER_LEN + 1 + SRP_SEAL_TAG_LEN)
    return 0;
  epoch = sealed[SRP_WIRE_PREFIX_LEN];
  if (epoch == session->recv.epoch)
    return open_with (session->aead, session->recv.key, sealed, len, out);
  if (session->recv_prev.valid && epoch == session->recv_prev.epoch)
    return open_with (session->aead, session->recv_prev.key, sealed, len, out);
  if (epoch != (guint8) (session->recv.epoch + 1))
    return 0;
  next_key (session->recv.key, next.key);
  return open_with (session->aead, next.key, sealed, len, out);
}

void
srp_session_get_counters (const SrpSession *session, SrpSessionCounters *out)
{
  *out = session->counters;
}

guint8
srp_session_send_epoch (const SrpSession *session)
{
  return session->send.epoch;
}
