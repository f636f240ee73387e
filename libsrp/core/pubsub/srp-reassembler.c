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
 * The packet ID covers every field but NEXT ID (and POSTAGE), so copies
 * of one ID can differ in NEXT ID alone: a forgery, or the genuine copy.
 * Both are held, as *variants* of the ID (at most MAX_VARIANTS; the table
 * maps the ID to the first, each names the next), and each links only
 * with what agrees with it both ways. A forged NEXT therefore links
 * nothing, and the genuine copy, however late, still completes the chain:
 * what is delivered is always what the message ID commits to.
 *
 * A segment is what the API calls an incomplete chain: max_chains, eviction
 * and timeouts count segments. Segments sit in a list from least to most
 * recently extended, which is both the eviction order and the timeout order.
 * Nothing iterates a hash table, so the results depend on the inputs only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-reassembler.h"
#include "srp-recent-ids.h"

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
  struct _Node *variant; /* the next held copy of the same ID (another NEXT ID) */
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

/* Copies of one packet ID held at once, each with its own NEXT ID. */
#define MAX_VARIANTS 4

struct _SrpReassembler {
  SrpReassemblerConfig config;
  GHashTable *nodes;  /* SrpId of a held packet -> its first variant (nodes are the segments') */
  GQueue segments;    /* of Segment, least recently extended first */
  gsize bytes;
  gint64 now_us;      /* latest time seen: time never runs back here */
  /* Completed messages, by value (no allocation per message): those from
   * complete_head on are not popped yet. */
  GArray *complete;   /* of SrpReassembledMessage */
  guint complete_head;

  /* Packets of delivered messages, to refuse their repeats: up to
   * remembered_ids, then the oldest key makes room for the newest. A key
   * is the packet ID XOR its NEXT ID (see remembered_key), so that a
   * forged copy delivered in an attacker's own chain does not make the
   * genuine copy a repeat. */
  SrpRecentIds *remembered; /* NULL when remembered_ids is 0 */

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
  r->nodes = g_hash_table_new (srp_id_hash_func, srp_id_equal_func);
  g_queue_init (&r->segments);
  r->complete = g_array_new (FALSE, FALSE, sizeof (SrpReassembledMessage));
  if (r->config.remembered_ids > 0)
    r->remembered = srp_recent_ids_new (r->config.remembered_ids, r->config.hash_key);
  r->now_us = G_MININT64;
  return r;
}

void
srp_reassembler_free (SrpReassembler *r)
{
  if (r == NULL)
    return;
  /* Every node is in a segment. */
  while (r->segments.head != NULL)
    {
      Segment *segment = g_queue_pop_head_link (&r->segments)->data;

      for (Node *node = segment->head, *right; node != NULL; node = right)
        {
          right = node->right;
          g_free (node);
        }
      g_free (segment);
    }
  g_hash_table_destroy (r->nodes);
  for (guint i = r->complete_head; i < r->complete->len; i++)
    srp_reassembled_message_clear (&g_array_index (r->complete, SrpReassembledMessage, i));
  g_array_unref (r->complete);
  srp_recent_ids_free (r->remembered);
  g_free (r);
}

static void
remember (SrpReassembler *r, const SrpId *key)
{
  if (r->remembered != NULL)
    srp_recent_ids_add (r->remembered, key);
}

/* What the remembered set holds for a packet: its ID, XOR its NEXT ID. Two
 * copies of one ID give two keys. A forger who picks NEXT so that its key
 * meets another's only makes its own copy a repeat: to make a genuine copy
 * one, it would need a delivered packet whose ID it chose (a preimage). */
static SrpId
remembered_key (const SrpId *id, const SrpId *next)
{
  SrpId key;

  for (guint i = 0; i < SRP_ID_LEN; i++)
    key.bytes[i] = id->bytes[i] ^ next->bytes[i];
  return key;
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
  node->variant = NULL;
  node->segment = NULL;
  memcpy (node->body, packet->body, packet->body_len);
  return node;
}

/* Everything the ID covers agrees (a packet whose ID was checked always
 * does; one that does not is refused as a conflict). */
static gboolean
node_same_covered (const Node *node, const SrpPacket *packet)
{
  return srp_id_equal (&node->prev_id, &packet->prev_id) &&
         srp_id_equal (&node->topic_id, &packet->topic_id) && node->type == packet->type &&
         node->index == packet->index && node->body_len == packet->body_len &&
         srp_id_is_zero (&node->next_id) == srp_id_is_zero (&packet->next_id);
}

/* Adds node to its ID's variants. */
static void
variant_add (SrpReassembler *r, Node *node)
{
  Node *first = g_hash_table_lookup (r->nodes, &node->id);

  if (first == NULL)
    {
      g_hash_table_insert (r->nodes, &node->id, node);
      return;
    }
  while (first->variant != NULL)
    first = first->variant;
  first->variant = node;
}

/* Takes node out of its ID's variants (and the table, when it was the
 * last); the caller frees it. */
