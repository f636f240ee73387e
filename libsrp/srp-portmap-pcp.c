/* srp-portmap-pcp.c: a PCP / NAT-PMP client for one UDP port (RFC 6887,
 * RFC 6886), on a socket connected to the default gateway's port 5351.
 *
 * PCP's MAP goes first; a router that only speaks NAT-PMP answers it with
 * a version-0 "unsupported version" (RFC 6887 section 9), and the client
 * asks again in NAT-PMP (the public address and the mapping: NAT-PMP's
 * mapping answer has no address). Requests are resent after 250 ms, then
 * doubling, four sends in all (3.75 s): a LAN router answers in
 * milliseconds, and with no answer by then the peer is better told so
 * (SrpPeer:port-mapping-problem) than kept waiting 64 s as RFC 6886 would.
 * The mapping is renewed at half its granted lifetime and deleted (lifetime
 * 0) when the client is freed. Datagrams that are no valid answer are
 * dropped and counted. Every answer's epoch is checked against the last
 * (srp_portmap_epoch_lost): a router that restarted has lost the mapping,
 * and it is asked for again at once, not at the next renewal (half a
 * lease, up to an hour, of peers sent to a dead address).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-portmap.h"

#include <gnutls/crypto.h>
#include <string.h>

#include "srp-default-gateway.h"
#include "srp-error.h"
#include "srp-portmap-codec.h"

#define FIRST_RESEND_MS 250
#define MAX_SENDS 4
#define MIN_RENEW_S 2

typedef enum {
  STAGE_PCP,
  STAGE_NAT_PMP,
  STAGE_MAPPED,   /* renewing from time to time */
  STAGE_FAILED,
} Stage;

struct _SrpPortmapPcp {
  GMainContext *context;
  GSocket *socket;
  GSource *read_source;
  GSource *timer;
  GInetAddress *gateway;
  guint16 server_port;
  guint8 local_ip[4];
  guint16 port;
  gboolean try_nat_pmp;
  Stage stage;
  guint8 version;            /* of the requests being sent */
  guint sends;               /* of the request under way */
  guint8 nonce[SRP_PORTMAP_NONCE_LEN];
  gboolean have_address, have_map; /* NAT-PMP: both answers needed */
  guint8 external_ip[4];
  guint16 external_port;
  guint32 lifetime;
  gboolean have_epoch;       /* the server's epoch at our epoch_at (seconds) */
  guint32 epoch;
  gint64 epoch_at;
  gboolean mapped;           /* a mapping is held: deleted on free */
  guint64 bad_responses, renewals, epoch_resets;
  char *problem;
  SrpPortmapFunc func;
  gpointer user_data;
  GInetSocketAddress *external;
};

static void send_requests (SrpPortmapPcp *pcp);

static void
set_timer (SrpPortmapPcp *pcp, guint ms, GSourceFunc func)
{
  if (pcp->timer != NULL)
    g_source_destroy (pcp->timer);
  g_clear_pointer (&pcp->timer, g_source_unref);
  pcp->timer = g_timeout_source_new (ms);
  g_source_set_callback (pcp->timer, func, pcp, NULL);
  g_source_set_name (pcp->timer, "SrpPortmapPcp timer");
  g_source_attach (pcp->timer, pcp->context);
}

static void
report (SrpPortmapPcp *pcp)
{
  SrpPortmapStatus status = {
    .mapped = pcp->mapped,
    .protocol = pcp->version == SRP_PORTMAP_VERSION_PCP ? "pcp" : "nat-pmp",
    .external = pcp->mapped ? pcp->external : NULL,
    .lifetime_s = pcp->lifetime,
    .problem = pcp->problem,
  };

  pcp->func (&status, pcp->user_data);
}

static void
fail (SrpPortmapPcp *pcp, char *problem /* owned */)
{
  g_debug ("Port mapping (PCP/NAT-PMP): %s", problem);
  g_free (pcp->problem);
  pcp->problem = problem;
  pcp->stage = STAGE_FAILED;
  pcp->mapped = FALSE;
  if (pcp->timer != NULL)
    g_source_destroy (pcp->timer);
  g_clear_pointer (&pcp->timer, g_source_unref);
  report (pcp);
}

static gsize
encode (SrpPortmapPcp *pcp, guint8 op, guint32 lifetime, guint8 out[SRP_PORTMAP_MAX])
{
  SrpPortmapRequest request = {
    .version = pcp->version,
    .op = op,
    .lifetime = lifetime,
    .internal_port = pcp->port,
    /* The same port outside as inside when free; once mapped, the one held. */
    .external_port = lifetime == 0 ? 0 : pcp->mapped ? pcp->external_port : pcp->port,
  };

  memcpy (request.nonce, pcp->nonce, sizeof request.nonce);
  memcpy (request.client_ip, pcp->local_ip, sizeof request.client_ip);
  if (pcp->mapped && lifetime != 0)
    memcpy (request.external_ip, pcp->external_ip, sizeof request.external_ip);
  return srp_portmap_encode_request (&request, out);
}

