/* srp-dht.c: the DHT subsystem, and the open peer's side: answering FIND
 * and holding REGISTERs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-dht-private.h"

#include <string.h>

#include "srp-signature.h"

/* An open peer answers at most this many FINDs (each at most 3 times its
 * size) and checks this many REGISTERs (a signature each): a flood costs it
 * bounded work and sends a bounded amount, whoever it appears to come from. */
const SrpTokenRate srp_dht_find_rate = { .burst = 400, .per_second = 200 };
static const SrpTokenRate register_rate = { .burst = 40, .per_second = 20 };
/* Sealed queries are opened (a key exchange each) at most as often as the
 * two together, before we know which of them each holds. */
const SrpTokenRate srp_dht_open_rate = { .burst = 440, .per_second = 220 };

SRP_FRAME_DECODER (decode_find, srp_find_decode, SrpFind)
SRP_FRAME_DECODER (decode_found, srp_found_decode, SrpFound)
SRP_FRAME_DECODER (decode_register, srp_register_decode, SrpRegister)

gboolean
srp_dht_nat_is_open (guint8 nat)
{
  return nat == SRP_NAT_PUBLIC || nat == SRP_NAT_FULL_CONE;
}

static gboolean
is_anchor_link (const SrpLink *link)
{
  return srp_dht_nat_is_open (link->nat) && !srp_address_is_relay (&link->address);
}

gboolean
srp_dht_own_reachability (SrpDht *dht, SrpReachability *out)
{
  GPtrArray *links = srp_link_table_list (dht->ctx->links);

  memset (out, 0, sizeof *out);
  out->nat = dht->nat;
  if (dht->nat == SRP_NAT_UNKNOWN)
    return FALSE;
  if (srp_dht_nat_is_open (dht->nat) && srp_address_is_valid (&dht->public_address))
    {
      out->has_address = TRUE;
      out->address = dht->public_address;
      return TRUE;
    }
  /* Behind a NAT with a port mapping: anyone's HELLO gets through to the
   * mapping, so a finder shakes hands there at once (and with the anchors
   * too, in case the mapping is gone). */
  if (dht->has_mapped)
    {
      out->has_address = TRUE;
      out->address = dht->mapped;
    }
  /* Two anchors, so that one leaving does not make us unreachable until
   * the next registration. */
  for (guint i = 0; i < links->len && out->n_anchors < SRP_REGISTER_MAX_ANCHORS; i++)
    {
      const SrpLink *link = g_ptr_array_index (links, i);

      if (!is_anchor_link (link))
        continue;
      out->anchors[out->n_anchors].id = link->id;
      out->anchors[out->n_anchors].address = link->address;
      out->n_anchors++;
    }
  return out->n_anchors > 0;
}

guint
srp_dht_closest_known (SrpDht *dht, const SrpId *target, guint max, SrpDhtContact *out)
{
  GPtrArray *links = srp_link_table_list (dht->ctx->links);
  GPtrArray *records = srp_peer_table_records (dht->ctx->peers);
  SrpDhtNearest nearest;

  /* The table first, then links, then records: where two hold the same
   * peer, the first one's address is given. */
  srp_dht_nearest_init (&nearest, target, max, out);
  nearest.n = srp_dht_table_closest (dht->table, target, max, out);
  for (guint i = 0; i < links->len; i++)
    {
      const SrpLink *link = g_ptr_array_index (links, i);
      SrpDhtContact c = { .id = link->id, .nat = link->nat, .address = link->address };

      if (is_anchor_link (link))
        srp_dht_nearest_offer (&nearest, &c);
    }
  for (guint i = 0; i < records->len; i++)
    {
      const SrpKnownPeer *r = g_ptr_array_index (records, i);
      SrpDhtContact c = { .id = r->id, .nat = r->nat, .address = r->address };

      if (srp_dht_nat_is_open (r->nat) && !srp_address_is_relay (&r->address))
        srp_dht_nearest_offer (&nearest, &c);
    }
  return nearest.n;
}

/* ---- answering --------------------------------------------------------------------------- */

/* How the target of a FIND is reached, as far as we can tell. */
static gboolean
reachability_of (SrpDht *dht, const SrpId *target, SrpReachability *out)
{
  SrpContext *ctx = dht->ctx;
  const SrpReachability *held;
  SrpLink *link;

  if (srp_id_equal (target, &ctx->config->peer_id))
    return srp_dht_own_reachability (dht, out);
  if ((held = srp_dht_registry_get (dht->registry, target, ctx->now)) != NULL)
    {
      *out = *held;
      return TRUE;
    }
  /* Connected to it: we are an anchor (and we are open, or we would not be
   * answering), or it is open itself. */
  link = srp_link_table_lookup (ctx->links, target);
  if (link == NULL || srp_address_is_relay (&link->address))
    return FALSE;
  memset (out, 0, sizeof *out);
  out->nat = link->nat;
  if (srp_dht_nat_is_open (link->nat))
    {
      out->has_address = TRUE;
      out->address = link->address;
    }
  else if (srp_address_is_valid (&dht->public_address))
    {
      out->n_anchors = 1;
      out->anchors[0].id = ctx->config->peer_id;
      out->anchors[0].address = dht->public_address;
    }
  return out->has_address || out->n_anchors > 0;
}

