/* srp-core.h: the pure SRP protocol core ("sans-IO").
 *
 * The core never reads a clock, a socket or global randomness: time comes in
 * as now_us (microseconds on any monotonic clock), randomness from the seed
 * in its config, datagrams through srp_core_handle_datagram. What it wants
 * done comes out through the poll functions. The same seed and inputs give
 * the same outputs, bit for bit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-journal.h"
#include "srp-address.h"
#include "srp-wire.h"

G_BEGIN_DECLS

typedef struct _SrpCore SrpCore;

/* Signs data with this peer's private key (Ed25519); FALSE on failure. */
typedef gboolean (*SrpCoreSignFunc) (const guint8 *data, gsize len,
                                     guint8 signature[SRP_SIGNATURE_LEN], gpointer user_data);

/* X25519 of their_public with this peer's static secret: the Montgomery
 * form of its Ed25519 private key (srp-envelope.h); FALSE on failure. */
typedef gboolean (*SrpCoreAgreeFunc) (const guint8 their_public[32], guint8 shared[32],
                                      gpointer user_data);

typedef struct {
  guint64 seed;
  SrpId peer_id;              /* this peer's ID (its Ed25519 public key) */
  SrpCoreSignFunc sign;       /* without it, the core cannot complete handshakes */
  gpointer sign_data;
  SrpCoreAgreeFunc agree;     /* without it, letters sealed to this peer do not open */
  gpointer agree_data;
  guint n_sockets;            /* 1, or 2 with a second socket for NAT probes (default 2) */
  gint64 heartbeat_us;        /* heartbeat interval (default 25 s, as WireGuard keeps NATs open) */
  guint heartbeat_misses;     /* missed heartbeats before a peer is dropped (default 3) */
  guint peer_capacity;        /* peer table size (default 256) */
  guint prefix_limit;         /* records one /24 or /48 may hold (default 16) */
  guint target_connections;   /* connections it keeps up (default 8) */
  gint64 exchange_us;         /* peer exchange interval (default 60 s) */
  gint64 nat_recheck_us;      /* NAT classification interval (default 10 min) */
  gint64 ping_retry_us;       /* resend an unanswered ping after this long (default 500 ms) */
  guint ping_attempts;        /* sends before a ping fails (default 4) */
  gsize reassembly_max_bytes; /* see SrpReassemblerConfig (default 8 MiB) */
  gint64 reassembly_timeout_us; /* (default 60 s) */
  gsize cache_budget;         /* shared packet cache, bytes (default 16 MiB) */
  gint64 cache_ttl_us;        /* a cached packet's life before re-broadcast or purge (default 1 h; each peer uses 3/4 to all of it) */
  guint fanout;               /* peers each packet is sent or relayed to (default 3) */
  gint64 sync_us;             /* anti-entropy with a random peer this often (default 10 s) */
  gint64 publish_timeout_us;  /* PUBLISHED is reported by then at the latest (default 10 s) */
  guint remembered_ids;       /* IDs of packets that left the cache, kept (default 65536) */
  /* Connecting to a given peer (srp_core_connect, introductions, punching, relays). */
  gint64 connect_timeout_us;  /* srp_core_connect gives up after this (default 30 s) */
  guint8 punch_ttl;           /* IP TTL of the packets that open our own NAT(s) (default 4) */
  guint punch_sockets;        /* sockets a symmetric NAT's side opens (default 256) */
  guint punch_probes;         /* probes to random ports of a symmetric NAT (default 2048) */
  guint relay_circuits;       /* pairs of peers this peer relays for at once (default 16) */
  guint64 relay_bytes;        /* bytes relayed per circuit before refusing (default 64 MiB) */
  guint prefix_link_limit;    /* links one /24 or /48 may hold unasked (default 64); links asked
                               * for or introduced by a link only need room in the table */
} SrpCoreConfig;

void srp_core_config_init (SrpCoreConfig *config);

/* A datagram the core wants sent. */
typedef struct {
  guint socket;               /* which of the caller's sockets to send from: 0 main, 1 probe,
                               * 2 and up punch sockets (SOCKET_OPEN) */
  guint8 ttl;                 /* IP TTL (hop limit) for this datagram alone; 0: the default */
  SrpAddress to;
  gsize len;
  guint8 data[SRP_MAX_DATAGRAM];
} SrpTransmit;

