/* srp-timer-table.c: a 4-ary min-heap of embedded timers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-timer-table.h"

/* The heap holds each timer's keys next to it, so that sifting compares
 * within one array instead of chasing a pointer per comparison. */
typedef struct {
  gint64 deadline;
  guint64 order;
  SrpTimer *timer;
} Entry;

/* The array's length and address are fields here, not a GArray's: every
 * input reads the earliest deadline, and the GArray header was one more
 * cold line to reach it (a tenth of srp-simulate's time at 10,000 peers
 * went to reading timer tables: the heap, and its header first). */
struct _SrpTimerTable {
  Entry *heap; /* heap[i].timer->slot == i + 1 */
  guint len, allocated;
  guint64 next_order;
};

const char *
srp_timer_reason_name (SrpTimerReason reason)
{
  static const char *const names[SRP_TIMER_N_REASONS] = {
    [SRP_TIMER_PING_RESEND] = "ping-resend",
    [SRP_TIMER_HANDSHAKE_RESEND] = "handshake-resend",
    [SRP_TIMER_HANDSHAKE_EXPIRE] = "handshake-expire",
    [SRP_TIMER_HEARTBEAT] = "heartbeat",
    [SRP_TIMER_EXCHANGE] = "exchange",
    [SRP_TIMER_MAINTENANCE] = "maintenance",
    [SRP_TIMER_NAT] = "nat",
    [SRP_TIMER_ANNOUNCE] = "announce",
    [SRP_TIMER_ACK_FLUSH] = "ack-flush",
    [SRP_TIMER_PUBLISH_RESEND] = "publish-resend",
    [SRP_TIMER_PUBLISH_DEADLINE] = "publish-deadline",
    [SRP_TIMER_CACHE_EXPIRY] = "cache-expiry",
    [SRP_TIMER_REASSEMBLY_EXPIRY] = "reassembly-expiry",
    [SRP_TIMER_GAP_CHECK] = "gap-check",
    [SRP_TIMER_WANT] = "want",
    [SRP_TIMER_QUERY_FLUSH] = "query-flush",
    [SRP_TIMER_SYNC] = "sync",
    [SRP_TIMER_CONNECT_DEADLINE] = "connect-deadline",
    [SRP_TIMER_CONNECT_RELAY] = "connect-relay",
    [SRP_TIMER_PUNCH] = "punch",
    [SRP_TIMER_UPGRADE] = "upgrade",
    [SRP_TIMER_DHT_LOOKUP] = "dht-lookup",
    [SRP_TIMER_DHT_REGISTER] = "dht-register",
    [SRP_TIMER_LAN_ANNOUNCE] = "lan-announce",
    [SRP_TIMER_MOVED] = "moved",
    [SRP_TIMER_STREAM_ACK] = "stream-ack",
    [SRP_TIMER_STREAM_LOSS] = "stream-loss",
    [SRP_TIMER_STREAM_PACE] = "stream-pace",
    [SRP_TIMER_CONNECT_HOLD] = "connect-hold",
    [SRP_TIMER_INFO_REPEAT] = "info-repeat",
  };

  if ((guint) reason >= SRP_TIMER_N_REASONS || names[reason] == NULL)
    return "unknown";
  return names[reason];
}

SrpTimerTable *
srp_timer_table_new (void)
{
  SrpTimerTable *table = g_new0 (SrpTimerTable, 1);

  return table;
}

void
srp_timer_table_free (SrpTimerTable *table)
{
  if (table == NULL)
    return;
  /* An armed timer left behind would point into freed memory later. */
  g_warn_if_fail (table->len == 0);
  g_free (table->heap);
  g_free (table);
}

void
srp_timer_init (SrpTimer *timer, SrpTimerReason reason, SrpTimerFunc func, gpointer owner)
{
  timer->deadline = -1;
  timer->order = 0;
  timer->slot = 0;
  timer->reason = reason;
  timer->func = func;
  timer->owner = owner;
}

#define AT(table, i) (&(table)->heap[i])
/* Children per heap node: four halves the levels a sift walks (6 for
 * 4,096 timers instead of 12), and so the timers whose slot a sift
 * rewrites; a node's children lie side by side. The order of timers is
 * (deadline, order) whatever the shape. */
#define ARITY 4
#define PARENT(i) (((i) - 1) / ARITY)

