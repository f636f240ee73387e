/* srp-reassembler.c: packets in any order back into whole messages.
 *
 * Held packets are grouped in segments: runs of packets linked both ways
 * (a.NEXT == b.ID, b.PREV == a.ID, b.INDEX == a.INDEX + 1, same TOPIC and
 * TYPE). One table maps every held packet ID to its node, and that is all
 * the lookup linking needs: a new packet's left neighbour can only be the
 * held packet whose ID is its PREV, its right neighbour only the one whose
 * ID is its NEXT. Joining two segments relabels the nodes of the smaller
 * one, so a message of n packets arriving in any order costs O(n log n).
 *
 * A segment is what the API calls an incomplete chain: max_chains, eviction
 * and timeouts count segments. Segments sit in a list from least to most
 * recently extended, which is both the eviction order and the timeout order.
 * Nothing iterates a hash table, so the results depend on the inputs only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-reassembler.h"

#include <string.h>

typedef struct _Segment Segment;

typedef struct _Node {
  SrpId prev_id;
  SrpId id;
  SrpId topic_id;
  SrpId next_id;
  guint32 index;
  guint8 type;
  guint8 postage;
  guint16 body_len;
  struct _Node *right; /* the next node of the segment, NULL at its tail */
  Segment *segment;
  guint8 body[]; /* body_len bytes */
} Node;

struct _Segment {
  Node *head;
  Node *tail;
  guint n_packets;
  gsize bytes;
  gint64 last_us; /* when a packet last joined */
  GList link;     /* in SrpReassembler.segments; data points back here */
};

struct _SrpReassembler {
  SrpReassemblerConfig config;
  GHashTable *nodes;  /* SrpId of a held packet -> Node (owned) */
  GQueue segments;    /* of Segment, least recently extended first */
  gsize bytes;
  gint64 now_us;      /* latest time seen: time never runs back here */
  GQueue complete;    /* of SrpReassembledMessage, not yet popped */

  /* IDs of packets of delivered messages, to refuse their repeats: a set
   * and a ring holding the same IDs in order of arrival. The ring grows up
   * to remembered_ids, then the oldest ID makes room for the newest. */
  GHashTable *remembered; /* SrpId (points into ring) -> itself */
  SrpId *ring;
  guint ring_size;
  guint ring_start;
  guint ring_len;

  /* Packets dropped to respect the bounds (REASSEMBLY_FULL and _TIMEOUT)
   * after they were taken. A packet refused by srp_reassembler_add is only
   * returned, for the caller to count: the two never count one drop twice. */
  guint64 drops[SRP_DROP_N_REASONS];
};

void
srp_reassembler_config_init (SrpReassemblerConfig *config)
{
  config->max_bytes = 8 * 1024 * 1024;
  /* A run is a linked stretch of one chain, so a shuffled 1 MiB message
   * alone can hold hundreds at its peak: bytes, not runs, bound memory. */
  config->max_chains = 4096;
  config->timeout_us = 60 * G_USEC_PER_SEC;
  config->remembered_ids = 65536;
}

void
srp_reassembled_message_clear (SrpReassembledMessage *message)
{
  g_clear_pointer (&message->data, g_bytes_unref);
}

SrpReassembler *
srp_reassembler_new (const SrpReassemblerConfig *config)
{
  SrpReassembler *r = g_new0 (SrpReassembler, 1);

  if (config != NULL)
    r->config = *config;
  else
    srp_reassembler_config_init (&r->config);
  r->nodes = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, NULL, g_free);
  g_queue_init (&r->segments);
  g_queue_init (&r->complete);
  r->remembered = g_hash_table_new (srp_id_hash_func, srp_id_equal_func);
  r->now_us = G_MININT64;
  return r;
}

static void
free_message (gpointer data)
{
  SrpReassembledMessage *message = data;

  srp_reassembled_message_clear (message);
  g_free (message);
}

