/* srp-dht-lookup.c: iterative lookups over the open peers.
 *
 * A lookup keeps a shortlist of the contacts nearest to its target, seeded
 * from the routing table and from our open links and records, and asks
 * SRP_DHT_ALPHA of the nearest not yet asked at a time (FIND). Each answer
 * brings nearer contacts; the lookup ends when one brings the target's
 * reachability, or when the SRP_DHT_K nearest it knows (FIND_WIDTH for a
 * find) have all answered or failed. Bounds: SHORTLIST contacts, MAX_QUERIES queries, QUERY_TIMEOUT
 * per query; an answer counts only from the address it was asked at, with
 * its nonce, and, from a contact that is not a link, only sealed under the
 * query's key (srp-dht-seal.h), so nobody else can steer a lookup.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-dht-private.h"

#include <string.h>

#define SHORTLIST 24
#define MAX_QUERIES 32
#define QUERY_TIMEOUT_US (600 * G_TIME_SPAN_MILLISECOND)
#define MAX_LOOKUPS 64
#define FIND_WIDTH 16 /* nearest contacts a find asks before it gives up */

typedef enum {
  CANDIDATE_NEW,
  CANDIDATE_ASKED,
  CANDIDATE_ANSWERED,
  CANDIDATE_FAILED,
} CandidateState;

typedef struct {
  SrpDhtContact contact;
  CandidateState state;
  guint64 nonce;
  gint64 deadline;
  SrpCredit *credit;  /* whoever named it pays the FIND (srp-credit.h); NULL: our own table */
  gboolean sealed;    /* asked with a SEALED_QUERY (not a link): answered only under keys */
  SrpDhtQueryKeys keys;
} Candidate;

static void
candidate_clear (gpointer data)
{
  Candidate *c = data;

  g_clear_pointer (&c->credit, srp_credit_unref);
  memset (&c->keys, 0, sizeof c->keys);
}

typedef struct {
  SrpDht *dht;
  guint64 handle;
  SrpId target;
  GArray *candidates; /* Candidate, nearest first */
  guint in_flight, queries;
  SrpTimer timer;     /* the earliest query deadline, or now to finish */
  gboolean done;
  const SrpReachability *result;
  SrpReachability reach;
  SrpCredit *credit; /* owned: what the answer that brought reach pays for */
  /* For all its sealed queries: it asks each contact once at most. Their
   * answers all carry its ECHO, told apart by their source address. */
  SrpDhtEphemeral ephemeral;
  /* Whom it sealed a query to. A contact that fell off the shortlist
   * cannot come back onto it (the farthest place only gets nearer), but a
   * second query to one of them would repeat a key and its zero nonce:
   * checked, not assumed. */
  SrpId sealed_to[MAX_QUERIES];
  guint n_sealed_to;
  SrpDhtFoundFunc found;
  SrpDhtClosestFunc closest;
  gpointer data;
} Lookup;

static void
lookup_free (gpointer data)
{
  Lookup *l = data;

  srp_timer_stop (l->dht->ctx->timers, &l->timer);
  g_clear_pointer (&l->credit, srp_credit_unref);
  srp_dht_ephemeral_clear (&l->ephemeral);
  g_array_unref (l->candidates);
  g_free (l);
}

void
srp_dht_lookup_init (SrpDht *dht)
{
  dht->lookups = g_ptr_array_new_with_free_func (lookup_free);
}

void
srp_dht_lookup_clear (SrpDht *dht)
{
  g_ptr_array_set_size (dht->lookups, 0);
}

guint
srp_dht_lookup_count (SrpDht *dht)
{
  return dht->lookups->len;
}

/* Adds a contact to the shortlist, in distance order; the farthest falls
 * off a full one. */
static void
add_candidate (Lookup *l, const SrpDhtContact *contact, SrpCredit *credit)
{
  SrpContext *ctx = l->dht->ctx;
  Candidate c = { .contact = *contact, .state = CANDIDATE_NEW };
  guint at = 0;

  if (srp_id_equal (&contact->id, &ctx->config->peer_id) || !srp_address_is_valid (&contact->address) ||
      srp_address_is_relay (&contact->address))
    return;
  for (guint i = 0; i < l->candidates->len; i++)
    {
      const Candidate *other = &g_array_index (l->candidates, Candidate, i);
      if (srp_id_equal (&other->contact.id, &contact->id))
        return;
    }
  while (at < l->candidates->len &&
         srp_dht_compare_distance (&l->target, &g_array_index (l->candidates, Candidate, at).contact.id,
                                   &contact->id) < 0)
    at++;
  if (at >= SHORTLIST)
    return;
  c.credit = srp_credit_ref (credit);
  g_array_insert_val (l->candidates, at, c);
  if (l->candidates->len > SHORTLIST)
    {
      Candidate *last = &g_array_index (l->candidates, Candidate, l->candidates->len - 1);
      if (last->state == CANDIDATE_ASKED)
        l->in_flight--;
      g_array_set_size (l->candidates, SHORTLIST);
    }
}

