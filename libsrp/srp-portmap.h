/* srp-portmap.h: asking the home router for a UDP port mapping (internal).
 *
 * Two clients, each for one main socket's port, each calling back on the
 * GMainContext it was made in, never blocking it:
 * - srp-portmap-pcp.c: PCP (RFC 6887) to the default gateway, falling back
 *   to NAT-PMP (RFC 6886) when the router answers with version 0; renews
 *   at half the lease, deletes on free.
 * - srp-portmap-upnp.c: UPnP-IGD through GUPnP-IGD (which renews itself).
 * srp-peer-portmap.c runs them for SrpPeer:port-mapping.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SRP_PORTMAP_LIFETIME_S 3600 /* asked for; routers may grant less */

/* What a client has: a mapping (external is then set), or why not. */
typedef struct {
  gboolean mapped;
  const char *protocol;       /* "pcp", "nat-pmp" or "upnp-igd" */
  GInetSocketAddress *external; /* while mapped */
  guint32 lifetime_s;         /* as granted */
  const char *problem;        /* when not mapped: why (owned by the client) */
} SrpPortmapStatus;

/* Called whenever the status changes (a mapping, a renewal that moved it,
 * its loss, a failure). */
typedef void (*SrpPortmapFunc) (const SrpPortmapStatus *status, gpointer user_data);

typedef struct _SrpPortmapPcp SrpPortmapPcp;

/* Starts asking server (NULL: the default gateway, port 5351): PCP first
 * when try_pcp, NAT-PMP first (or after a version-0 answer) when
 * try_nat_pmp. NULL with error when there is no IPv4 default gateway or no
 * socket. */
SrpPortmapPcp *srp_portmap_pcp_new (GMainContext *context, GInetSocketAddress *server,
                                    guint16 port, gboolean try_pcp, gboolean try_nat_pmp,
                                    SrpPortmapFunc func, gpointer user_data, GError **error);
/* Deletes the mapping (a request with lifetime 0, not waited for). */
void srp_portmap_pcp_free (SrpPortmapPcp *pcp);
/* Datagrams from the gateway that were no valid answer (dropped). */
guint64 srp_portmap_pcp_get_bad_responses (SrpPortmapPcp *pcp);
guint64 srp_portmap_pcp_get_renewals (SrpPortmapPcp *pcp);
/* Answers whose epoch showed the router had restarted (mapped again). */
guint64 srp_portmap_pcp_get_epoch_resets (SrpPortmapPcp *pcp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrpPortmapPcp, srp_portmap_pcp_free)

typedef struct _SrpPortmapUpnp SrpPortmapUpnp;

/* Whether this build has UPnP-IGD (GUPnP-IGD was found at build time). */
gboolean srp_portmap_upnp_available (void);
/* Starts looking for an Internet Gateway Device and asks it for the port.
 * NULL with error when the build has no UPnP-IGD. */
SrpPortmapUpnp *srp_portmap_upnp_new (GMainContext *context, guint16 port, SrpPortmapFunc func,
                                      gpointer user_data, GError **error);
/* Deletes the mapping (the SOAP request goes while the context runs). */
void srp_portmap_upnp_free (SrpPortmapUpnp *upnp);
/* UPnP-IGD deletions whose answer has not come yet: a program about to exit
 * iterates its main context while this is not 0 (briefly). */
guint srp_portmap_upnp_deletions_pending (void);

/* Our IPv4 address on the way to the default gateway (no packet sent), or
 * NULL with error. */
GInetAddress *srp_portmap_local_address (GInetAddress *gateway, GError **error);

G_END_DECLS
