/* srp-peer-portmap.c: SrpPeer:port-mapping. While listening with it on,
 * the peer asks its router for a mapping of the main socket's UDP port,
 * through PCP / NAT-PMP (srp-portmap-pcp.c) and UPnP-IGD
 * (srp-portmap-upnp.c) at once; the first mapping granted is kept, the
 * other client is freed (which deletes what it may have got). The mapped
 * address goes to the core (srp_core_set_mapped_address), which tells its
 * links, so that introductions bring peers to it: through a symmetric NAT,
 * whose own mappings no peer can predict, that is the only direct way in.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-portmap.h"
#include "srp-socket-address.h"

typedef enum {
  STATE_OFF,
  STATE_REQUESTING,
  STATE_MAPPED,
  STATE_FAILED,
} State;

static const char *const state_names[] = { "off", "requesting", "mapped", "failed" };

typedef struct _SrpPeerPortmap {
  SrpPeer *peer;
  State state;
  guint16 port;
  SrpPortmapPcp *pcp;
  SrpPortmapUpnp *upnp;
  char *pcp_problem, *upnp_problem;
  gboolean pcp_done, upnp_done;  /* failed (or never started) */
  const char *protocol;          /* of the mapping held */
  char *mapped_address;          /* "IP:PORT" */
  guint32 lifetime_s;
  char *problem;
  gint64 started;
  gint64 obtained_ms;            /* -1 until mapped */
  gboolean permanent;            /* failed for a reason a retry cannot change */
  guint failures;                /* in a row: the retry waits 2 s, doubling, up to 5 min */
  GSource *retry;
  guint64 bad_responses, renewals; /* of clients freed; live ones add theirs */
} SrpPeerPortmap;

static SrpPeerPortmap *
portmap (SrpPeer *self)
{
  if (self->portmap == NULL)
    {
      self->portmap = g_new0 (SrpPeerPortmap, 1);
      self->portmap->peer = self;
      self->portmap->obtained_ms = -1;
    }
  return self->portmap;
}

static void
set_problem (SrpPeerPortmap *pm, char *problem /* owned, nullable */)
{
  if (g_strcmp0 (problem, pm->problem) == 0)
    {
      g_free (problem);
      return;
    }
  g_free (pm->problem);
  pm->problem = problem;
  srp_peer_notify (pm->peer, SRP_PEER_PROP_PORT_MAPPING_PROBLEM);
}

static void
set_mapped (SrpPeerPortmap *pm, GInetSocketAddress *external)
{
  SrpPeer *self = pm->peer;
  g_autofree char *text = NULL;
  SrpAddress address;

  if (external != NULL)
    {
      text = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (external));
      if (!srp_socket_address_to_srp (G_SOCKET_ADDRESS (external), &address))
        g_clear_pointer (&text, g_free);
    }
  if (g_strcmp0 (text, pm->mapped_address) == 0)
    return;
  g_free (pm->mapped_address);
  pm->mapped_address = g_steal_pointer (&text);
  if (self->core != NULL && srp_core_is_attached (self->core))
    {
      srp_core_set_mapped_address (self->core, g_get_monotonic_time (),
                                   pm->mapped_address != NULL ? &address : NULL);
      srp_peer_drive (self);
    }
  srp_peer_notify (self, SRP_PEER_PROP_MAPPED_ADDRESS);
}

static void
free_clients (SrpPeerPortmap *pm)
{
  if (pm->pcp != NULL)
    {
      pm->bad_responses += srp_portmap_pcp_get_bad_responses (pm->pcp);
      pm->renewals += srp_portmap_pcp_get_renewals (pm->pcp);
    }
  g_clear_pointer (&pm->pcp, srp_portmap_pcp_free);
  g_clear_pointer (&pm->upnp, srp_portmap_upnp_free);
}

static void start_clients (SrpPeerPortmap *pm);

static void
stop_retry (SrpPeerPortmap *pm)
{
  if (pm->retry != NULL)
    g_source_destroy (pm->retry);
  g_clear_pointer (&pm->retry, g_source_unref);
}

static gboolean
on_retry (gpointer user_data)
{
  SrpPeerPortmap *pm = user_data;

  g_clear_pointer (&pm->retry, g_source_unref);
  free_clients (pm);
  start_clients (pm);
  return G_SOURCE_REMOVE;
}

/* A router that did not answer may come (the network is still coming up,
 * a router reboots, a laptop's route appears after its address): ask again
 * later, less and less often. The problem stays as it is meanwhile. */