void
srp_reassembler_free (SrpReassembler *r)
{
  if (r == NULL)
    return;
  /* The nodes go with their table. */
  while (r->segments.head != NULL)
    g_free (g_queue_pop_head_link (&r->segments)->data);
  g_hash_table_destroy (r->nodes);
  g_queue_clear_full (&r->complete, free_message);
  g_hash_table_destroy (r->remembered);
  g_free (r->ring);
  g_free (r);
}

static void
remember (SrpReassembler *r, const SrpId *id)
{
  guint capacity = r->config.remembered_ids;
  SrpId *slot;

  if (capacity == 0)
    return;
  if (r->ring_len == r->ring_size && r->ring_size < capacity)
    {
      /* Until the ring first fills, ring_start is 0 and the IDs are in
       * place; the set's keys point into the ring, so they move with it. */
      r->ring_size = MIN (MAX (r->ring_size * 2, 1024u), capacity);
      r->ring = g_renew (SrpId, r->ring, r->ring_size);
      g_hash_table_remove_all (r->remembered);
      for (guint i = 0; i < r->ring_len; i++)
        g_hash_table_add (r->remembered, &r->ring[i]);
    }
  if (r->ring_len == r->ring_size)
    {
      g_hash_table_remove (r->remembered, &r->ring[r->ring_start]);
      r->ring_start = (r->ring_start + 1) % r->ring_size;
      r->ring_len--;
    }
  slot = &r->ring[(r->ring_start + r->ring_len) % r->ring_size];
  *slot = *id;
  r->ring_len++;
  g_hash_table_add (r->remembered, slot);
}

static Node *
node_new (const SrpPacket *packet)
{
  Node *node = g_malloc (sizeof (Node) + packet->body_len);

  node->prev_id = packet->prev_id;
  node->id = packet->id;
  node->topic_id = packet->topic_id;
  node->next_id = packet->next_id;
  node->index = packet->index;
  node->type = packet->type;
  node->postage = packet->postage;
  node->body_len = packet->body_len;
  node->right = NULL;
  node->segment = NULL;
  memcpy (node->body, packet->body, packet->body_len);
  return node;
}

static gboolean
node_same_header (const Node *node, const SrpPacket *packet)
{
  /* As srp_packet_same_header: POSTAGE may differ between honest copies. */
  return srp_id_equal (&node->prev_id, &packet->prev_id) &&
         srp_id_equal (&node->topic_id, &packet->topic_id) && node->type == packet->type &&
         node->index == packet->index && srp_id_equal (&node->next_id, &packet->next_id) &&
         node->body_len == packet->body_len;
}

/* TRUE when a may be followed by the packet b describes, both agreeing. */
static gboolean
links (const SrpId *a_id, const SrpId *a_next, const SrpId *a_topic, guint8 a_type,
       guint32 a_index, const SrpId *b_id, const SrpId *b_prev, const SrpId *b_topic,
       guint8 b_type, guint32 b_index)
{
  return srp_id_equal (a_next, b_id) && srp_id_equal (b_prev, a_id) && a_index + 1 == b_index &&
         srp_id_equal (a_topic, b_topic) && a_type == b_type;
}

static Node *
find_left (SrpReassembler *r, const SrpPacket *p)
{
  Node *a;

  if (p->index == 0)
    return NULL;
  a = g_hash_table_lookup (r->nodes, &p->prev_id);
  if (a == NULL || !links (&a->id, &a->next_id, &a->topic_id, a->type, a->index, &p->id,
                           &p->prev_id, &p->topic_id, p->type, p->index))
    return NULL;
  /* a.NEXT names p, which is not held, so a ends its segment. */
  g_assert (a->right == NULL);
  return a;
}

static Node *
find_right (SrpReassembler *r, const SrpPacket *p)
{
  Node *b;

  if (srp_id_is_zero (&p->next_id))
    return NULL;
  b = g_hash_table_lookup (r->nodes, &p->next_id);
  if (b == NULL || !links (&p->id, &p->next_id, &p->topic_id, p->type, p->index, &b->id,
                           &b->prev_id, &b->topic_id, b->type, b->index))
    return NULL;
  g_assert (b->segment->head == b);
  return b;
}