static void
send_one (SrpPortmapPcp *pcp, guint8 op, guint32 lifetime)
{
  guint8 buf[SRP_PORTMAP_MAX];
  gsize len = encode (pcp, op, lifetime, buf);
  g_autoptr (GError) error = NULL;

  /* Non-blocking; a refusal (no route) shows as no answer. */
  if (g_socket_send (pcp->socket, (const char *) buf, len, NULL, &error) < 0)
    g_debug ("Port mapping: cannot send to the gateway: %s", error->message);
}

static gboolean
on_resend (gpointer user_data)
{
  SrpPortmapPcp *pcp = user_data;
  g_autofree char *gateway = g_inet_address_to_string (pcp->gateway);

  g_clear_pointer (&pcp->timer, g_source_unref);
  if (pcp->sends < MAX_SENDS)
    {
      send_requests (pcp);
      return G_SOURCE_REMOVE;
    }
  if (pcp->stage == STAGE_MAPPED)
    fail (pcp, g_strdup_printf ("the gateway %s stopped answering renewals: mapping lost",
                                gateway));
  else
    fail (pcp, g_strdup_printf ("no PCP or NAT-PMP answer from the gateway %s port %u "
                                "within %.2f s",
                                gateway, pcp->server_port,
                                FIRST_RESEND_MS * ((1 << MAX_SENDS) - 1) / 1000.0));
  return G_SOURCE_REMOVE;
}

/* (Re)sends what the stage waits for, and arms the resend. */
static void
send_requests (SrpPortmapPcp *pcp)
{
  if (pcp->version == SRP_PORTMAP_VERSION_NAT_PMP && !pcp->have_address)
    send_one (pcp, SRP_PORTMAP_OP_ADDRESS, 0);
  if (pcp->version == SRP_PORTMAP_VERSION_PCP || !pcp->have_map)
    send_one (pcp, SRP_PORTMAP_OP_MAP, SRP_PORTMAP_LIFETIME_S);
  set_timer (pcp, FIRST_RESEND_MS << pcp->sends, on_resend);
  pcp->sends++;
}

static gboolean
on_renew (gpointer user_data)
{
  SrpPortmapPcp *pcp = user_data;

  g_clear_pointer (&pcp->timer, g_source_unref);
  pcp->sends = 0;
  pcp->have_map = FALSE;
  pcp->have_address = TRUE; /* NAT-PMP: the map answer alone renews */
  send_requests (pcp);
  return G_SOURCE_REMOVE;
}

static void
start_nat_pmp (SrpPortmapPcp *pcp)
{
  if (pcp->stage == STAGE_PCP)
    g_debug ("Port mapping: the gateway speaks NAT-PMP only; asking in NAT-PMP");
  pcp->stage = STAGE_NAT_PMP;
  pcp->version = SRP_PORTMAP_VERSION_NAT_PMP;
  pcp->sends = 0;
  send_requests (pcp);
}

/* Both answers in (NAT-PMP), or the one (PCP): the mapping is there. */
static void
mapped (SrpPortmapPcp *pcp)
{
  g_autoptr (GInetAddress) ip = g_inet_address_new_from_bytes (pcp->external_ip,
                                                                G_SOCKET_FAMILY_IPV4);
  gboolean moved = pcp->external == NULL ||
                   g_inet_socket_address_get_port (pcp->external) != pcp->external_port ||
                   !g_inet_address_equal (g_inet_socket_address_get_address (pcp->external), ip);
  gboolean renewal = pcp->stage == STAGE_MAPPED;

  if (moved)
    {
      g_clear_object (&pcp->external);
      pcp->external = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (ip, pcp->external_port));
    }
  if (renewal)
    pcp->renewals++;
  pcp->stage = STAGE_MAPPED;
  pcp->mapped = TRUE;
  g_clear_pointer (&pcp->problem, g_free);
  set_timer (pcp, MAX (pcp->lifetime / 2, MIN_RENEW_S) * 1000, on_renew);
  if (moved || !renewal)
    {
      g_autofree char *text = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (pcp->external));

      g_debug ("Port mapping (%s): UDP port %u is %s for %u s",
               pcp->version == SRP_PORTMAP_VERSION_PCP ? "PCP" : "NAT-PMP", pcp->port, text,
               pcp->lifetime);
      report (pcp);
    }
}