static void
seed (Lookup *l)
{
  SrpDht *dht = l->dht;
  SrpContext *ctx = dht->ctx;
  SrpDhtContact near[SHORTLIST];
  guint n = srp_dht_closest_known (dht, &l->target, SHORTLIST, near);

  for (guint i = 0; i < n; i++)
    {
      SrpLink *link = srp_link_table_lookup (ctx->links, &near[i].id);
      /* A table contact that never answered us is asked on its namer's
       * credit, in every lookup, until it answers or the credit is gone
       * (the table lends no credit of its own). */
      SrpCredit *credit = link != NULL && srp_address_equal (&link->address, &near[i].address)
                            ? NULL
                            : srp_dht_table_credit (dht->table, &near[i].id);

      add_candidate (l, &near[i], credit);
    }
}

static void
ask (Lookup *l, Candidate *c)
{
  SrpDht *dht = l->dht;
  SrpContext *ctx = dht->ctx;
  SrpFind find = { .target = l->target, .sender = ctx->config->peer_id };
  guint8 out[SRP_MAX_DATAGRAM];
  gsize len;

  for (guint i = 0; i < l->n_sealed_to; i++)
    if (srp_id_equal (&l->sealed_to[i], &c->contact.id))
      {
        c->state = CANDIDATE_FAILED;
        return;
      }
  c->nonce = srp_rng_next (&ctx->rng);
  find.nonce = c->nonce;
  if (srp_dht_nat_is_open (dht->nat))
    find.flags |= SRP_FIND_FLAG_OPEN;
  /* A sealed FIND needs less padding: the seal is part of what pays for
   * the FOUND (three times at most). */
  len = srp_find_encode_padded (&find, srp_dht_seals_to (dht, &c->contact) ? SRP_SEALED_FIND_LEN
                                                                          : SRP_FIND_LEN,
                                out);
  /* A contact named by a FOUND that its namer cannot pay for is not asked,
   * nor one whose ID is no key to seal to. */
  if (!srp_dht_send_query (dht, &c->contact, out, len, c->credit, &l->ephemeral, &c->keys,
                           &c->sealed))
    {
      c->state = CANDIDATE_FAILED;
      /* It makes room in the table as one that fails. */
      srp_dht_table_failed (dht->table, &c->contact.id);
      return;
    }
  if (c->sealed && l->n_sealed_to < MAX_QUERIES)
    l->sealed_to[l->n_sealed_to++] = c->contact.id;
  c->state = CANDIDATE_ASKED;
  c->deadline = ctx->now + QUERY_TIMEOUT_US;
  l->in_flight++;
  l->queries++;
}

static void
finish (Lookup *l, const SrpReachability *reach, SrpCredit *credit)
{
  l->done = TRUE;
  if (reach != NULL)
    {
      l->reach = *reach;
      l->result = &l->reach;
      srp_credit_set (&l->credit, credit);
    }
  /* Called back from the timer, so never from inside srp_dht_find. */
  srp_timer_set (l->dht->ctx->timers, &l->timer, l->dht->ctx->now);
}

/* Asks more, or ends the lookup; arms the timer for the next deadline. */
static void
step (Lookup *l)
{
  gint64 next = -1;
  gboolean pending = FALSE;
  /* A search for a registration goes wider than a search for our homes: in
   * a young network parts of the overlay near an ID may not know of each
   * other yet, and the registration may sit in the other part. */
  guint width = l->closest != NULL ? SRP_DHT_K : FIND_WIDTH;

  if (l->done)
    return;
  for (guint i = 0; i < l->candidates->len && i < width; i++)
    {
      Candidate *c = &g_array_index (l->candidates, Candidate, i);

      if (c->state == CANDIDATE_NEW && l->in_flight < SRP_DHT_ALPHA && l->queries < MAX_QUERIES)
        ask (l, c);
      if (c->state == CANDIDATE_NEW || c->state == CANDIDATE_ASKED)
        pending = TRUE;
    }
  for (guint i = 0; i < l->candidates->len; i++)
    {
      const Candidate *c = &g_array_index (l->candidates, Candidate, i);
      if (c->state == CANDIDATE_ASKED && (next < 0 || c->deadline < next))
        next = c->deadline;
    }
  if (l->in_flight == 0 && (!pending || l->queries >= MAX_QUERIES))
    {
      finish (l, NULL, NULL);
      return;
    }
  srp_timer_set (l->dht->ctx->timers, &l->timer, next);
}