SrpDropReason
srp_dht_answer_find (SrpDht *dht, const SrpInput *input, const SrpFind *find,
                     const SrpDhtQueryKeys *keys)
{
  SrpContext *ctx = dht->ctx;
  SrpFound found = { .nonce = find->nonce, .target = find->target };
  guint8 plain[SRP_MAX_DATAGRAM], out[SRP_MAX_DATAGRAM];
  gsize len;

  found.n_contacts = srp_dht_closest_known (dht, &find->target, SRP_FOUND_MAX_CONTACTS,
                                            found.contacts);
  found.has_reachability = reachability_of (dht, &find->target, &found.reachability);
  len = srp_found_encode (&found, plain);
  /* Sealed back under the query's key: only the asker reads it, and only
   * we could have made it. */
  if (keys != NULL)
    len = srp_dht_seal_answer (keys, srp_rng_next (&ctx->rng), plain, len, out);
  else
    memcpy (out, plain, len);
  g_return_val_if_fail (len > 0, SRP_DROP_NONE);
  /* An open sender joins our table at the address it spoke from (the ID
   * is its claim: a wrong one only costs a lookup an unanswered query).
   * The address may be spoofed: what we send it, this FOUND and our later
   * queries until it answers one, stays within 3 times its FIND. */
  if ((find->flags & SRP_FIND_FLAG_OPEN) && !srp_id_is_zero (&find->sender))
    {
      /* A link receives at its address: nothing to pay for. */
      g_autoptr (SrpCredit) credit = input->link != NULL ? NULL : srp_credit_new (input->len);
      SrpDhtContact sender = { .id = find->sender, .nat = SRP_NAT_PUBLIC,
                               .address = *input->from };

      if (credit != NULL)
        srp_credit_spend (credit, len);
      srp_dht_table_add (dht->table, &sender, ctx->now, credit);
      srp_dht_register_heard_of (dht, &find->sender);
    }
  dht->finds_answered++;
  srp_context_send (ctx, input->from, out, len);
  return SRP_DROP_NONE;
}

gboolean
srp_dht_takes_queries (SrpDht *dht, const SrpInput *input)
{
  /* Only open peers are part of the overlay, and only the main socket. */
  return srp_dht_nat_is_open (dht->nat) && input->socket == 0 &&
         !srp_address_is_relay (input->from);
}

static SrpDropReason
handle_find (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpDht *dht = self;

  /* Between peers that are not links, FIND goes sealed to the contact
   * (SEALED_QUERY): one in clear could come from anyone on the path. */
  if (input->link == NULL)
    return SRP_DROP_UNSEALED;
  if (!srp_dht_takes_queries (dht, input))
    return SRP_DROP_UNWANTED;
  if (!srp_token_bucket_take (&dht->find_budget, &srp_dht_find_rate, dht->ctx->now, 1.0))
    return SRP_DROP_RATE_LIMITED;
  return srp_dht_answer_find (dht, input, frame, NULL);
}

SrpDropReason
srp_dht_take_register (SrpDht *dht, const SrpInput *input, const SrpRegister *reg)
{
  SrpContext *ctx = dht->ctx;
  guint8 transcript[SRP_MAX_DATAGRAM];
  gsize len;

  /* An open peer registers the address it speaks from; a peer behind a NAT
   * its port mapping, on the NAT's IP (the router may give what it sends
   * another port); anything else is a replay from elsewhere, or a
   * mistake, and would point finders' HELLOs at someone else. */
  if (reg->reachability.has_address &&
      !(srp_dht_nat_is_open (reg->reachability.nat)
            ? srp_address_equal (&reg->reachability.address, input->from)
            : srp_address_same_ip (&reg->reachability.address, input->from)))
    return SRP_DROP_UNEXPECTED;
  if (!srp_token_bucket_take (&dht->register_budget, &register_rate, ctx->now, 1.0))
    return SRP_DROP_RATE_LIMITED;
  len = srp_register_transcript (&reg->sender, &reg->reachability, transcript);
  if (!srp_signature_verify (&reg->sender, transcript, len, reg->signature))
    return SRP_DROP_BAD_SIGNATURE;
  srp_dht_registry_put (dht->registry, &reg->sender, &reg->reachability,
                        ctx->now + SRP_DHT_REGISTRATION_TTL_US);
  dht->registrations_taken++;
  return SRP_DROP_NONE;
}

static SrpDropReason
handle_register (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpDht *dht = self;

  /* In clear, it would show the registrant's address to the path. */
  if (input->link == NULL)
    return SRP_DROP_UNSEALED;
  if (!srp_dht_takes_queries (dht, input))
    return SRP_DROP_UNWANTED;
  return srp_dht_take_register (dht, input, frame);
}