typedef enum {
  SRP_CORE_EVENT_NONE = 0,
  SRP_CORE_EVENT_PING_RESULT, /* a ping this core sent was answered, or failed */
  SRP_CORE_EVENT_MESSAGE,     /* a whole message was reassembled from packets */
  SRP_CORE_EVENT_PEER_ADDED,  /* a peer completed the handshake: it is connected */
  SRP_CORE_EVENT_PEER_CHANGED, /* a connected peer's address, NAT type or RTT changed */
  SRP_CORE_EVENT_PEER_REMOVED, /* a connected peer went silent or away */
  SRP_CORE_EVENT_NAT_CHANGED, /* this peer's NAT classification changed */
  SRP_CORE_EVENT_PUBLISHED,   /* peers acknowledged a srp_core_publish, or its time ran out */
  SRP_CORE_EVENT_CONNECT_RESULT, /* a srp_core_connect succeeded or failed */
  SRP_CORE_EVENT_SOCKET_OPEN, /* open punch socket number `socket` (any free port) */
  SRP_CORE_EVENT_SOCKET_CLOSE, /* close punch socket number `socket` */
  SRP_CORE_EVENT_STREAM_INCOMING, /* a peer opened a stream: read it, or reset it (REFUSED) */
  SRP_CORE_EVENT_STREAM_READABLE, /* a stream has bytes (or its end) to read again */
  SRP_CORE_EVENT_STREAM_WRITABLE, /* a stream whose write was cut short has room again */
  SRP_CORE_EVENT_STREAM_CLOSED, /* a stream is over: both ways done, reset, or its link lost */
  SRP_CORE_EVENT_STREAM_ACCEPTED, /* the peer's application took a stream we opened */
} SrpCoreEventType;

/* How a connected peer is reached. */
typedef enum {
  SRP_CORE_PATH_DIRECT = 1,   /* straight to its address */
  SRP_CORE_PATH_RELAYED = 2,  /* through a peer connected to both */
} SrpCorePath;

typedef struct {
  SrpCoreEventType type;
  union {
    struct {
      guint64 request;        /* the value srp_core_ping returned */
      gboolean ok;
      gint64 rtt_us;          /* when ok */
      SrpAddress reflexive;   /* when ok: the address the other side saw us at */
      SrpId peer_id;          /* when ok: the ID the other side claims (unauthenticated here) */
    } ping;
    struct {
      SrpId id;               /* the message ID: its last packet's ID */
      SrpId topic_id;
      SrpAddress from;        /* where the packet that completed it came from */
      GBytes *data;           /* owned by the event: see srp_core_event_clear */
      gboolean has_author;    /* signed, and the signature verified */
      SrpId author;           /* when has_author */
      gboolean sealed;        /* was sealed to this peer or to the topic's group */
    } message;
    struct {
      SrpId id;
      SrpAddress address;
      guint8 nat;             /* SrpNat the peer reported */
      gint64 rtt_us;          /* -1 until measured */
      gint64 connected_at;
      guint8 path;            /* SrpCorePath */
      gboolean introduced;    /* connected through an introduction (either side asked) */
      guint64 bytes_in;       /* bytes received from it and sent to it so far */
      guint64 bytes_out;
    } peer;
    struct {
      guint8 nat;             /* SrpNat */
      guint8 family;          /* which classification: SRP_ADDRESS_FAMILY_IPV4 or _IPV6 */
      SrpAddress public_address;
    } nat;
    struct {
      guint64 request;        /* the value srp_core_publish returned */
      SrpId message_id;       /* as srp_core_publish gave it */
      SrpId topic_id;
      guint n_accepted;       /* distinct peers that acknowledged every packet */
      gboolean complete;      /* n_accepted reached min (fanout, peers connected) */
    } published;
    struct {
      guint64 request;        /* the value srp_core_connect returned */
      SrpId id;
      gboolean ok;
      guint8 path;            /* SrpCorePath, when ok */
      gint64 elapsed_us;
      const char *reason;     /* when not ok: static, human-readable */
    } connect;
    struct {
      guint socket;           /* 2 and up */
    } socket;
    struct {
      guint64 stream;         /* the handle (srp_core_stream_open, or INCOMING) */
      SrpId peer_id;
      guint8 reason;          /* CLOSED: SrpStreamReason (srp-control-stream.h) */
    } stream;
  };
} SrpCoreEvent;

