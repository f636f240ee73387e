/* sim-find-trace.c: a find's phases, seen from the wire (sim-find-trace.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE /* memmem */
#include "sim-find-trace.h"

#include <stdio.h>
#include <string.h>

#include "srp-control-connect.h"
#include "srp-control-dht.h"
#include "srp-wire.h"

typedef enum {
  T_FIRST_FIND, /* the initiator's first FIND for the target */
  T_FOUND,      /* a FOUND with the target's reachability reached the initiator */
  T_INTRO_I,    /* INTRODUCE (ok) about the target reached the initiator */
  T_INTRO_T,    /* ... about the initiator reached the target */
  T_PUNCH_I,    /* a PUNCH with the nonce reached the initiator */
  T_PUNCH_T,    /* ... the target */
  T_HELLO_I,    /* a handshake frame from the target's IP reached the initiator */
  T_HELLO_T,    /* ... from the initiator's IP reached the target */
  T_RELAYED_I,  /* a RELAYED frame about the target reached the initiator */
  N_TIMES
} TimeIndex;

static const char *time_names[N_TIMES] = {
  "first_find", "found", "intro_i", "intro_t", "punch_i", "punch_t", "hello_i", "hello_t",
  "relayed_i",
};

typedef struct {
  guint from, to; /* ordinals */
  SimAccess from_access, to_access;
  guint8 from_nat, to_nat; /* what the cores concluded, at the connect */
  SrpId from_id, to_id;
  guint64 request, nonce;
  gboolean has_nonce, has_to_addr, has_from_addr, done, ok;
  SrpAddress to_addr, from_addr; /* as the introducer gave them */
  gint64 started, elapsed;
  guint8 path;
  gint64 times[N_TIMES];
  guint finds_sent, unknown, hellos_sent;
  guint8 told_nat[2]; /* the other side's NAT type in the INTRODUCE each side got, 0xff: none */
  const char *reason;
  guint socket_punches[2], sprays[2]; /* sent by the initiator [0] and the target [1] */
} Record;

struct _SimFindTrace {
  SimWorld *world;
  GPtrArray *records;  /* Record*, owned, in order */
  GHashTable *watched; /* ordinal -> GPtrArray of Record* still open */
};

static gboolean
wants (SimNode *node, gpointer user_data)
{
  SimFindTrace *trace = user_data;

  return g_hash_table_contains (trace->watched, GUINT_TO_POINTER (sim_node_get_ordinal (node)));
}

static void
note (Record *r, TimeIndex i, gint64 now)
{
  if (r->times[i] < 0)
    r->times[i] = now - r->started;
}

static gboolean
is_handshake (guint8 kind)
{
  return kind == SRP_FRAME_HELLO || kind == SRP_FRAME_HELLO_REPLY ||
         kind == SRP_FRAME_HELLO_DONE || kind == SRP_FRAME_COOKIE;
}

/* What punching a side does: PUNCH from a punch socket (the symmetric
 * side of a birthday), or at full TTL from the main socket (the spray). */
static void
count_punch (Record *r, guint side, guint socket, guint8 ttl, const guint8 *plain, gsize len)
{
  guint64 nonce;

  if (plain[3] != SRP_FRAME_PUNCH || !r->has_nonce ||
      srp_punch_decode (plain, len, &nonce) != SRP_DROP_NONE || nonce != r->nonce)
    return;
  if (socket >= 2)
    r->socket_punches[side]++;
  else if (ttl == 0)
    r->sprays[side]++;
}

