/* srp-dht-register.c: keeping our own registration up.
 *
 * Once our NAT is known, and we are open or connected to an open peer, we
 * look up our own ID and send REGISTER (signed) to the SRP_DHT_HOMES
 * nearest open peers that answered; again after 30 s, 1 min, 2 min, ... (the
 * network near our ID may still be forming), up to every SRP_DHT_REREGISTER_US
 * (the homes hold it for SRP_DHT_REGISTRATION_TTL_US), at once when a lookup
 * found the homes the one before did, and soon after
 * what we registered changed (the NAT, or an anchor went).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-dht-private.h"

#include <string.h>

/* Long enough for the INFO that tells a new link's NAT type, and for a
 * burst of link changes to settle into one registration. */
#define SOON_US (3 * G_TIME_SPAN_SECOND)
/* After the first lookup of our ID, the next comes this long after, then
 * twice as long each time up to SRP_DHT_REREGISTER_US. */
#define SETTLING_FIRST_US (30 * G_TIME_SPAN_SECOND)
/* Lookups of our ID come at most this often, whatever asks for them. */
#define MIN_GAP_US (20 * G_TIME_SPAN_SECOND)
/* The doubling's shift once SETTLING_FIRST_US << it is past the period. */
#define SETTLED_SHIFT 5
G_STATIC_ASSERT ((SETTLING_FIRST_US << SETTLED_SHIFT) >= SRP_DHT_REREGISTER_US);

/* Signs our reachability and sends it to the homes. */
static void
send_registration (SrpDht *dht)
{
  SrpContext *ctx = dht->ctx;
  SrpRegister reg = { .sender = ctx->config->peer_id };
  SrpDhtEphemeral ephemeral = { 0 };
  guint8 transcript[SRP_MAX_DATAGRAM], out[SRP_MAX_DATAGRAM];
  gsize len, frame_len;

  if (dht->n_homes == 0 || ctx->config->sign == NULL ||
      !srp_dht_own_reachability (dht, &reg.reachability))
    return;
  len = srp_register_transcript (&reg.sender, &reg.reachability, transcript);
  if (!ctx->config->sign (transcript, len, reg.signature, ctx->config->sign_data))
    return;
  frame_len = srp_register_encode (&reg, out);
  /* Sealed to each home that is not a link: the path would see where we
   * are reached. Homes answered us: no credit needed. One ephemeral key
   * for the round (each home is another contact), not the lookup's: the
   * homes had a FIND under that one, and the same key would come again. */
  for (guint i = 0; i < dht->n_homes; i++)
    {
      SrpDhtQueryKeys keys;
      gboolean sealed;

      srp_dht_send_query (dht, &dht->homes[i], out, frame_len, NULL, &ephemeral, &keys, &sealed);
      memset (&keys, 0, sizeof keys);
    }
  srp_dht_ephemeral_clear (&ephemeral);
  dht->n_anchors = reg.reachability.n_anchors;
  for (guint i = 0; i < dht->n_anchors; i++)
    dht->anchors[i] = reg.reachability.anchors[i].id;
}

/* Whether answered (n of them) are the homes we have, in any order. */
static gboolean
same_homes (const SrpDht *dht, const SrpDhtContact *answered, guint n)
{
  if (n != dht->n_homes)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < dht->n_homes && !found; j++)
        found = srp_id_equal (&answered[i].id, &dht->homes[j].id);
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static void
on_closest (gpointer data, const SrpDhtContact *answered, guint n)
{
  SrpDht *dht = data;
  SrpContext *ctx = dht->ctx;

  dht->registering = 0;
  dht->registered_at = ctx->now;
  /* The same homes as the last lookup found: the network near our ID has
   * settled, and the doubling ends at once (in the simulator, 2,000 peers
   * for 10 minutes: 3.1 scheduled lookups of its ID per peer, 0.9 with
   * this; all FINDs still connected within 2 s). Nearer peers that appear
   * later still bring a lookup (srp_dht_register_heard_of). */
  if (dht->registrations > 0 && same_homes (dht, answered, MIN (n, SRP_DHT_HOMES)))
    dht->settling = MAX (dht->settling, SETTLED_SHIFT);
  /* The first lookups of our ID run while the network around it is still
   * forming (we, and others, have just joined): the next ones come sooner,
   * 30 s, 1 min, 2 min... each finding nearer peers and making us known to
   * them, until they are SRP_DHT_REREGISTER_US apart. */
  srp_timer_set (ctx->timers, &dht->reregister,
                 ctx->now + MIN (SETTLING_FIRST_US << dht->settling, SRP_DHT_REREGISTER_US));
  dht->settling = MIN (dht->settling + 1, SETTLED_SHIFT);
  dht->registrations++;
  dht->n_homes = MIN (n, SRP_DHT_HOMES);
  if (dht->n_homes > 0)
    memcpy (dht->homes, answered, dht->n_homes * sizeof (SrpDhtContact));
  send_registration (dht);
}