static void
refused (SrpPortmapPcp *pcp, const SrpPortmapResponse *r)
{
  fail (pcp, g_strdup_printf ("the gateway refused the mapping (%s: %s)",
                              r->version == SRP_PORTMAP_VERSION_PCP ? "PCP" : "NAT-PMP",
                              srp_portmap_result_string (r->version, r->result)));
}

static void
bad (SrpPortmapPcp *pcp, const char *why)
{
  pcp->bad_responses++;
  g_debug ("Port mapping: dropped a datagram from the gateway: %s", why);
}

/* TRUE when the answer shows the router restarted while we held a
 * mapping: the mapping is asked for again from the start (the answer
 * itself, to a request the old state made, is not trusted). */
static gboolean
check_epoch (SrpPortmapPcp *pcp, const SrpPortmapResponse *r)
{
  gint64 now_s = g_get_monotonic_time () / G_USEC_PER_SEC;
  gboolean lost = pcp->have_epoch &&
                  srp_portmap_epoch_lost (pcp->epoch, pcp->epoch_at, r->epoch, now_s);

  pcp->have_epoch = TRUE;
  pcp->epoch = r->epoch;
  pcp->epoch_at = now_s;
  if (!lost || pcp->stage != STAGE_MAPPED)
    return FALSE;
  pcp->epoch_resets++;
  g_debug ("Port mapping: the gateway restarted (epoch %u); mapping again", r->epoch);
  /* Both answers again for NAT-PMP (the public address may have changed
   * too), and the result advertised even if it is the same. */
  g_clear_object (&pcp->external);
  pcp->sends = 0;
  pcp->have_map = FALSE;
  pcp->have_address = FALSE;
  send_requests (pcp);
  return TRUE;
}

static void
handle (SrpPortmapPcp *pcp, const guint8 *data, gsize len)
{
  SrpPortmapResponse r;
  const char *why;

  if (!srp_portmap_decode_response (data, len, &r, &why))
    {
      bad (pcp, why);
      return;
    }
  if (pcp->stage == STAGE_FAILED)
    return;
  if (check_epoch (pcp, &r))
    return;
  if (pcp->stage == STAGE_PCP && (r.version == SRP_PORTMAP_VERSION_NAT_PMP ||
                                  r.result == SRP_PORTMAP_RESULT_UNSUPPORTED_VERSION))
    {
      if (pcp->try_nat_pmp)
        start_nat_pmp (pcp);
      else
        fail (pcp, g_strdup ("the gateway speaks NAT-PMP only, and NAT-PMP is switched off"));
      return;
    }
  if (r.version != pcp->version)
    {
      bad (pcp, "an answer in the other protocol");
      return;
    }
  if (r.result != SRP_PORTMAP_RESULT_SUCCESS)
    {
      refused (pcp, &r);
      return;
    }
  if (r.version == SRP_PORTMAP_VERSION_PCP)
    {
      if (memcmp (r.nonce, pcp->nonce, sizeof r.nonce) != 0 || r.internal_port != pcp->port)
        {
          bad (pcp, "a PCP answer to another request (nonce or port)");
          return;
        }
      if (!r.external_ip_is_v4)
        {
          fail (pcp, g_strdup ("the gateway mapped to an IPv6 address"));
          return;
        }
      memcpy (pcp->external_ip, r.external_ip, 4);
      pcp->external_port = r.external_port;
      pcp->lifetime = r.lifetime;
      mapped (pcp);
      return;
    }
  if (r.op == SRP_PORTMAP_OP_ADDRESS)
    {
      memcpy (pcp->external_ip, r.external_ip, 4);
      pcp->have_address = TRUE;
    }
  else if (r.internal_port == pcp->port)
    {
      pcp->external_port = r.external_port;
      pcp->lifetime = r.lifetime;
      pcp->have_map = TRUE;
    }
  else
    {
      bad (pcp, "a NAT-PMP answer for another port");
      return;
    }
  if (pcp->have_address && pcp->have_map)
    mapped (pcp);
}

static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  SrpPortmapPcp *pcp = user_data;
  guint8 buf[SRP_PORTMAP_MAX + 1];
  g_autoptr (GError) error = NULL;
  gssize n = g_socket_receive (socket, (char *) buf, sizeof buf, NULL, &error);

  (void) condition;
  /* One datagram a dispatch (the source fires again while more wait): the
   * status callback may free the client, after which nothing here may touch
   * it. ICMP port unreachable from a gateway with no server comes as an
   * error on the connected socket: as no answer, the resends run out and
   * say so. */
  if (n < 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_debug ("Port mapping: %s", error->message);
      return G_SOURCE_CONTINUE;
    }
  handle (pcp, buf, (gsize) n);
  return G_SOURCE_CONTINUE;
}