static void
on_initiator (Record *r, gboolean outgoing, const SrpAddress *remote, guint socket, guint8 ttl,
              const guint8 *plain, gsize len, gint64 now)
{
  guint8 kind = plain[3];

  if (outgoing)
    {
      SrpFind find;

      count_punch (r, 0, socket, ttl, plain, len);

      if (kind == SRP_FRAME_FIND && srp_find_decode (plain, len, &find) == SRP_DROP_NONE &&
          srp_id_equal (&find.target, &r->to_id))
        {
          note (r, T_FIRST_FIND, now);
          r->finds_sent++;
        }
      else if (kind == SRP_FRAME_HELLO && r->has_to_addr &&
               srp_address_same_ip (remote, &r->to_addr))
        r->hellos_sent++;
      return;
    }
  if (kind == SRP_FRAME_FOUND)
    {
      SrpFound found;

      if (srp_found_decode (plain, len, &found) == SRP_DROP_NONE && found.has_reachability &&
          srp_id_equal (&found.target, &r->to_id))
        note (r, T_FOUND, now);
    }
  else if (kind == SRP_FRAME_INTRODUCE)
    {
      SrpIntroduce intro;

      if (srp_introduce_decode (plain, len, &intro) != SRP_DROP_NONE ||
          !srp_id_equal (&intro.peer, &r->to_id))
        return;
      if (intro.status == SRP_INTRODUCE_UNKNOWN)
        r->unknown++;
      else
        {
          note (r, T_INTRO_I, now);
          if (r->told_nat[0] == 0xff)
            r->told_nat[0] = intro.nat;
          r->nonce = intro.nonce, r->has_nonce = TRUE;
          r->to_addr = intro.address, r->has_to_addr = TRUE;
        }
    }
  else if (kind == SRP_FRAME_PUNCH)
    {
      guint64 nonce;

      if (r->has_nonce && srp_punch_decode (plain, len, &nonce) == SRP_DROP_NONE &&
          nonce == r->nonce)
        note (r, T_PUNCH_I, now);
    }
  else if (is_handshake (kind))
    {
      if (r->has_to_addr && srp_address_same_ip (remote, &r->to_addr))
        note (r, T_HELLO_I, now);
    }
  else if (kind == SRP_FRAME_RELAYED && r->times[T_INTRO_I] >= 0 &&
           memmem (plain, len, r->to_id.bytes, 8) != NULL)
    note (r, T_RELAYED_I, now);
}

static void
on_target (Record *r, gboolean outgoing, const SrpAddress *remote, guint socket, guint8 ttl,
           const guint8 *plain, gsize len, gint64 now)
{
  guint8 kind = plain[3];

  if (outgoing)
    {
      count_punch (r, 1, socket, ttl, plain, len);
      return;
    }
  if (kind == SRP_FRAME_INTRODUCE)
    {
      SrpIntroduce intro;

      if (srp_introduce_decode (plain, len, &intro) == SRP_DROP_NONE &&
          intro.status == SRP_INTRODUCE_OK && srp_id_equal (&intro.peer, &r->from_id))
        {
          note (r, T_INTRO_T, now);
          if (r->told_nat[1] == 0xff)
            r->told_nat[1] = intro.nat;
          r->from_addr = intro.address, r->has_from_addr = TRUE;
          if (!r->has_nonce)
            r->nonce = intro.nonce, r->has_nonce = TRUE;
        }
    }
  else if (kind == SRP_FRAME_PUNCH)
    {
      guint64 nonce;

      if (r->has_nonce && srp_punch_decode (plain, len, &nonce) == SRP_DROP_NONE &&
          nonce == r->nonce)
        note (r, T_PUNCH_T, now);
    }
  else if (is_handshake (kind) && r->has_from_addr &&
           srp_address_same_ip (remote, &r->from_addr))
    note (r, T_HELLO_T, now);
}

static void
on_watch (SimWorld *world, SimNode *node, gboolean outgoing, const SrpAddress *remote,
          guint socket, guint8 ttl, const guint8 *plain, gsize len, gpointer user_data)
{
  SimFindTrace *trace = user_data;
  guint ordinal = sim_node_get_ordinal (node);
  GPtrArray *open = g_hash_table_lookup (trace->watched, GUINT_TO_POINTER (ordinal));
  gint64 now = sim_world_get_now (world);

  if (plain == NULL || len <= 3 || open == NULL)
    return;
  for (guint i = 0; i < open->len; i++)
    {
      Record *r = g_ptr_array_index (open, i);

      if (r->from == ordinal)
        on_initiator (r, outgoing, remote, socket, ttl, plain, len, now);
      else
        on_target (r, outgoing, remote, socket, ttl, plain, len, now);
    }
}

SimFindTrace *
sim_find_trace_new (SimWorld *world)
{
  SimFindTrace *trace = g_new0 (SimFindTrace, 1);

  trace->world = world;
  trace->records = g_ptr_array_new_with_free_func (g_free);
  trace->watched = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  sim_world_set_watch (world, wants, on_watch, trace);
  return trace;
}

void
sim_find_trace_free (SimFindTrace *trace)
{
  if (trace == NULL)
    return;
  sim_world_set_watch (trace->world, NULL, NULL, NULL);
  g_hash_table_unref (trace->watched);
  g_ptr_array_unref (trace->records);
  g_free (trace);
}

static void
watch (SimFindTrace *trace, guint ordinal, Record *r)
{
  GPtrArray *open = g_hash_table_lookup (trace->watched, GUINT_TO_POINTER (ordinal));

  if (open == NULL)
    {
      open = g_ptr_array_new ();
      g_hash_table_insert (trace->watched, GUINT_TO_POINTER (ordinal), open);
    }
  g_ptr_array_add (open, r);
}

