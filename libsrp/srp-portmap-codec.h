/* srp-portmap-codec.h: the messages of NAT-PMP (RFC 6886) and PCP (RFC
 * 6887) that a client sends and reads, encoded and strictly decoded
 * (internal). Pure: no sockets, no clock, GLib types only, so that it can
 * be fuzzed; srp-portmap-pcp.c does the I/O.
 *
 * Only what asking for a UDP mapping needs: NAT-PMP's public address and
 * UDP map requests, PCP's MAP (IPv4, given as IPv4-mapped IPv6).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SRP_PORTMAP_SERVER_PORT 5351
#define SRP_PORTMAP_CLIENT_PORT 5350 /* where NAT-PMP routers announce address changes */
#define SRP_PORTMAP_MAX 1100         /* PCP's largest message */
#define SRP_PORTMAP_NONCE_LEN 12

typedef enum {
  SRP_PORTMAP_VERSION_NAT_PMP = 0,
  SRP_PORTMAP_VERSION_PCP = 2,
} SrpPortmapVersion;

typedef enum {
  SRP_PORTMAP_OP_ADDRESS = 0, /* NAT-PMP: the router's public address */
  SRP_PORTMAP_OP_MAP = 1,     /* NAT-PMP: map a UDP port; PCP: MAP */
} SrpPortmapOp;

/* Result codes both protocols share the first of. */
#define SRP_PORTMAP_RESULT_SUCCESS 0
#define SRP_PORTMAP_RESULT_UNSUPPORTED_VERSION 1

typedef struct {
  guint8 version;             /* SrpPortmapVersion */
  guint8 op;                  /* SrpPortmapOp; PCP: MAP only */
  guint32 lifetime;           /* seconds; 0 deletes the mapping */
  guint16 internal_port;
  guint16 external_port;      /* suggested; 0: any */
  /* PCP only */
  guint8 nonce[SRP_PORTMAP_NONCE_LEN];
  guint8 client_ip[4];        /* our address on the router's LAN */
  guint8 external_ip[4];      /* suggested; zero: any */
} SrpPortmapRequest;

typedef struct {
  guint8 version;             /* SrpPortmapVersion */
  guint8 op;                  /* without the response bit */
  guint16 result;             /* NAT-PMP: 16 bits; PCP: 8 */
  guint32 epoch;              /* the server's seconds since its start */
  gboolean has_body;          /* FALSE: an error response with only the header */
  guint32 lifetime;           /* MAP: granted, seconds */
  guint16 internal_port;      /* MAP */
  guint16 external_port;      /* MAP: assigned */
  guint8 external_ip[4];      /* ADDRESS, PCP MAP: the public IPv4 address */
  gboolean external_ip_is_v4; /* PCP: FALSE when the server gave an IPv6 address */
  guint8 nonce[SRP_PORTMAP_NONCE_LEN]; /* PCP MAP */
} SrpPortmapResponse;

/* Returns the message's length (at most SRP_PORTMAP_MAX), or 0 for a
 * request the protocol has no message for. */
gsize srp_portmap_encode_request (const SrpPortmapRequest *request,
                                  guint8 out[SRP_PORTMAP_MAX]);

/* Decodes a response; FALSE with *why (static text) for anything that is
 * not one, whatever its length or content. */
gboolean srp_portmap_decode_response (const guint8 *data, gsize len, SrpPortmapResponse *out,
                                      const char **why);

/* The epoch rule (RFC 6887 section 8.5, RFC 6886 section 3.6): TRUE when
 * a server that said prev_epoch at our prev_now_s and says epoch at our
 * now_s (both in seconds) has restarted since and lost its mappings: its
 * epoch went back by more than a second, or it advanced by less than 7/8
 * of the time we saw pass, less 2 s (the slack both RFCs give for clocks
 * that run at different rates). */
gboolean srp_portmap_epoch_lost (guint32 prev_epoch, gint64 prev_now_s, guint32 epoch,
                                 gint64 now_s);

/* What a result code means, in words (static). */
const char *srp_portmap_result_string (guint8 version, guint16 result);

G_END_DECLS