static void
variant_remove (SrpReassembler *r, Node *node)
{
  Node *first = g_hash_table_lookup (r->nodes, &node->id);

  if (first == node)
    {
      if (node->variant != NULL)
        g_hash_table_replace (r->nodes, &node->variant->id, node->variant);
      else
        g_hash_table_remove (r->nodes, &node->id);
      return;
    }
  while (first != NULL && first->variant != node)
    first = first->variant;
  if (first != NULL)
    first->variant = node->variant;
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

/* The held copy of p's PREV that names p as its NEXT (another variant of
 * p's ID may follow it already: see attach_head). */
static Node *
find_left_of (SrpReassembler *r, const SrpId *id, const SrpId *prev, const SrpId *topic,
              guint8 type, guint32 index)
{
  if (index == 0)
    return NULL;
  for (Node *a = g_hash_table_lookup (r->nodes, prev); a != NULL; a = a->variant)
    if (links (&a->id, &a->next_id, &a->topic_id, a->type, a->index, id, prev, topic, type,
               index))
      return a;
  return NULL;
}

static Node *
find_left (SrpReassembler *r, const SrpPacket *p)
{
  Node *a = find_left_of (r, &p->id, &p->prev_id, &p->topic_id, p->type, p->index);

  return a != NULL && a->right == NULL ? a : NULL;
}

/* The copy of p's NEXT to link to: its variants all follow p (they share
 * everything the ID covers), and none has a left neighbour yet (that would
 * be a copy of p's ID naming it: p itself). The longest run wins. */
static Node *
find_right (SrpReassembler *r, const SrpPacket *p)
{
  Node *best = NULL;

  if (srp_id_is_zero (&p->next_id))
    return NULL;
  for (Node *b = g_hash_table_lookup (r->nodes, &p->next_id); b != NULL; b = b->variant)
    if (links (&p->id, &p->next_id, &p->topic_id, p->type, p->index, &b->id, &b->prev_id,
               &b->topic_id, b->type, b->index) &&
        b->segment->head == b && (best == NULL || b->segment->n_packets > best->segment->n_packets))
      best = b;
  return best;
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

/* Cuts a's segment after a: what follows becomes a segment of its own. */
static void
segment_split (SrpReassembler *r, Node *a)
{
  Segment *left = a->segment;
  Segment *right = g_new0 (Segment, 1);

  right->head = a->right;
  right->tail = left->tail;
  right->last_us = left->last_us;
  right->link.data = right;
  for (Node *node = a->right; node != NULL; node = node->right)
    {
      node->segment = right;
      right->n_packets++;
      right->bytes += node->body_len;
    }
  left->tail = a;
  left->n_packets -= right->n_packets;
  left->bytes -= right->bytes;
  a->right = NULL;
  g_queue_insert_before_link (&r->segments, &left->link, &right->link);
}

/* Packets from node to its segment's tail. */
static guint
run_from (const Node *node)
{
  guint n = 0;

  for (; node != NULL; node = node->right)
    n++;
  return n;
}

/* A run whose head's left neighbour is followed by another copy of the
 * head's ID (a forged NEXT ID that came first, or an attacker's fork)
 * takes that place when it is the longer run: the copy that leads
 * somewhere wins over the one that leads nowhere, whichever came first. */
static Segment *
attach_head (SrpReassembler *r, Segment *segment)
{
  Node *head = segment->head;
  Node *a = find_left_of (r, &head->id, &head->prev_id, &head->topic_id, head->type, head->index);

  if (a == NULL || a->right == NULL || a->segment == segment ||
      run_from (a->right) >= segment->n_packets)
    return segment;
  segment_split (r, a);
  return segment_join (r, a->segment, segment);
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
        {
          SrpId key = remembered_key (&node->id, &node->next_id);
          remember (r, &key);
        }
      variant_remove (r, node);
      g_free (node);
      node = right;
    }
  g_free (segment);
}

/* The next completed message's place, zeroed. */
static SrpReassembledMessage *
complete_push (SrpReassembler *r)
{
  g_array_set_size (r->complete, r->complete->len + 1);
  return memset (&g_array_index (r->complete, SrpReassembledMessage, r->complete->len - 1), 0,
                 sizeof (SrpReassembledMessage));
}

/* A message of one packet, complete on arrival: what deliver would give
 * for the segment of its node alone, without making the node and the
 * segment only to free them at once (most small messages are one packet:
 * the flood's path). Its bytes are a slice of frame when the caller has
 * the packet encoded (the cache's copy), else a copy of the body. */
static void
deliver_single (SrpReassembler *r, const SrpPacket *packet, GBytes *frame)
{
  SrpReassembledMessage *message = complete_push (r);
  SrpId key = remembered_key (&packet->id, &packet->next_id);

  message->id = packet->id;
  message->first_prev = packet->prev_id;
  message->topic_id = packet->topic_id;
  message->type = packet->type;
  message->n_packets = 1;
  if (frame != NULL)
    message->data = g_bytes_new_from_bytes (frame, SRP_PACKET_FRAME_LEN (0), packet->body_len);
  else
    {
      guint8 *data = g_malloc (MAX (packet->body_len, 1));

      memcpy (data, packet->body, packet->body_len);
      message->data = g_bytes_new_take (data, packet->body_len);
    }
  remember (r, &key);
}

static void
deliver (SrpReassembler *r, Segment *segment)
{
  SrpReassembledMessage *message = complete_push (r);
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

/* Whether packet may join the copies of its ID held already: DUPLICATE for
 * one of them again, CONFLICT when it disagrees on what the ID covers (it
 * cannot have been checked) or MAX_VARIANTS are held and none can go. A
 * variant alone in its run, linked to nothing, makes room: it is the
 * forgery, or the genuine copy whose neighbours have not come (they will
 * ask for it again by ID). */
static SrpDropReason
check_variants (SrpReassembler *r, const SrpPacket *packet)
{
  Node *lonely = NULL;
  guint n = 0;

  for (Node *held = g_hash_table_lookup (r->nodes, &packet->id); held != NULL;
       held = held->variant, n++)
    {
      if (!node_same_covered (held, packet))
        return SRP_DROP_CONFLICT;
      if (srp_id_equal (&held->next_id, &packet->next_id))
        return SRP_DROP_DUPLICATE;
      if (lonely == NULL && held->segment->n_packets == 1)
        lonely = held;
    }
  if (n < MAX_VARIANTS)
    return SRP_DROP_NONE;
  if (lonely == NULL)
    return SRP_DROP_CONFLICT;
  r->drops[SRP_DROP_CONFLICT]++;
  segment_remove (r, lonely->segment, FALSE);
  return SRP_DROP_NONE;
}

SrpDropReason
srp_reassembler_add (SrpReassembler *r, gint64 now_us, const SrpPacket *packet)
{
  return srp_reassembler_add_framed (r, now_us, packet, NULL);
}

/* Whether frame holds packet's body where srp_packet_encode puts it. A
 * caller's frame is the cache's copy of the same ID, and so of the same
 * body once both were checked; the comparison costs less than the copy it
 * saves, and keeps a mistake upstream from delivering other bytes. */
static gboolean
frame_holds_body (GBytes *frame, const SrpPacket *packet)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (frame, &len);

  return len == (gsize) SRP_PACKET_FRAME_LEN (packet->body_len) &&
         memcmp (data + SRP_PACKET_FRAME_LEN (0), packet->body, packet->body_len) == 0;
}

void
srp_reassembler_prefetch (const SrpReassembler *r, const SrpPacket *packet)
{
  if (r->remembered != NULL)
    {
      SrpId key = remembered_key (&packet->id, &packet->next_id);

      srp_recent_ids_prefetch (r->remembered, &key);
    }
}

SrpDropReason
srp_reassembler_add_framed (SrpReassembler *r, gint64 now_us, const SrpPacket *packet,
                            GBytes *frame)
{
  SrpDropReason reason;
  Node *left, *right, *node;
  Segment *segment;

  g_return_val_if_fail (r != NULL && packet != NULL, SRP_DROP_UNEXPECTED);

  r->now_us = MAX (r->now_us, now_us);
  reason = srp_packet_validate (packet);
  if (reason == SRP_DROP_NONE)
    {
      SrpId key = remembered_key (&packet->id, &packet->next_id);

      if (r->remembered != NULL && srp_recent_ids_contains (r->remembered, &key))
        reason = SRP_DROP_DUPLICATE;
    }
  if (reason == SRP_DROP_NONE)
    reason = check_variants (r, packet);
  if (reason != SRP_DROP_NONE)
    return reason; /* the caller counts these */

  /* Neither a left neighbour (index 0) nor a right one (no NEXT) to join,
   * nor a head place to win: the node would be delivered at once, and the
   * copies of its ID held already stay as they are. */
  if (srp_packet_is_alone (packet))
    {
      deliver_single (r, packet, frame != NULL && frame_holds_body (frame, packet) ? frame : NULL);
      return SRP_DROP_NONE;
    }

  left = find_left (r, packet);
  right = find_right (r, packet);
  node = node_new (packet);
  variant_add (r, node);
  segment = segment_new (r, node);
  r->bytes += node->body_len;
  if (left != NULL)
    segment = segment_join (r, left->segment, segment);
  if (right != NULL)
    segment = segment_join (r, segment, right->segment);
  /* The run grew: its head may now win a place taken by a shorter one. */
  segment = attach_head (r, segment);
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
  g_return_val_if_fail (r != NULL && out != NULL, FALSE);

  if (r->complete_head == r->complete->len)
    return FALSE;
  *out = g_array_index (r->complete, SrpReassembledMessage, r->complete_head++);
  /* All popped: the array starts over, so it never grows past a burst. */
  if (r->complete_head == r->complete->len)
    {
      g_array_set_size (r->complete, 0);
      r->complete_head = 0;
    }
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