static void
schedule_retry (SrpPeerPortmap *pm)
{
  guint seconds = MIN (2u << MIN (pm->failures, 8u), 300u);

  if (pm->permanent || pm->retry != NULL)
    return;
  pm->failures++;
  pm->retry = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (pm->retry, on_retry, pm, NULL);
  g_source_set_name (pm->retry, "SrpPeer port mapping retry");
  g_source_attach (pm->retry, pm->peer->context);
}

/* Nothing mapped: says why, once every client has given up. */
static void
update_failure (SrpPeerPortmap *pm)
{
  gboolean both;

  if (pm->state == STATE_MAPPED || !(pm->pcp_done && pm->upnp_done))
    return;
  pm->state = STATE_FAILED;
  both = pm->pcp_problem != NULL && pm->upnp_problem != NULL &&
         g_strcmp0 (pm->pcp_problem, pm->upnp_problem) != 0;
  set_problem (pm, g_strdup_printf ("no port mapping: %s%s%s",
                                    pm->pcp_problem != NULL ? pm->pcp_problem : "",
                                    both ? "; " : "",
                                    pm->pcp_problem == NULL || both ? pm->upnp_problem : ""));
  g_debug ("Port mapping: %s", pm->problem);
  schedule_retry (pm);
}

static void
on_status (SrpPeerPortmap *pm, gboolean is_pcp, const SrpPortmapStatus *status)
{
  gboolean holder = pm->state == STATE_MAPPED &&
                    (g_strcmp0 (pm->protocol, "upnp-igd") == 0) == !is_pcp;

  if (status->mapped && status->external != NULL)
    {
      SrpAddress external;

      if (pm->state == STATE_MAPPED && !holder)
        return; /* the other protocol was first; this one goes when freed */
      srp_socket_address_to_srp (G_SOCKET_ADDRESS (status->external), &external);
      /* Behind a second NAT (a carrier's), the router's outside is no
       * address the internet can send to. */
      if (srp_address_is_private (&external))
        {
          g_autofree char *text = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (status->external));
          char **slot = is_pcp ? &pm->pcp_problem : &pm->upnp_problem;

          g_free (*slot);
          *slot = g_strdup_printf ("the router's mapping %s is a private address "
                                   "(another NAT in front of it): not used", text);
          *(is_pcp ? &pm->pcp_done : &pm->upnp_done) = TRUE;
          update_failure (pm);
          return;
        }
      if (pm->state != STATE_MAPPED)
        {
          pm->obtained_ms = (g_get_monotonic_time () - pm->started) / 1000;
          /* One mapping is enough: the other client deletes what it has. */
          if (is_pcp)
            g_clear_pointer (&pm->upnp, srp_portmap_upnp_free);
          else
            {
              pm->bad_responses += pm->pcp != NULL ? srp_portmap_pcp_get_bad_responses (pm->pcp) : 0;
              g_clear_pointer (&pm->pcp, srp_portmap_pcp_free);
            }
        }
      pm->state = STATE_MAPPED;
      pm->failures = 0;
      stop_retry (pm);
      pm->protocol = status->protocol;
      pm->lifetime_s = status->lifetime_s;
      set_problem (pm, NULL);
      set_mapped (pm, status->external);
      return;
    }
  g_free (is_pcp ? pm->pcp_problem : pm->upnp_problem);
  *(is_pcp ? &pm->pcp_problem : &pm->upnp_problem) = g_strdup (status->problem);
  *(is_pcp ? &pm->pcp_done : &pm->upnp_done) = TRUE;
  if (holder)
    {
      /* Lost (a renewal went unanswered, or the router took it back). */
      pm->state = STATE_FAILED;
      pm->protocol = NULL;
      set_mapped (pm, NULL);
      set_problem (pm, g_strdup_printf ("port mapping lost: %s",
                                        status->problem != NULL ? status->problem : "no reason"));
      schedule_retry (pm);
      return;
    }
  update_failure (pm);
}

static void
on_pcp (const SrpPortmapStatus *status, gpointer user_data)
{
  on_status (user_data, TRUE, status);
}

static void
on_upnp (const SrpPortmapStatus *status, gpointer user_data)
{
  on_status (user_data, FALSE, status);
}