static void
report (SrpDht *dht, Lookup *l)
{
  if (l->closest != NULL)
    {
      SrpDhtContact answered[SRP_DHT_K];
      guint n = 0;

      for (guint i = 0; i < l->candidates->len && n < SRP_DHT_K; i++)
        {
          const Candidate *c = &g_array_index (l->candidates, Candidate, i);
          if (c->state == CANDIDATE_ANSWERED)
            answered[n++] = c->contact;
        }
      l->closest (l->data, answered, n);
    }
  else
    {
      if (l->result != NULL)
        dht->lookups_found++;
      else
        dht->lookups_failed++;
      l->found (l->data, &l->target, l->result, l->credit);
    }
}

static void
on_timer (SrpTimer *timer, gpointer owner)
{
  SrpDht *dht = owner;
  Lookup *l = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (Lookup, timer));
  SrpContext *ctx = dht->ctx;

  if (!l->done)
    {
      for (guint i = 0; i < l->candidates->len; i++)
        {
          Candidate *c = &g_array_index (l->candidates, Candidate, i);

          if (c->state == CANDIDATE_ASKED && c->deadline <= ctx->now)
            {
              c->state = CANDIDATE_FAILED;
              l->in_flight--;
              srp_dht_table_failed (dht->table, &c->contact.id);
            }
        }
      step (l);
      if (!l->done)
        return;
    }
  /* Removed before calling back: the callback may start another lookup. */
  {
    guint index;

    if (g_ptr_array_find (dht->lookups, l, &index))
      g_ptr_array_steal_index (dht->lookups, index);
  }
  report (dht, l);
  lookup_free (l);
}

static Lookup *
start (SrpDht *dht, const SrpId *target)
{
  Lookup *l = g_new0 (Lookup, 1);

  l->dht = dht;
  l->handle = ++dht->next_lookup;
  l->target = *target;
  l->candidates = g_array_new (FALSE, FALSE, sizeof (Candidate));
  g_array_set_clear_func (l->candidates, candidate_clear);
  srp_timer_init (&l->timer, SRP_TIMER_DHT_LOOKUP, on_timer, dht);
  /* The oldest goes, silently for its caller: a burst of lookups must not
   * grow without bound. */
  if (dht->lookups->len >= MAX_LOOKUPS)
    g_ptr_array_remove_index (dht->lookups, 0);
  g_ptr_array_add (dht->lookups, l);
  return l;
}

guint64
srp_dht_find (SrpDht *dht, const SrpId *target, SrpDhtFoundFunc func, gpointer data)
{
  Lookup *l = start (dht, target);
  SrpReachability reach;

  l->found = func;
  l->data = data;
  /* An open peer may hold the answer itself. */
  if (srp_dht_nat_is_open (dht->nat) && !srp_id_equal (target, &dht->ctx->config->peer_id))
    {
      const SrpReachability *held = srp_dht_registry_get (dht->registry, target, dht->ctx->now);
      if (held != NULL)
        {
          reach = *held;
          finish (l, &reach, NULL);
          return l->handle;
        }
    }
  seed (l);
  step (l);
  return l->handle;
}

guint64
srp_dht_find_closest (SrpDht *dht, const SrpId *target, SrpDhtClosestFunc func, gpointer data)
{
  Lookup *l = start (dht, target);

  l->closest = func;
  l->data = data;
  seed (l);
  step (l);
  return l->handle;
}

void
srp_dht_cancel (SrpDht *dht, guint64 handle)
{
  for (guint i = 0; i < dht->lookups->len; i++)
    if (((Lookup *) g_ptr_array_index (dht->lookups, i))->handle == handle)
      {
        g_ptr_array_remove_index (dht->lookups, i);
        return;
      }
}