static void
unwatch (SimFindTrace *trace, guint ordinal, Record *r)
{
  GPtrArray *open = g_hash_table_lookup (trace->watched, GUINT_TO_POINTER (ordinal));

  if (open == NULL)
    return;
  g_ptr_array_remove (open, r);
  if (open->len == 0)
    g_hash_table_remove (trace->watched, GUINT_TO_POINTER (ordinal));
}

void
sim_find_trace_started (SimFindTrace *trace, SimNode *from, SimNode *to, guint64 request)
{
  Record *r = g_new0 (Record, 1);

  r->from = sim_node_get_ordinal (from);
  r->to = sim_node_get_ordinal (to);
  r->from_access = sim_node_get_access (from);
  r->to_access = sim_node_get_access (to);
  r->from_nat = srp_core_get_nat (sim_node_get_core (from), NULL);
  r->to_nat = srp_core_get_nat (sim_node_get_core (to), NULL);
  r->from_id = *sim_node_get_id (from);
  r->to_id = *sim_node_get_id (to);
  r->request = request;
  r->started = sim_world_get_now (trace->world);
  r->elapsed = -1;
  r->told_nat[0] = r->told_nat[1] = 0xff;
  for (guint i = 0; i < N_TIMES; i++)
    r->times[i] = -1;
  g_ptr_array_add (trace->records, r);
  watch (trace, r->from, r);
  if (r->to != r->from)
    watch (trace, r->to, r);
}

static void
close_record (SimFindTrace *trace, Record *r)
{
  r->done = TRUE;
  unwatch (trace, r->from, r);
  unwatch (trace, r->to, r);
}

void
sim_find_trace_result (SimFindTrace *trace, SimNode *from, guint64 request, gboolean ok,
                       guint8 path, gint64 elapsed_us, const char *reason)
{
  guint ordinal = sim_node_get_ordinal (from);
  GPtrArray *open = g_hash_table_lookup (trace->watched, GUINT_TO_POINTER (ordinal));

  for (guint i = 0; open != NULL && i < open->len; i++)
    {
      Record *r = g_ptr_array_index (open, i);

      if (r->from == ordinal && r->request == request)
        {
          r->ok = ok;
          r->path = path;
          r->elapsed = elapsed_us;
          r->reason = reason;
          close_record (trace, r);
          return;
        }
    }
}

void
sim_find_trace_node_left (SimFindTrace *trace, SimNode *node)
{
  guint ordinal = sim_node_get_ordinal (node);
  GPtrArray *open;

  while ((open = g_hash_table_lookup (trace->watched, GUINT_TO_POINTER (ordinal))) != NULL)
    close_record (trace, g_ptr_array_index (open, 0));
}

static double
ms (gint64 us)
{
  return us < 0 ? -1.0 : (double) us / 1000.0;
}

gboolean
sim_find_trace_write (SimFindTrace *trace, const char *path, GError **error)
{
  g_autoptr (GString) out = g_string_new ("from\tfrom_nat\tto\tto_nat\tok\tpath\telapsed");

  for (guint i = 0; i < N_TIMES; i++)
    g_string_append_printf (out, "\t%s", time_names[i]);
  g_string_append (out, "\tfinds_sent\tunknown\thellos_sent\tsocket_punches_i\tsprays_i"
                        "\tsocket_punches_t\tsprays_t\ttold_nat_i\ttold_nat_t\treason\tfrom_node\tto_node\n");
  for (guint i = 0; i < trace->records->len; i++)
    {
      const Record *r = g_ptr_array_index (trace->records, i);

      g_string_append_printf (out, "%s\t%s\t%s\t%s\t%d\t%u\t%.1f",
                              sim_access_name (r->from_access), srp_nat_name (r->from_nat),
                              sim_access_name (r->to_access), srp_nat_name (r->to_nat),
                              r->done && r->elapsed >= 0 ? r->ok : -1, r->path,
                              ms (r->elapsed));
      for (guint t = 0; t < N_TIMES; t++)
        g_string_append_printf (out, "\t%.1f", ms (r->times[t]));
      g_string_append_printf (out, "\t%u\t%u\t%u\t%u\t%u\t%u\t%u\t%s\t%s\t%s\t%u\t%u\n", r->finds_sent,
                              r->unknown, r->hellos_sent, r->socket_punches[0], r->sprays[0],
                              r->socket_punches[1], r->sprays[1],
                              r->told_nat[0] == 0xff ? "-" : srp_nat_name (r->told_nat[0]),
                              r->told_nat[1] == 0xff ? "-" : srp_nat_name (r->told_nat[1]),
                              r->reason != NULL ? r->reason : "-", r->from, r->to);
    }
  return g_file_set_contents (path, out->str, (gssize) out->len, error);
}