/* Frees what an event owns and resets it to SRP_CORE_EVENT_NONE. */
void srp_core_event_clear (SrpCoreEvent *event);
/* The request number an event answers (PING_RESULT, PUBLISHED,
 * CONNECT_RESULT), or 0. Every command's request numbers come from one
 * sequence, so one table can wait for them all. */
guint64 srp_core_event_request (const SrpCoreEvent *event);

/* A new core, attached: as if its sockets were there already. */
SrpCore *srp_core_new (const SrpCoreConfig *config);
void srp_core_free (SrpCore *core);

/* The core outlives its sockets. detach says GOODBYE to every link
 * (srp_core_leave) and forgets what needs the sockets: handshakes, pings,
 * connects, punches, relays, the NAT type, local addresses and bootstraps
 * (all given again after the next attach). Subscriptions, the cache, the
 * delivered memory, chain heads, publishes and known peers stay. Detached,
 * nothing is sent and datagrams are refused. */
void srp_core_detach (SrpCore *core, gint64 now_us);
void srp_core_attach (SrpCore *core, gint64 now_us);
gboolean srp_core_is_attached (SrpCore *core);
/* Forgets a ping or connect still waiting: no result event follows. */
void srp_core_cancel (SrpCore *core, guint64 request);

void srp_core_handle_datagram (SrpCore *core, gint64 now_us, guint socket,
                               const SrpAddress *from, const guint8 *data, gsize len);
void srp_core_handle_timeout (SrpCore *core, gint64 now_us);

gboolean srp_core_poll_transmit (SrpCore *core, SrpTransmit *out);
/* The same without the copy: pointers to up to max of the oldest
 * transmits, in order, valid until srp_core_release_transmits (n) says the
 * first n were sent (or lost) and may go. No other core call in between. */
guint srp_core_peek_transmits (SrpCore *core, const SrpTransmit **out, guint max);
void srp_core_release_transmits (SrpCore *core, guint n);
/* The absolute time at which srp_core_handle_timeout wants calling, or -1. */
gint64 srp_core_poll_timeout (SrpCore *core);
gboolean srp_core_poll_event (SrpCore *core, SrpCoreEvent *out);

/* Sends a ping to an address; a PING_RESULT event with the returned request
 * number follows (answered, or failed after ping_attempts sends). */
guint64 srp_core_ping (SrpCore *core, gint64 now_us, const SrpAddress *to);

/* Splits data into a chain of packets on topic_id and sends them to an
 * address; the other core reassembles them into a MESSAGE event. Returns
 * FALSE when data is longer than SRP_MESSAGE_MAX_LEN. Delivery is best
 * effort: nothing here retransmits. */
gboolean srp_core_send_message (SrpCore *core, gint64 now_us, const SrpAddress *to,
                                const SrpId *topic_id, const guint8 *data, gsize len,
                                SrpId *message_id);

/* Connects to the peer with this ID: at once when already connected;
 * otherwise connected peers are asked to introduce the two, and the core
 * punches holes (or relays through the introducer) as the NAT types allow.
 * A CONNECT_RESULT event with the returned request number reports the
 * outcome, within connect_timeout_us. */
guint64 srp_core_connect (SrpCore *core, gint64 now_us, const SrpId *peer_id);

/* Says GOODBYE to every connected peer, so that they forget this one at once
 * rather than after missed heartbeats, and forgets them (PEER_REMOVED
 * events). Call it before srp_core_free when the peer shuts down on purpose. */
void srp_core_leave (SrpCore *core, gint64 now_us);

/* Topic IDs: SHA-256 of the topic name's UTF-8 bytes; a peer's inbox is
 * the topic SHA-256 ("srp-inbox:" || its 32-byte peer ID). */