/* The answer of c, asked by l, came: what it names joins the lookup. */
static SrpDropReason
take (SrpDht *dht, Lookup *l, Candidate *c, const SrpInput *input, const SrpFound *found)
{
  g_autoptr (SrpCredit) credit = NULL;

  c->state = CANDIDATE_ANSWERED;
  memset (&c->keys, 0, sizeof c->keys);
  l->in_flight--;
  /* It echoed our nonce: it receives. Those it names are paid for
   * by what it sent (a link earns all the time). */
  if (input->link != NULL)
    srp_credit_set (&credit, input->link->credit);
  else
    credit = srp_credit_new (input->len);
  /* It answered FIND, so it is open: into the table. */
  srp_dht_table_add (dht->table, &c->contact, dht->ctx->now, NULL);
  /* Contacts it names fill empty places in our table too (a full
   * bucket keeps what it has; one that never answers leaves after
   * two tries): tables stay dense near every ID that is looked up. */
  for (guint n = 0; n < found->n_contacts; n++)
    {
      add_candidate (l, &found->contacts[n], credit);
      if (!srp_id_equal (&found->contacts[n].id, &dht->ctx->config->peer_id))
        srp_dht_table_add (dht->table, &found->contacts[n], dht->ctx->now, credit);
      srp_dht_register_heard_of (dht, &found->contacts[n].id);
    }
  /* The addresses in the reachability are named by this answer as its
   * contacts are: the HELLOs to them are paid from its credit. */
  if (found->has_reachability && l->closest == NULL)
    finish (l, &found->reachability, credit);
  else
    step (l);
  return SRP_DROP_NONE;
}

SrpDropReason
srp_dht_take_found (SrpDht *dht, const SrpInput *input, const SrpFound *found)
{
  for (guint i = 0; i < dht->lookups->len; i++)
    {
      Lookup *l = g_ptr_array_index (dht->lookups, i);

      if (l->done || !srp_id_equal (&l->target, &found->target))
        continue;
      for (guint k = 0; k < l->candidates->len; k++)
        {
          Candidate *c = &g_array_index (l->candidates, Candidate, k);

          if (c->state == CANDIDATE_ASKED && !c->sealed && c->nonce == found->nonce &&
              srp_address_equal (&c->contact.address, input->from))
            return take (dht, l, c, input, found);
        }
    }
  return SRP_DROP_UNEXPECTED;
}

SrpDropReason
srp_dht_handle_sealed_answer (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpDht *dht = self;
  guint8 echo[SRP_DHT_SEAL_ECHO_LEN];
  SrpDropReason unopened = SRP_DROP_UNEXPECTED;

  (void) frame;
  if (!srp_dht_answer_echo (input->data, input->len, echo))
    return SRP_DROP_BAD_CONTROL;
  for (guint i = 0; i < dht->lookups->len; i++)
    {
      Lookup *l = g_ptr_array_index (dht->lookups, i);

      if (l->done)
        continue;
      for (guint k = 0; k < l->candidates->len; k++)
        {
          Candidate *c = &g_array_index (l->candidates, Candidate, k);
          guint8 plain[SRP_MAX_DATAGRAM];
          SrpFound found;
          SrpDropReason reason;
          gsize len;

          if (c->state != CANDIDATE_ASKED || !c->sealed ||
              memcmp (c->keys.echo, echo, sizeof echo) != 0 ||
              !srp_address_equal (&c->contact.address, input->from))
            continue;
          /* One that does not open leaves the query waiting for the true
           * answer: anyone on the path saw the ECHO. The lookup's other
           * queries carry the same ECHO, and two contacts may be named at
           * one address: it may open under another's keys. */
          reason = srp_dht_open_answer (&c->keys, input->data, input->len, plain, &len);
          if (reason != SRP_DROP_NONE)
            {
              unopened = reason;
              continue;
            }
          dht->ctx->frames_in[plain[3]]++;
          if (plain[3] != SRP_FRAME_FOUND)
            return SRP_DROP_BAD_CONTROL;
          if ((reason = srp_found_decode (plain, len, &found)) != SRP_DROP_NONE)
            return reason;
          /* Only the contact holds the key; still, the answer is to this
           * query, of this lookup. */
          if (found.nonce != c->nonce || !srp_id_equal (&found.target, &l->target))
            return SRP_DROP_UNEXPECTED;
          return take (dht, l, c, input, &found);
        }
    }
  return unopened;
}
