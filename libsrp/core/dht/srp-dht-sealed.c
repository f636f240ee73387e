/* srp-dht-sealed.c: FIND and REGISTER to contacts that are not links go
 * sealed to the contact's ID (srp-dht-seal.h), and the contact opens them
 * here. A link's frames are sealed by the link: those go in clear.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-dht-private.h"

#include <string.h>

/* A sealed FIND and its sealed FOUND keep the three-times rule. */
G_STATIC_ASSERT (3 * (SRP_SEALED_FIND_LEN + SRP_SEALED_QUERY_OVERHEAD) >=
                 SRP_FOUND_MAX_LEN + SRP_SEALED_ANSWER_OVERHEAD);

gboolean
srp_dht_seals_to (SrpDht *dht, const SrpDhtContact *contact)
{
  return srp_link_table_lookup_address (dht->ctx->links, &contact->address) == NULL;
}

/* The contact's X25519 form: the same contacts are asked again and again,
 * and the map from an Ed25519 key costs as much as the key exchange's
 * fixed-base half. FALSE when the ID is no key. */
static gboolean
x25519_of (SrpDht *dht, const SrpId *id, guint8 out[32])
{
  SrpDhtKeyCacheEntry *e =
    &dht->key_cache[(id->bytes[0] << 8 | id->bytes[1]) % SRP_DHT_KEY_CACHE];

  if (!e->used || !srp_id_equal (&e->id, id))
    {
      e->used = TRUE;
      e->id = *id;
      e->valid = srp_envelope_x25519_public (id, e->x25519);
    }
  memcpy (out, e->x25519, 32);
  return e->valid;
}

gboolean
srp_dht_send_query (SrpDht *dht, const SrpDhtContact *contact, const guint8 *frame, gsize len,
                    SrpCredit *credit, SrpDhtEphemeral *ephemeral, SrpDhtQueryKeys *keys,
                    gboolean *sealed)
{
  SrpContext *ctx = dht->ctx;
  guint8 out[SRP_MAX_DATAGRAM], contact_x[32];
  gsize n;

  *sealed = srp_dht_seals_to (dht, contact);
  n = *sealed ? len + SRP_SEALED_QUERY_OVERHEAD : len;
  /* Paid before the key exchange: out of credit, no work either. */
  if (!srp_credit_spend (credit, n))
    {
      srp_context_drop (ctx, SRP_DROP_RATE_LIMITED);
      return FALSE;
    }
  if (!*sealed)
    {
      srp_context_send (ctx, &contact->address, frame, len);
      return TRUE;
    }
  /* Whoever named the contact gave an ID that is no key: there is no one
   * to seal it to, and nothing goes in clear. */
  if (!x25519_of (dht, &contact->id, contact_x))
    return FALSE;
  /* The caller's ephemeral key (one per lookup, or per round of
   * REGISTERs: each of its queries goes to another contact), made at its
   * first sealed query from the core's seeded randomness (the same seed
   * gives the same trace). A key exchange's fixed-base half, once a
   * lookup instead of once a query. */
  if (!ephemeral->ready)
    {
      guint8 secret[32];

      srp_rng_fill (&ctx->rng, secret, sizeof secret);
      srp_dht_ephemeral_init (ephemeral, secret);
      memset (secret, 0, sizeof secret);
    }
  n = srp_dht_seal_query_to (&contact->id, contact_x, ephemeral, frame, len, out, keys);
  if (n == 0)
    return FALSE;
  srp_context_send (ctx, &contact->address, out, n);
  return TRUE;
}

SrpDropReason
srp_dht_handle_sealed_query (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpDht *dht = self;
  SrpContext *ctx = dht->ctx;
  SrpDhtQueryKeys keys;
  guint8 plain[SRP_MAX_DATAGRAM];
  gsize len;
  SrpDropReason reason;

  (void) frame;
  if (input->len < SRP_SEALED_QUERY_MIN)
    return SRP_DROP_BAD_CONTROL;
  if (!srp_dht_takes_queries (dht, input))
    return SRP_DROP_UNWANTED;
  /* Opening costs a key exchange: every sealed query takes a token first,
   * whatever it holds, so a flood of them costs bounded work; then what
   * it held takes its own (FIND, REGISTER), as in clear. */
  if (!srp_token_bucket_take (&dht->open_budget, &srp_dht_open_rate, ctx->now, 1.0))
    return SRP_DROP_RATE_LIMITED;
  reason = srp_dht_open_query (&ctx->config->peer_id, ctx->config->agree, ctx->config->agree_data,
                               input->data, input->len, plain, &len, &keys);
  if (reason != SRP_DROP_NONE)
    return reason;
  ctx->frames_in[plain[3]]++;
  switch (plain[3])
    {
    case SRP_FRAME_FIND:
      {
        SrpFind find;

        reason = srp_find_decode_padded (plain, len, SRP_SEALED_FIND_LEN, &find);
        if (reason == SRP_DROP_NONE &&
            !srp_token_bucket_take (&dht->find_budget, &srp_dht_find_rate, ctx->now, 1.0))
          reason = SRP_DROP_RATE_LIMITED;
        if (reason == SRP_DROP_NONE)
          reason = srp_dht_answer_find (dht, input, &find, &keys);
        break;
      }
    case SRP_FRAME_REGISTER:
      {
        SrpRegister reg;

        reason = srp_register_decode (plain, len, &reg);
        if (reason == SRP_DROP_NONE)
          reason = srp_dht_take_register (dht, input, &reg);
        break;
      }
    default:
      reason = SRP_DROP_BAD_CONTROL;
    }
  memset (&keys, 0, sizeof keys);
  memset (plain, 0, len);
  return reason;
}