SrpPortmapPcp *
srp_portmap_pcp_new (GMainContext *context, GInetSocketAddress *server, guint16 port,
                     gboolean try_pcp, gboolean try_nat_pmp, SrpPortmapFunc func,
                     gpointer user_data, GError **error)
{
  g_autoptr (GInetAddress) gateway = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) to = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  SrpPortmapPcp *pcp;

  g_return_val_if_fail (try_pcp || try_nat_pmp, NULL);
  if (server != NULL)
    gateway = g_object_ref (g_inet_socket_address_get_address (server));
  else if ((gateway = srp_default_gateway_ipv4 (NULL, error)) == NULL)
    return NULL;
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         error);
  if (socket == NULL)
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  to = server != NULL ? g_object_ref (G_SOCKET_ADDRESS (server))
                      : g_inet_socket_address_new (gateway, SRP_PORTMAP_SERVER_PORT);
  /* Connected: only the gateway's answers come in, and the local address
   * is the one on the gateway's network (PCP's client IP). */
  if (!g_socket_connect (socket, to, NULL, error) ||
      (local = g_socket_get_local_address (socket, error)) == NULL)
    {
      g_prefix_error (error, "Cannot reach the gateway for a port mapping: ");
      return NULL;
    }
  pcp = g_new0 (SrpPortmapPcp, 1);
  pcp->context = g_main_context_ref (context);
  pcp->socket = g_steal_pointer (&socket);
  pcp->gateway = g_steal_pointer (&gateway);
  pcp->server_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (to));
  memcpy (pcp->local_ip,
          g_inet_address_to_bytes (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local))),
          4);
  pcp->port = port;
  pcp->try_nat_pmp = try_nat_pmp;
  pcp->func = func;
  pcp->user_data = user_data;
  if (gnutls_rnd (GNUTLS_RND_NONCE, pcp->nonce, sizeof pcp->nonce) != 0)
    g_assert_not_reached ();
  pcp->read_source = g_socket_create_source (pcp->socket, G_IO_IN, NULL);
  g_source_set_callback (pcp->read_source, G_SOURCE_FUNC (on_readable), pcp, NULL);
  g_source_set_name (pcp->read_source, "SrpPortmapPcp socket");
  g_source_attach (pcp->read_source, context);
  if (try_pcp)
    {
      pcp->stage = STAGE_PCP;
      pcp->version = SRP_PORTMAP_VERSION_PCP;
      send_requests (pcp);
    }
  else
    {
      pcp->stage = STAGE_NAT_PMP;
      start_nat_pmp (pcp);
    }
  return pcp;
}

void
srp_portmap_pcp_free (SrpPortmapPcp *pcp)
{
  if (pcp == NULL)
    return;
  /* Also while a request is out: the router may have mapped already. */
  if (pcp->mapped || pcp->stage == STAGE_PCP || pcp->stage == STAGE_NAT_PMP)
    send_one (pcp, SRP_PORTMAP_OP_MAP, 0);
  if (pcp->timer != NULL)
    g_source_destroy (pcp->timer);
  g_clear_pointer (&pcp->timer, g_source_unref);
  g_source_destroy (pcp->read_source);
  g_source_unref (pcp->read_source);
  g_socket_close (pcp->socket, NULL);
  g_object_unref (pcp->socket);
  g_object_unref (pcp->gateway);
  g_clear_object (&pcp->external);
  g_free (pcp->problem);
  g_main_context_unref (pcp->context);
  g_free (pcp);
}

guint64
srp_portmap_pcp_get_bad_responses (SrpPortmapPcp *pcp)
{
  return pcp->bad_responses;
}

guint64
srp_portmap_pcp_get_epoch_resets (SrpPortmapPcp *pcp)
{
  return pcp->epoch_resets;
}

guint64
srp_portmap_pcp_get_renewals (SrpPortmapPcp *pcp)
{
  return pcp->renewals;
}

GInetAddress *
srp_portmap_local_address (GInetAddress *gateway, GError **error)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, error);
  g_autoptr (GSocketAddress) to = NULL;
  g_autoptr (GSocketAddress) local = NULL;

  if (socket == NULL)
    return NULL;
  to = g_inet_socket_address_new (gateway, SRP_PORTMAP_SERVER_PORT);
  /* Connecting a UDP socket sends nothing: the kernel only picks the route. */
  if (!g_socket_connect (socket, to, NULL, error) ||
      (local = g_socket_get_local_address (socket, error)) == NULL)
    return NULL;
  return g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
}