static Segment *
segment_new (SrpReassembler *r, Node *node)
{
  Segment *segment = g_new0 (Segment, 1);

  segment->head = segment->tail = node;
  segment->n_packets = 1;
  segment->bytes = node->body_len;
  segment->link.data = segment;
  node->segment = segment;
  g_queue_push_tail_link (&r->segments, &segment->link);
  return segment;
}

/* Appends right's nodes to left's. Moves the smaller side's nodes into
 * the larger side's segment; returns the survivor, and frees the other. */
static Segment *
segment_join (SrpReassembler *r, Segment *left, Segment *right)
{
  Segment *keep = left->n_packets >= right->n_packets ? left : right;
  Segment *gone = keep == left ? right : left;

  for (Node *node = gone->head; node != NULL; node = node->right)
    node->segment = keep;
  left->tail->right = right->head;
  keep->head = left->head;
  keep->tail = right->tail;
  keep->n_packets = left->n_packets + right->n_packets;
  keep->bytes = left->bytes + right->bytes;
  keep->last_us = MAX (left->last_us, right->last_us);
  g_queue_unlink (&r->segments, &gone->link);
  g_free (gone);
  return keep;
}

/* Removes a segment and its nodes; remembers their IDs when delivered. */
static void
segment_remove (SrpReassembler *r, Segment *segment, gboolean delivered)
{
  Node *node = segment->head;

  g_queue_unlink (&r->segments, &segment->link);
  r->bytes -= segment->bytes;
  while (node != NULL)
    {
      Node *right = node->right;
      if (delivered)
        remember (r, &node->id);
      g_hash_table_remove (r->nodes, &node->id); /* frees node */
      node = right;
    }
  g_free (segment);
}

static void
deliver (SrpReassembler *r, Segment *segment)
{
  SrpReassembledMessage *message = g_new0 (SrpReassembledMessage, 1);
  guint8 *data = g_malloc (MAX (segment->bytes, 1));
  gsize offset = 0;

  message->id = segment->tail->id;
  message->first_prev = segment->head->prev_id;
  message->topic_id = segment->head->topic_id;
  message->type = segment->head->type;
  message->n_packets = segment->n_packets;
  for (Node *node = segment->head; node != NULL; node = node->right)
    {
      memcpy (data + offset, node->body, node->body_len);
      offset += node->body_len;
    }
  message->data = g_bytes_new_take (data, offset);
  g_queue_push_tail (&r->complete, message);
  segment_remove (r, segment, TRUE);
}

/* Drops the least recently extended segment, counting its packets, but for
 * `returned` of them: those the caller learns of through a return value. */
static void
drop_oldest (SrpReassembler *r, SrpDropReason reason, guint returned)
{
  Segment *oldest = r->segments.head->data;

  r->drops[reason] += oldest->n_packets - returned;
  segment_remove (r, oldest, FALSE);
}