/* Both clients, for the port of pm->peer's main socket. */
static void
start_clients (SrpPeerPortmap *pm)
{
  SrpPeer *self = pm->peer;
  SrpPortMappingProtocols protocols = self->port_mapping_protocols;
  g_autoptr (GError) pcp_error = NULL;
  g_autoptr (GError) upnp_error = NULL;

  pm->state = STATE_REQUESTING;
  pm->pcp_done = pm->upnp_done = TRUE;
  g_clear_pointer (&pm->pcp_problem, g_free);
  g_clear_pointer (&pm->upnp_problem, g_free);
  if (protocols & (SRP_PORT_MAPPING_PCP | SRP_PORT_MAPPING_NAT_PMP))
    {
      pm->pcp_done = FALSE;
      pm->pcp = srp_portmap_pcp_new (self->context, NULL, pm->port,
                                     protocols & SRP_PORT_MAPPING_PCP,
                                     protocols & SRP_PORT_MAPPING_NAT_PMP, on_pcp, pm, &pcp_error);
      if (pm->pcp == NULL)
        {
          pm->pcp_done = TRUE;
          pm->pcp_problem = g_strdup (pcp_error->message);
        }
    }
  if (protocols & SRP_PORT_MAPPING_UPNP_IGD)
    {
      pm->upnp_done = FALSE;
      pm->upnp = srp_portmap_upnp_new (self->context, pm->port, on_upnp, pm, &upnp_error);
      if (pm->upnp == NULL)
        {
          pm->upnp_done = TRUE;
          pm->upnp_problem = g_strdup (upnp_error->message);
        }
    }
  if (pm->pcp_problem == NULL && pm->upnp_problem == NULL && pm->pcp_done && pm->upnp_done)
    {
      pm->pcp_problem = g_strdup ("no protocol switched on (SrpPeer:port-mapping-protocols)");
      pm->permanent = TRUE;
    }
  update_failure (pm);
}

void
srp_peer_portmap_start (SrpPeer *self, GInetAddress *bound)
{
  SrpPeerPortmap *pm;

  if (!self->port_mapping || !srp_peer_is_listening (self) ||
      (self->portmap != NULL && self->portmap->state != STATE_OFF))
    return;
  pm = portmap (self);
  pm->port = self->port;
  pm->started = g_get_monotonic_time ();
  pm->obtained_ms = -1;
  pm->failures = 0;
  pm->permanent = FALSE;
  /* A router forwards to a LAN address: a socket bound to loopback, or to
   * IPv6 alone, has nothing to ask it for (IPv4 NATs only). */
  if (g_inet_address_get_is_loopback (bound) ||
      (!g_inet_address_get_is_any (bound) &&
       g_inet_address_get_family (bound) != G_SOCKET_FAMILY_IPV4))
    {
      g_autofree char *text = g_inet_address_to_string (bound);

      pm->state = STATE_REQUESTING;
      pm->pcp_done = pm->upnp_done = TRUE;
      g_clear_pointer (&pm->pcp_problem, g_free);
      g_clear_pointer (&pm->upnp_problem, g_free);
      pm->pcp_problem = g_strdup_printf ("listening on %s: no IPv4 router to ask", text);
      pm->permanent = TRUE;
      update_failure (pm);
      return;
    }
  start_clients (pm);
}

void
srp_peer_portmap_stop (SrpPeer *self)
{
  SrpPeerPortmap *pm = self->portmap;

  if (pm == NULL || pm->state == STATE_OFF)
    return;
  stop_retry (pm);
  free_clients (pm);
  pm->state = STATE_OFF;
  pm->protocol = NULL;
  /* The core forgets it when it detaches; the core may be attached still
   * when the property is switched off. */
  set_mapped (pm, NULL);
  set_problem (pm, NULL);
}