static SrpDropReason
handle_found (gpointer self, const SrpInput *input, gpointer frame)
{
  /* We ask contacts that are not links sealed: their answer comes sealed
   * (SEALED_ANSWER), and one in clear is someone else's. */
  if (input->link == NULL)
    return SRP_DROP_UNSEALED;
  return srp_dht_take_found (self, input, frame);
}

static const SrpFrameHandler frames[] = {
  { SRP_FRAME_FIND, SRP_FROM_ANYONE, sizeof (SrpFind), decode_find, handle_find },
  { SRP_FRAME_FOUND, SRP_FROM_ANYONE, sizeof (SrpFound), decode_found, handle_found },
  { SRP_FRAME_REGISTER, SRP_FROM_ANYONE, sizeof (SrpRegister), decode_register, handle_register },
  { SRP_FRAME_SEALED_QUERY, SRP_FROM_ANYONE, 0, NULL, srp_dht_handle_sealed_query },
  { SRP_FRAME_SEALED_ANSWER, SRP_FROM_ANYONE, 0, NULL, srp_dht_handle_sealed_answer },
};

/* ---- the subsystem ---------------------------------------------------------------------- */

void
srp_dht_set_nat (SrpDht *dht, guint8 nat, const SrpAddress *public_address)
{
  if (dht->nat == nat && srp_address_equal (&dht->public_address, public_address))
    return;
  dht->nat = nat;
  dht->public_address = *public_address;
  srp_dht_register_soon (dht);
}

void
srp_dht_set_mapped (SrpDht *dht, const SrpAddress *mapped)
{
  gboolean has = mapped != NULL;

  if (has == dht->has_mapped && (!has || srp_address_equal (mapped, &dht->mapped)))
    return;
  dht->has_mapped = has;
  if (has)
    dht->mapped = *mapped;
  srp_dht_register_soon (dht);
}

static void
dht_link_up (gpointer self, SrpLink *link, gpointer slot)
{
  SrpDht *dht = self;

  (void) slot;
  srp_dht_register_link_up (dht, link);
}

static void
dht_link_down (gpointer self, SrpLink *link, gpointer slot)
{
  (void) slot;
  srp_dht_register_link_down (self, link);
}

static void
dht_stats (gpointer self, GVariantDict *dict)
{
  SrpDht *dht = self;

  g_variant_dict_insert (dict, "dht_contacts", "u", srp_dht_table_size (dht->table));
  g_variant_dict_insert (dict, "dht_registrations", "u", srp_dht_registry_size (dht->registry));
  g_variant_dict_insert (dict, "dht_lookups_pending", "u", srp_dht_lookup_count (dht));
  g_variant_dict_insert (dict, "dht_lookups_found", "t", dht->lookups_found);
  g_variant_dict_insert (dict, "dht_lookups_failed", "t", dht->lookups_failed);
  g_variant_dict_insert (dict, "dht_finds_answered", "t", dht->finds_answered);
  g_variant_dict_insert (dict, "dht_registrations_taken", "t", dht->registrations_taken);
  g_variant_dict_insert (dict, "dht_own_lookups", "t", (guint64) dht->registrations);
}

static void
dht_detach (gpointer self)
{
  SrpDht *dht = self;

  srp_dht_lookup_clear (dht);
  srp_dht_register_clear (dht);
}

static void
dht_free (gpointer self)
{
  SrpDht *dht = self;

  srp_dht_lookup_clear (dht);
  srp_dht_register_clear (dht);
  g_ptr_array_unref (dht->lookups);
  srp_dht_table_free (dht->table);
  srp_dht_registry_free (dht->registry);
  g_free (dht->key_cache);
  g_free (dht);
}

static const SrpSubsystemClass dht_class = {
  .name = "dht",
  .link_up = dht_link_up,
  .link_down = dht_link_down,
  .detach = dht_detach,
  .stats = dht_stats,
  .free = dht_free,
};

SrpDht *
srp_dht_new (SrpContext *ctx)
{
  SrpDht *dht = g_new0 (SrpDht, 1);

  dht->ctx = ctx;
  dht->table = srp_dht_table_new (&ctx->config->peer_id, SRP_DHT_K);
  dht->registry = srp_dht_registry_new (SRP_DHT_REGISTRATIONS);
  srp_token_bucket_init (&dht->find_budget, &srp_dht_find_rate, ctx->now);
  srp_token_bucket_init (&dht->register_budget, &register_rate, ctx->now);
  srp_token_bucket_init (&dht->open_budget, &srp_dht_open_rate, ctx->now);
  dht->key_cache = g_new0 (SrpDhtKeyCacheEntry, SRP_DHT_KEY_CACHE);
  srp_dht_lookup_init (dht);
  srp_dht_register_init (dht);
  srp_context_add_subsystem (ctx, &dht_class, dht);
  srp_dispatch_add (ctx->dispatch, frames, G_N_ELEMENTS (frames), dht);
  return dht;
}