static void
on_reregister (SrpTimer *timer, gpointer owner)
{
  SrpDht *dht = owner;
  SrpReachability reach;

  (void) timer;
  if (dht->registering != 0 || !srp_dht_own_reachability (dht, &reach))
    return; /* a link or a NAT change will bring us back */
  /* Only the anchors changed: the homes are where they were. */
  if (dht->send_to_homes && dht->n_homes > 0)
    {
      dht->send_to_homes = FALSE;
      send_registration (dht);
      srp_timer_set (dht->ctx->timers, &dht->reregister, dht->ctx->now + SRP_DHT_REREGISTER_US);
      return;
    }
  dht->registering = srp_dht_find_closest (dht, &dht->ctx->config->peer_id, on_closest, dht);
}

void
srp_dht_register_init (SrpDht *dht)
{
  srp_timer_init (&dht->reregister, SRP_TIMER_DHT_REGISTER, on_reregister, dht);
}

void
srp_dht_register_clear (SrpDht *dht)
{
  srp_timer_stop (dht->ctx->timers, &dht->reregister);
  dht->registering = 0;
  dht->n_anchors = 0;
  dht->n_homes = 0;
  dht->send_to_homes = FALSE;
}

void
srp_dht_register_soon (SrpDht *dht)
{
  gint64 at = dht->ctx->now + SOON_US;

  dht->send_to_homes = FALSE;
  if (dht->registrations > 0)
    at = MAX (at, dht->registered_at + MIN_GAP_US);
  srp_timer_set_earlier (dht->ctx->timers, &dht->reregister, at);
}

static void
anchors_changed (SrpDht *dht)
{
  gboolean pending = srp_timer_is_armed (&dht->reregister) &&
                     dht->reregister.deadline <= dht->ctx->now + SOON_US;

  /* A lookup already due stays one; otherwise the same homes hear of it. */
  if (!pending)
    dht->send_to_homes = TRUE;
  srp_timer_set_earlier (dht->ctx->timers, &dht->reregister, dht->ctx->now + SOON_US);
}

void
srp_dht_register_heard_of (SrpDht *dht, const SrpId *id)
{
  const SrpId *self = &dht->ctx->config->peer_id;

  if (dht->n_homes == 0 || srp_id_equal (id, self))
    return;
  for (guint i = 0; i < dht->n_homes; i++)
    if (srp_id_equal (&dht->homes[i].id, id))
      return;
  /* Homes are the nearest peers the last lookup of our ID found; while the
   * network forms, nearer ones appear, and lookups for us end at them. */
  if (dht->n_homes < SRP_DHT_HOMES ||
      srp_dht_compare_distance (self, id, &dht->homes[dht->n_homes - 1].id) < 0)
    srp_dht_register_soon (dht);
}

void
srp_dht_register_link_up (SrpDht *dht, const SrpLink *link)
{
  (void) link;
  /* Behind a NAT with no anchor yet: this link may be one (its NAT type
   * comes with INFO, after this: the registration waits a little). */
  if (srp_dht_nat_is_open (dht->nat) || dht->n_anchors > 0)
    return;
  if (dht->n_homes == 0)
    srp_dht_register_soon (dht);
  else
    anchors_changed (dht);
}

void
srp_dht_register_link_down (SrpDht *dht, const SrpLink *link)
{
  for (guint i = 0; i < dht->n_anchors; i++)
    if (srp_id_equal (&dht->anchors[i], &link->id))
      {
        /* Our homes now point at a peer that cannot introduce us. */
        dht->anchors[i] = dht->anchors[--dht->n_anchors];
        anchors_changed (dht);
        return;
      }
}
