/* srp-timer-table.h: every deadline of a core in one structure.
 *
 * A timer is a small struct embedded in whatever owns the deadline (a link,
 * a handshake, a publish, a subsystem), with a reason that says what it is
 * for. The table keeps the armed ones in a 4-ary min-heap ordered by
 * (deadline, the order in which they were armed), so that:
 *
 * - the next deadline is the heap's top: srp_timer_table_next is O(1);
 * - arming, re-arming and stopping a timer cost O(log n);
 * - handle_timeout pops only the timers that are due, in a total order that
 *   depends on nothing but the inputs (determinism).
 *
 * An owner must stop its timers before it frees them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a deadline is for: traces, stats and debugging read it. Append only. */
typedef enum {
  SRP_TIMER_PING_RESEND,        /* a ping unanswered: send again, or fail */
  SRP_TIMER_HANDSHAKE_RESEND,   /* a HELLO unanswered: send again, or give up */
  SRP_TIMER_HANDSHAKE_EXPIRE,   /* a half-open incoming handshake is forgotten */
  SRP_TIMER_HEARTBEAT,          /* a link's next heartbeat */
  SRP_TIMER_EXCHANGE,           /* ask a random link for peers */
  SRP_TIMER_MAINTENANCE,        /* bootstraps and connections to keep up */
  SRP_TIMER_NAT,                /* NAT classification: start, resend probes, conclude */
  SRP_TIMER_ANNOUNCE,           /* our subscriptions changed: tell the links */
  SRP_TIMER_ACK_FLUSH,          /* a link's batched ACKs go out */
  SRP_TIMER_PUBLISH_RESEND,     /* a publish's unacknowledged packets go again */
  SRP_TIMER_PUBLISH_DEADLINE,   /* a publish reports what it got */
  SRP_TIMER_CACHE_EXPIRY,       /* the oldest cached packet's life ends */
  SRP_TIMER_REASSEMBLY_EXPIRY,  /* the oldest incomplete chain times out */
  SRP_TIMER_GAP_CHECK,          /* look for packets incomplete chains miss */
  SRP_TIMER_WANT,               /* ask (again) for a missing packet */
  SRP_TIMER_QUERY_FLUSH,        /* the wants that came due go out, batched per link */
  SRP_TIMER_SYNC,               /* anti-entropy with a random link */
  SRP_TIMER_CONNECT_DEADLINE,   /* srp_core_connect gives up */
  SRP_TIMER_CONNECT_RELAY,      /* no direct path yet: shake hands through the introducer */
  SRP_TIMER_PUNCH,              /* a punch's next step (start, probes, socket round, end) */
  SRP_TIMER_UPGRADE,            /* relayed links ask for a new introduction */
  SRP_TIMER_DHT_LOOKUP,         /* a lookup's next query deadline, or its end */
  SRP_TIMER_DHT_REGISTER,       /* our registration with the open peers nearest our ID */
  SRP_TIMER_LAN_ANNOUNCE,       /* our next ANNOUNCE on the LAN's multicast groups */
  SRP_TIMER_MOVED,              /* after a network change: links not found again are asked for */
  SRP_TIMER_STREAM_ACK,         /* a link's delayed stream acknowledgement goes out */
  SRP_TIMER_STREAM_LOSS,        /* a link's stream frames: declare losses, or retransmission timeout */
  SRP_TIMER_STREAM_PACE,        /* a link's pacing lets the next stream frame go */
  SRP_TIMER_CONNECT_HOLD,       /* a CONNECT held for a side's INFO is introduced as it is */
  SRP_TIMER_INFO_REPEAT,        /* our INFO goes again to every link, after it changed */
  SRP_TIMER_N_REASONS
} SrpTimerReason;

const char *srp_timer_reason_name (SrpTimerReason reason);

typedef struct _SrpTimer SrpTimer;
typedef struct _SrpTimerTable SrpTimerTable;

/* Called when the timer is due; it is no longer armed then, and may be
 * armed again from here. */
typedef void (*SrpTimerFunc) (SrpTimer *timer, gpointer owner);

struct _SrpTimer {
  gint64 deadline;      /* -1 while not armed */
  guint64 order;        /* ties between equal deadlines: the earlier armed goes first */
  guint slot;           /* heap position + 1; 0 while not armed */
  SrpTimerReason reason;
  SrpTimerFunc func;
  gpointer owner;
};

SrpTimerTable *srp_timer_table_new (void);
/* The table must be empty: every owner stopped its timers. */
void srp_timer_table_free (SrpTimerTable *table);

void srp_timer_init (SrpTimer *timer, SrpTimerReason reason, SrpTimerFunc func, gpointer owner);
/* Arms (or re-arms) timer for deadline; a negative deadline stops it. */
void srp_timer_set (SrpTimerTable *table, SrpTimer *timer, gint64 deadline);
/* Arms timer for deadline unless it is armed for an earlier one already. */
void srp_timer_set_earlier (SrpTimerTable *table, SrpTimer *timer, gint64 deadline);
void srp_timer_stop (SrpTimerTable *table, SrpTimer *timer);

static inline gboolean
srp_timer_is_armed (const SrpTimer *timer)
{
  return timer->slot != 0;
}

/* The earliest deadline, or -1 when no timer is armed. */
gint64 srp_timer_table_next (const SrpTimerTable *table);
/* Removes and returns the earliest timer due at now (deadline <= now), or
 * NULL. The caller then calls its func. */
SrpTimer *srp_timer_table_pop_due (SrpTimerTable *table, gint64 now);
/* Pops and fires every timer due at now, timers armed meanwhile for now or
 * earlier included; returns how many fired. */
guint srp_timer_table_fire_due (SrpTimerTable *table, gint64 now);
guint srp_timer_table_size (const SrpTimerTable *table);
/* How many armed timers have reason. O(n): for stats, not hot paths. */
guint srp_timer_table_count (const SrpTimerTable *table, SrpTimerReason reason);

G_END_DECLS