void srp_topic_id_from_name (const char *name, SrpId *out);
void srp_topic_id_for_inbox (const SrpId *peer_id, SrpId *out);

/* MESSAGE events come only for subscribed topics; every core subscribes to
 * its own inbox from the start. Both calls are idempotent; connected peers
 * hear of the change (at most once a second). Subscribing also delivers
 * what the cache already holds of the topic and reconciles it with peers. */
void srp_core_subscribe (SrpCore *core, gint64 now_us, const SrpId *topic_id);
void srp_core_unsubscribe (SrpCore *core, gint64 now_us, const SrpId *topic_id);
gboolean srp_core_is_subscribed (SrpCore *core, const SrpId *topic_id);

/* Splits data into a chain on topic_id, caches it and sends it to fanout
 * connected peers, preferring recipient (nullable; for inbox messages) and
 * the topic's subscribers; they spread it further. Returns the request
 * number, or 0 when len > SRP_MESSAGE_MAX_LEN. A PUBLISHED event with that
 * request and message_id follows, exactly once: when min (fanout, peers
 * connected) peers acknowledged every packet (complete), or after
 * publish_timeout_us with what came. */
guint64 srp_core_publish (SrpCore *core, gint64 now_us, const SrpId *topic_id,
                          const SrpId *recipient, const guint8 *data, gsize len,
                          SrpId *message_id);
/* What srp_core_publish_full wraps a message in (docs/protocol.md, "Envelopes"). */
typedef enum {
  SRP_CORE_PUBLISH_SIGNED = 1 << 0, /* this peer's ID and signature (needs config.sign) */
  SRP_CORE_PUBLISH_SEALED = 1 << 1, /* sealed to recipient (a letter: needs recipient) */
  SRP_CORE_PUBLISH_UNLINKED = 1 << 2, /* from a random PREV ID, not our last message on the
                                       * topic (anonymous messages; sealed ones always) */
} SrpCorePublishFlags;

/* srp_core_publish, the message signed and/or sealed as flags say; on a
 * group topic (srp_core_subscribe_group) it is sealed under the group's key
 * whatever flags say. Returns 0 when the payload is too long (with an
 * envelope, SRP_ENVELOPE_PAYLOAD_MAX), signing fails, or the recipient is
 * not a valid key. */
guint64 srp_core_publish_full (SrpCore *core, gint64 now_us, const SrpId *topic_id,
                               const SrpId *recipient, guint flags, const guint8 *data,
                               gsize len, SrpId *message_id);
/* srp_core_send_message, signed when flags has SRP_CORE_PUBLISH_SIGNED. */
gboolean srp_core_send_message_full (SrpCore *core, gint64 now_us, const SrpAddress *to,
                                     const SrpId *topic_id, guint flags, const guint8 *data,
                                     gsize len, SrpId *message_id);
/* Subscribes to a group topic (srp_envelope_group_derive gives its ID and
 * key): what is published on it is sealed under key, and only what opens
 * under it is delivered. The key goes with srp_core_unsubscribe; group
 * topics are left out of the exported state (the key is not kept). */
void srp_core_subscribe_group (SrpCore *core, gint64 now_us, const SrpId *topic_id,
                               const guint8 key[32]);

/* The topics subscribed to, in the order of subscription (the inbox first):
 * an array of SrpId owned by the core. */
GArray *srp_core_get_subscriptions (SrpCore *core);

typedef struct {
  gsize budget, used;
  guint n_packets;
  guint64 stored, evicted, expired, purged;
} SrpCacheStats;

void srp_core_get_cache_stats (SrpCore *core, SrpCacheStats *out);
/* Changes the budget, evicting down to it at once. */
void srp_core_set_cache_budget (SrpCore *core, gint64 now_us, gsize budget);
/* The cached packet's encoded frame (with its POSTAGE), or NULL. */
GBytes *srp_core_cache_lookup (SrpCore *core, const SrpId *packet_id);

/* Connects to a bootstrap peer at address (its ID is learnt in the
 * handshake); retried while the core has no connected peer. */
void srp_core_add_bootstrap (SrpCore *core, gint64 now_us, const SrpAddress *address);
/* An address of this host (any port is ignored): a reflexive address equal to
 * one of these means no NAT. */