static inline gboolean
earlier (const Entry *a, const Entry *b)
{
  return a->deadline < b->deadline || (a->deadline == b->deadline && a->order < b->order);
}

static inline void
place (SrpTimerTable *table, guint i, const Entry *entry)
{
  *AT (table, i) = *entry;
  entry->timer->slot = i + 1;
}

static void
sift_up (SrpTimerTable *table, guint i)
{
  Entry entry = *AT (table, i);

  while (i > 0)
    {
      guint parent = PARENT (i);

      if (!earlier (&entry, AT (table, parent)))
        break;
      place (table, i, AT (table, parent));
      i = parent;
    }
  place (table, i, &entry);
}

static void
sift_down (SrpTimerTable *table, guint i)
{
  guint n = table->len;
  Entry entry = *AT (table, i);

  while (TRUE)
    {
      guint first = ARITY * i + 1, child = first;

      if (first >= n)
        break;
      for (guint c = first + 1; c < first + ARITY && c < n; c++)
        if (earlier (AT (table, c), AT (table, child)))
          child = c;
      if (!earlier (AT (table, child), &entry))
        break;
      place (table, i, AT (table, child));
      i = child;
    }
  place (table, i, &entry);
}

/* Takes the timer at heap position i out of the heap. */
static void
remove_at (SrpTimerTable *table, guint i)
{
  guint last = table->len - 1;

  AT (table, i)->timer->slot = 0;
  if (i != last)
    {
      Entry moved = *AT (table, last);

      table->len = last;
      place (table, i, &moved);
      if (i > 0 && earlier (&moved, AT (table, PARENT (i))))
        sift_up (table, i);
      else
        sift_down (table, i);
    }
  else
    table->len = last;
}

void
srp_timer_stop (SrpTimerTable *table, SrpTimer *timer)
{
  if (timer->slot != 0)
    remove_at (table, timer->slot - 1);
  timer->deadline = -1;
}

void
srp_timer_set (SrpTimerTable *table, SrpTimer *timer, gint64 deadline)
{
  if (deadline < 0)
    {
      srp_timer_stop (table, timer);
      return;
    }
  /* Re-arming for the same deadline keeps the timer's place among equals. */
  if (timer->slot != 0 && timer->deadline == deadline)
    return;
  timer->order = table->next_order++;
  if (timer->slot != 0)
    {
      guint i = timer->slot - 1;
      gboolean up = deadline < timer->deadline;

      timer->deadline = deadline;
      AT (table, i)->deadline = deadline;
      AT (table, i)->order = timer->order;
      if (up)
        sift_up (table, i);
      else
        sift_down (table, i);
      return;
    }
  timer->deadline = deadline;
  {
    Entry entry = { deadline, timer->order, timer };

    if (table->len == table->allocated)
      {
        table->allocated = MAX (16, 2 * table->allocated);
        table->heap = g_renew (Entry, table->heap, table->allocated);
      }
    table->heap[table->len++] = entry;
    timer->slot = table->len;
  }
  sift_up (table, table->len - 1);
}

void
srp_timer_set_earlier (SrpTimerTable *table, SrpTimer *timer, gint64 deadline)
{
  if (deadline < 0 || (timer->slot != 0 && timer->deadline <= deadline))
    return;
  srp_timer_set (table, timer, deadline);
}

gint64
srp_timer_table_next (const SrpTimerTable *table)
{
  return table->len > 0 ? AT (table, 0)->deadline : -1;
}

SrpTimer *
srp_timer_table_pop_due (SrpTimerTable *table, gint64 now)
{
  SrpTimer *top;

  if (table->len == 0 || AT (table, 0)->deadline > now)
    return NULL;
  top = AT (table, 0)->timer;
  remove_at (table, 0);
  top->deadline = -1;
  return top;
}

guint
srp_timer_table_fire_due (SrpTimerTable *table, gint64 now)
{
  SrpTimer *timer;
  guint n = 0;

  while ((timer = srp_timer_table_pop_due (table, now)) != NULL)
    {
      timer->func (timer, timer->owner);
      n++;
    }
  return n;
}

guint
srp_timer_table_size (const SrpTimerTable *table)
{
  return table->len;
}

guint
srp_timer_table_count (const SrpTimerTable *table, SrpTimerReason reason)
{
  guint n = 0;

  for (guint i = 0; i < table->len; i++)
    n += AT (table, i)->timer->reason == reason;
  return n;
}