SrpDropReason
srp_reassembler_add (SrpReassembler *r, gint64 now_us, const SrpPacket *packet)
{
  SrpDropReason reason;
  Node *held, *left, *right, *node;
  Segment *segment;

  g_return_val_if_fail (r != NULL && packet != NULL, SRP_DROP_UNEXPECTED);

  r->now_us = MAX (r->now_us, now_us);
  reason = srp_packet_validate (packet);
  if (reason == SRP_DROP_NONE && g_hash_table_contains (r->remembered, &packet->id))
    reason = SRP_DROP_DUPLICATE;
  if (reason == SRP_DROP_NONE && (held = g_hash_table_lookup (r->nodes, &packet->id)) != NULL)
    reason = node_same_header (held, packet) ? SRP_DROP_DUPLICATE : SRP_DROP_CONFLICT;
  if (reason != SRP_DROP_NONE)
    return reason; /* the caller counts these */

  left = find_left (r, packet);
  right = find_right (r, packet);
  node = node_new (packet);
  g_hash_table_insert (r->nodes, &node->id, node);
  segment = segment_new (r, node);
  r->bytes += node->body_len;
  if (left != NULL)
    segment = segment_join (r, left->segment, segment);
  if (right != NULL)
    segment = segment_join (r, segment, right->segment);
  segment->last_us = r->now_us;
  g_queue_unlink (&r->segments, &segment->link);
  g_queue_push_tail_link (&r->segments, &segment->link);

  if (segment->head->index == 0 && srp_id_is_zero (&segment->tail->next_id))
    {
      deliver (r, segment);
      return SRP_DROP_NONE;
    }

  /* Over a bound: evict from the least recently extended end. The new
   * packet's segment is the most recent, so it goes last, and only when it
   * alone is over max_bytes (or max_chains is 0). */
  while (r->segments.length > 0 &&
         (r->bytes > r->config.max_bytes || r->segments.length > r->config.max_chains))
    {
      gboolean own = r->segments.head == &segment->link;
      drop_oldest (r, SRP_DROP_REASSEMBLY_FULL, own ? 1 : 0);
      if (own)
        return SRP_DROP_REASSEMBLY_FULL;
    }
  return SRP_DROP_NONE;
}

gboolean
srp_reassembler_pop_message (SrpReassembler *r, SrpReassembledMessage *out)
{
  SrpReassembledMessage *message;

  g_return_val_if_fail (r != NULL && out != NULL, FALSE);

  message = g_queue_pop_head (&r->complete);
  if (message == NULL)
    return FALSE;
  *out = *message;
  g_free (message);
  return TRUE;
}

static void
add_missing (SrpReassembler *r, GHashTable *seen, GArray *ids, const SrpId *id)
{
  if (g_hash_table_contains (r->nodes, id) || g_hash_table_contains (seen, id))
    return;
  g_hash_table_add (seen, (gpointer) id);
  g_array_append_val (ids, *id);
}

void
srp_reassembler_get_missing (SrpReassembler *r, GArray *ids)
{
  GHashTable *seen;

  g_return_if_fail (r != NULL && ids != NULL);

  /* Inside a segment every link is held: only its ends can miss anything. */
  seen = g_hash_table_new (srp_id_hash_func, srp_id_equal_func);
  for (GList *l = r->segments.head; l != NULL; l = l->next)
    {
      Segment *segment = l->data;
      if (segment->head->index > 0)
        add_missing (r, seen, ids, &segment->head->prev_id);
      if (!srp_id_is_zero (&segment->tail->next_id))
        add_missing (r, seen, ids, &segment->tail->next_id);
    }
  g_hash_table_destroy (seen);
}

guint
srp_reassembler_expire (SrpReassembler *r, gint64 now_us)
{
  guint n = 0;

  g_return_val_if_fail (r != NULL, 0);

  r->now_us = MAX (r->now_us, now_us);
  while (r->segments.head != NULL &&
         srp_reassembler_next_deadline (r) <= r->now_us)
    {
      drop_oldest (r, SRP_DROP_REASSEMBLY_TIMEOUT, 0);
      n++;
    }
  return n;
}

gint64
srp_reassembler_next_deadline (SrpReassembler *r)
{
  Segment *oldest;

  g_return_val_if_fail (r != NULL, -1);

  if (r->segments.head == NULL)
    return -1;
  oldest = r->segments.head->data;
  /* Saturate rather than wrap for huge timeouts. */
  if (r->config.timeout_us > G_MAXINT64 - MAX (oldest->last_us, 0))
    return G_MAXINT64;
  return oldest->last_us + r->config.timeout_us;
}

guint
srp_reassembler_get_chain_count (SrpReassembler *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->segments.length;
}

gsize
srp_reassembler_get_bytes (SrpReassembler *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->bytes;
}

guint64
srp_reassembler_get_drop_count (SrpReassembler *r, SrpDropReason reason)
{
  g_return_val_if_fail (r != NULL, 0);
  if ((guint) reason >= SRP_DROP_N_REASONS)
    return 0;
  return r->drops[reason];
}