void srp_core_add_local_address (SrpCore *core, const SrpAddress *address);
/* The port of the main socket, so that peers behind the same public
 * address can be told where to find this one on the LAN. */
void srp_core_set_local_port (SrpCore *core, guint16 port);
/* LAN discovery (off by default): while on and attached with a local port,
 * the core sends ANNOUNCE to the multicast groups of srp-control-lan.h from
 * socket 0, and shakes hands with strangers on its links whose ANNOUNCE the
 * shell hands it (as a datagram on socket 0). */
void srp_core_set_lan_discovery (SrpCore *core, gint64 now_us, gboolean enabled);
/* The main socket's port mapping on the host's router (UPnP-IGD, NAT-PMP or
 * PCP, which the shell asks for), or NULL when there is none (any more).
 * Connected peers hear of it (INFO), introducers pass it on, and an
 * introduced peer shakes hands with it: a peer behind a symmetric NAT with
 * a mapping connects directly to one behind another. Forgotten at detach. */
void srp_core_set_mapped_address (SrpCore *core, gint64 now_us, const SrpAddress *mapped);
gboolean srp_core_get_mapped_address (SrpCore *core, SrpAddress *mapped);
gboolean srp_core_get_lan_discovery (SrpCore *core);
/* The host's network changed (other addresses, another network): the NAT
 * is classified again and every link is found again from the new address
 * (a new handshake, or an introduction when its NAT needs one). Give the
 * new local addresses first: srp_core_clear_local_addresses, then
 * srp_core_add_local_address for each. */
void srp_core_network_changed (SrpCore *core, gint64 now_us);
void srp_core_clear_local_addresses (SrpCore *core);

/* The NAT classification so far (SrpNat) and, when known, the public address. */
guint8 srp_core_get_nat (SrpCore *core, SrpAddress *public_address);
/* One family's classification (SRP_ADDRESS_FAMILY_IPV4 or _IPV6): IPv4 and
 * IPv6 are measured apart; srp_core_get_nat gives IPv4 once known, else IPv6. */
guint8 srp_core_get_nat_family (SrpCore *core, guint8 family, SrpAddress *public_address);
/* Why the last classification attempt could not finish, or NULL. */
const char *srp_core_get_nat_problem (SrpCore *core);
guint srp_core_get_n_connected (SrpCore *core);
guint srp_core_get_n_known (SrpCore *core);
/* The connected peers, as PEER_ADDED events would describe them: appends
 * SrpCoreEvent structs of type PEER_ADDED to out. */
void srp_core_list_peers (SrpCore *core, GArray *out);

/* Everything the core counts, as an a{sv} dictionary (floating; see
 * docs/design.md, "Statistics", for the keys): datagrams and bytes in and
 * out, drops by reason, peers, handshakes, pings, the reassembler, the
 * cache, publishes, topics, connects per pair of NAT types, relays, timers. */
GVariant *srp_core_get_stats (SrpCore *core);

/* The durable state (an a{sv} dictionary, floating): subscriptions, chain
 * heads, the delivered memory, the cache and the known peers. import
 * merges such a dictionary into the core, checking everything as it would
 * check datagrams; FALSE with error (nothing taken) for a dictionary of
 * another version or a malformed one. */
GVariant *srp_core_export_state (SrpCore *core, gint64 now_us);
gboolean srp_core_import_state (SrpCore *core, gint64 now_us, GVariant *state, GError **error);

/* The change feed of that state (srp-journal.h), for a store that writes
 * what changed rather than the whole: off by default. Turning it on starts
 * from nothing: take an export first, then poll after every input; turning
 * it off drops what was not polled. poll: the oldest change (its value
 * then the caller's: srp_state_change_clear), FALSE when there is none. */
void srp_core_set_journal (SrpCore *core, gboolean enabled);
gboolean srp_core_poll_state_change (SrpCore *core, SrpStateChange *out);

/* ---- streams (docs/design.md, "Streams") ---------------------------------------- */

/* Opens a reliable byte stream to a connected peer, labelled (nullable:
 * none; at most 128 bytes of UTF-8), with no round trip: the first frame
 * goes at once and bytes may be written straight away. Returns the
 * stream's handle, or 0 when the peer is not connected or already has 256
 * streams from us. */