void
srp_peer_portmap_restart (SrpPeer *self)
{
  g_autoptr (GSocketAddress) local = NULL;

  if (!self->port_mapping || !srp_peer_is_listening (self))
    return;
  srp_peer_portmap_stop (self);
  local = g_socket_get_local_address (srp_socket_set_get (self->sockets, SRP_PEER_SOCKET_MAIN),
                                      NULL);
  if (local != NULL)
    srp_peer_portmap_start (self, g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
}

void
srp_peer_portmap_free (SrpPeer *self)
{
  SrpPeerPortmap *pm = self->portmap;

  if (pm == NULL)
    return;
  stop_retry (pm);
  free_clients (pm);
  g_free (pm->pcp_problem);
  g_free (pm->upnp_problem);
  g_free (pm->mapped_address);
  g_free (pm->problem);
  g_clear_pointer (&self->portmap, g_free);
}

void
srp_peer_portmap_stats (SrpPeer *self, GVariantDict *dict)
{
  SrpPeerPortmap *pm = self->portmap;
  guint64 bad = 0, renewals = 0;

  g_variant_dict_insert (dict, "port_mapping", "s", state_names[pm != NULL ? pm->state : STATE_OFF]);
  if (pm == NULL)
    return;
  bad = pm->bad_responses + (pm->pcp != NULL ? srp_portmap_pcp_get_bad_responses (pm->pcp) : 0);
  renewals = pm->renewals + (pm->pcp != NULL ? srp_portmap_pcp_get_renewals (pm->pcp) : 0);
  g_variant_dict_insert (dict, "port_mapping_bad_responses", "t", bad);
  g_variant_dict_insert (dict, "port_mapping_renewals", "t", renewals);
  if (pm->state == STATE_MAPPED)
    {
      g_variant_dict_insert (dict, "port_mapping_protocol", "s", pm->protocol);
      g_variant_dict_insert (dict, "port_mapping_address", "s", pm->mapped_address);
      g_variant_dict_insert (dict, "port_mapping_lifetime_s", "u", pm->lifetime_s);
      g_variant_dict_insert (dict, "port_mapping_ms", "t", (guint64) pm->obtained_ms);
    }
  if (pm->problem != NULL)
    g_variant_dict_insert (dict, "port_mapping_problem", "s", pm->problem);
}

/**
 * srp_peer_get_port_mapping: (get-property port-mapping)
 * @self: a peer
 *
 * Whether the peer asks its router for a port mapping (see
 * [property@Peer:port-mapping]).
 *
 * Returns: %TRUE when port mapping is on
 */
gboolean
srp_peer_get_port_mapping (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), FALSE);

  return self->port_mapping;
}

/**
 * srp_peer_set_port_mapping: (set-property port-mapping)
 * @self: a peer
 * @enabled: whether to ask the router for a port mapping
 *
 * Switches port mapping on or off (see [property@Peer:port-mapping]), at
 * once when the peer is listening: off deletes the mapping.
 */
void
srp_peer_set_port_mapping (SrpPeer *self, gboolean enabled)
{
  g_return_if_fail (SRP_IS_PEER (self));

  enabled = !!enabled;
  if (self->port_mapping == enabled)
    return;
  self->port_mapping = enabled;
  if (srp_peer_is_listening (self))
    {
      if (enabled)
        srp_peer_portmap_restart (self);
      else
        srp_peer_portmap_stop (self);
    }
  srp_peer_notify (self, SRP_PEER_PROP_PORT_MAPPING);
}

/**
 * srp_peer_get_port_mapping_protocols: (get-property port-mapping-protocols)
 * @self: a peer
 *
 * The protocols port mapping uses (see
 * [property@Peer:port-mapping-protocols]).
 *
 * Returns: the protocols
 */
SrpPortMappingProtocols
srp_peer_get_port_mapping_protocols (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), 0);

  return self->port_mapping_protocols;
}

/**
 * srp_peer_set_port_mapping_protocols: (set-property port-mapping-protocols)
 * @self: a peer
 * @protocols: the protocols to ask the router with
 *
 * Chooses the protocols of [property@Peer:port-mapping]; a mapping asked
 * for already is asked for again with the new set.
 */
void
srp_peer_set_port_mapping_protocols (SrpPeer *self, SrpPortMappingProtocols protocols)
{
  g_return_if_fail (SRP_IS_PEER (self));

  protocols &= SRP_PORT_MAPPING_ALL;
  if (self->port_mapping_protocols == protocols)
    return;
  self->port_mapping_protocols = protocols;
  srp_peer_portmap_restart (self);
  srp_peer_notify (self, SRP_PEER_PROP_PORT_MAPPING_PROTOCOLS);
}

/**
 * srp_peer_get_mapped_address: (get-property mapped-address)
 * @self: a peer
 *
 * The address the router maps to the peer's port (see
 * [property@Peer:mapped-address]).
 *
 * Returns: (nullable): "IP:PORT", or %NULL while there is no mapping
 */
const char *
srp_peer_get_mapped_address (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  return self->portmap != NULL ? self->portmap->mapped_address : NULL;
}

/**
 * srp_peer_get_port_mapping_problem: (get-property port-mapping-problem)
 * @self: a peer
 *
 * Why port mapping has no mapping (see
 * [property@Peer:port-mapping-problem]).
 *
 * Returns: (nullable): the reason, or %NULL
 */
const char *
srp_peer_get_port_mapping_problem (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  return self->portmap != NULL ? self->portmap->problem : NULL;
}