guint64 srp_core_stream_open (SrpCore *core, gint64 now_us, const SrpId *peer_id,
                              const char *label);
/* Takes an incoming stream (STREAM_INCOMING): the opener hears of it
 * (STREAM_ACCEPTED). Reading and writing do not need it. */
void srp_core_stream_accept (SrpCore *core, gint64 now_us, guint64 stream);
/* Queues up to len bytes; returns how many were taken (0: the send buffer
 * is full; STREAM_WRITABLE follows), or -1 when the stream cannot be
 * written (finished, reset, closed, unknown). */
gssize srp_core_stream_write (SrpCore *core, gint64 now_us, guint64 stream, const guint8 *data,
                              gsize len);
/* No more bytes: the peer reads the end after the last. FALSE when the
 * stream was reset or lost. */
gboolean srp_core_stream_finish (SrpCore *core, gint64 now_us, guint64 stream);
/* Copies up to len bytes in order; returns how many (0 with *eof at the
 * end; 0 without it: nothing yet, STREAM_READABLE follows), or -1 when the
 * stream was reset or lost (or is unknown). */
gssize srp_core_stream_read (SrpCore *core, gint64 now_us, guint64 stream, guint8 *out,
                             gsize len, gboolean *eof);
/* Abandons the stream both ways, telling the peer why (reason below 0x80:
 * REFUSED for an incoming stream the application does not take). */
void srp_core_stream_reset (SrpCore *core, gint64 now_us, guint64 stream, guint8 reason);
/* The application is done with the handle: what it wrote still goes (and
 * ends), what comes is discarded, and the core forgets the stream once the
 * peer has all of it. Every handle must be released. */
void srp_core_stream_release (SrpCore *core, gint64 now_us, guint64 stream);

/* What the core knows of a stream. */
typedef struct {
  SrpId peer_id;
  char label[128 + 1];      /* SRP_STREAM_LABEL_MAX + 1 */
  gboolean incoming;     /* the peer opened it */
  gboolean accepted;     /* incoming: we took it; ours: the peer took it */
  gboolean closed;       /* CLOSED was reported */
  guint8 reason;         /* SrpStreamReason, once closed */
  guint8 path;           /* SrpCorePath of the link */
  gint64 rtt_us;         /* the link's smoothed RTT, -1 before a sample */
  guint64 bytes_sent;    /* distinct bytes sent (each once) */
  guint64 bytes_received; /* distinct bytes received */
  guint64 bytes_retransmitted;
  gsize send_buffered;   /* written and not yet acknowledged */
  gsize receive_buffered; /* received and not yet read */
  gsize readable;        /* bytes a read would return now, in order */
  gboolean at_end;       /* a read would return the end now */
  gsize writable;        /* bytes a write would take now (0 once finished or over) */
  gboolean delivered;    /* finished, and the peer acknowledged every byte and the end */
} SrpCoreStreamInfo;
/* What the core knows of a stream; FALSE for an unknown handle. */
gboolean srp_core_stream_get_info (SrpCore *core, guint64 stream, SrpCoreStreamInfo *out);

/* How many inputs were rejected for reason since the core was made. */
guint64 srp_core_get_drop_count (SrpCore *core, SrpDropReason reason);
/* Where packets came from and went: the stats' packets_* counters
 * (srp_core_get_stats), without building the dictionary, for callers that
 * sum them over many cores (srp-simulate, at every node that leaves). */
typedef struct {
  guint64 new_pushed; /* new here, pushed to us (relays, publishers) */
  guint64 new_asked;  /* new here, sent because we asked */
  guint64 relayed;    /* copies we sent by the gossip rule */
  guint64 answered;   /* copies we sent in answer to a QUERY */
  guint64 published;  /* copies we sent as their publisher, resends included */
} SrpCorePacketPaths;
void srp_core_get_packet_paths (SrpCore *core, SrpCorePacketPaths *out);
guint64 srp_core_get_datagrams_received (SrpCore *core);
guint64 srp_core_get_datagrams_sent (SrpCore *core);

G_END_DECLS
