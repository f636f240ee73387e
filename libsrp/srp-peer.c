/* srp-peer.c: SrpPeer, the GObject shell around the sans-IO core: the
 * object, its properties and signals, and what the core's events mean to an
 * application. The sockets are in srp-peer-transport.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"
#include "srp-stream-private.h"

#include "srp-enums.h"
#include "srp-error.h"
#include "srp-peer-info-private.h"

/**
 * SrpPeer:
 *
 * A peer of the Stream Relay network: an Ed25519 identity and two UDP
 * sockets (one for the protocol, one that helps other peers tell what kind
 * of NAT they are behind).
 *
 * A new peer has a fresh identity, shown as its [property@Peer:id]; one made
 * with [ctor@Peer.new_with_key_file] keeps its identity across restarts.
 * Add a bootstrap peer or two with [method@Peer.add_bootstrap] and call
 * [method@Peer.listen]: the peer joins the network, learns about other peers
 * from the peers it connects to, keeps its connections alive, and measures
 * its NAT ([property@Peer:nat-type]). [method@Peer.get_peers] lists the
 * peers it is connected to.
 *
 * A peer runs in the thread-default [struct@GLib.MainContext] of the thread
 * that made it, and must be used from that thread only.
 *
 * ```c
 * static void
 * on_peer_added (SrpPeer *peer, SrpPeerInfo *info, gpointer user_data)
 * {
 *   g_print ("Connected to %s at %s\n", srp_peer_info_get_id (info),
 *            srp_peer_info_get_address (info));
 * }
 *
 * g_autoptr (GError) error = NULL;
 * g_autoptr (SrpPeer) peer = srp_peer_new_with_key_file ("peer.key", &error);
 *
 * if (peer == NULL ||
 *     !srp_peer_add_bootstrap (peer, "bootstrap.example.org", 4242, &error) ||
 *     !srp_peer_listen (peer, NULL, 0, &error))
 *   g_error ("%s", error->message);
 * g_signal_connect (peer, "peer-added", G_CALLBACK (on_peer_added), NULL);
 * ```
 */

G_DEFINE_FINAL_TYPE (SrpPeer, srp_peer, G_TYPE_OBJECT)

static GParamSpec *properties[SRP_PEER_N_PROPS];

void
srp_peer_notify (SrpPeer *self, guint prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* The core signs handshakes through this; the private key stays here. */
static gboolean
sign_with_identity (const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN],
                    gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (srp_identity_sign (user_data, data, len, signature, &error))
    return TRUE;
  g_debug ("%s", error->message);
  return FALSE;
}

/* And opens letters through this (srp_identity_agree). */
static gboolean
agree_with_identity (const guint8 their_public[32], guint8 shared[32], gpointer user_data)
{
  return srp_identity_agree (user_data, their_public, shared);
}

static void
cancel_in_core (guint64 request, gpointer user_data)
{
  SrpPeer *self = user_data;

  if (self->core != NULL)
    srp_core_cancel (self->core, request);
}

SrpCore *
srp_peer_get_core (SrpPeer *self)
{
  SrpCoreConfig config;

  if (self->core != NULL)
    return self->core;
  /* Made on first use rather than at construction: srp_peer_new_with_key_file
   * gives the peer its identity after g_object_new. The core starts
   * detached; listen attaches it. */
  srp_core_config_init (&config);
  config.seed = (guint64) g_random_int () << 32 | g_random_int ();
  config.peer_id = *srp_identity_get_public_key (self->identity);
  config.sign = sign_with_identity;
  config.sign_data = self->identity;
  config.agree = agree_with_identity;
  config.agree_data = self->identity;
  config.n_sockets = SRP_PEER_N_SOCKETS;
  config.cache_budget = (gsize) srp_cache_get_budget (self->cache);
  self->core = srp_core_new (&config);
  srp_core_detach (self->core, g_get_monotonic_time ());
  return self->core;
}

static void
srp_peer_stop (SrpPeer *self, gboolean notify)
{
  GObject *object = G_OBJECT (self);
  SrpCoreEvent event;

  if (!srp_peer_is_listening (self))
    return;

  self->closes++;
  g_cancellable_cancel (self->resolving);
  g_clear_object (&self->resolving);
  /* Connected peers hear that this one leaves, and free its place at once.
   * The core stays, with everything it keeps across close and listen. */
  srp_core_detach (self->core, g_get_monotonic_time ());
  srp_peer_transport_send (self);
  srp_peer_transport_close (self);
  /* What detaching reports (the links it closed) is told below, at once. */
  while (srp_core_poll_event (self->core, &event))
    srp_core_event_clear (&event);
  /* Links are gone, and with them every stream. */
  srp_peer_streams_close_all (self);

  if (notify)
    {
      g_object_freeze_notify (object);
      /* Without sockets there are no connections: the list empties, newest
       * first, with a peer-removed for each. */
      srp_peer_forget_peers (self);
      srp_peer_set_nat (self, SRP_NAT_TYPE_UNKNOWN, NULL);
      srp_peer_set_nat_family (self, SRP_ADDRESS_FAMILY_IPV4, SRP_NAT_TYPE_UNKNOWN);
      srp_peer_set_nat_family (self, SRP_ADDRESS_FAMILY_IPV6, SRP_NAT_TYPE_UNKNOWN);
      srp_peer_set_nat_problem (self, NULL);
      srp_peer_notify (self, SRP_PEER_PROP_PORT);
      g_object_thaw_notify (object);
    }
  srp_operations_close (self->operations);
}

static void
srp_peer_dispose (GObject *object)
{
  SrpPeer *self = SRP_PEER (object);

  srp_peer_stop (self, FALSE);
  srp_peer_store_close (self);
  srp_peer_topics_dispose (self);
  if (self->cache != NULL)
    srp_cache_detach (self->cache);
  if (self->peers != NULL)
    g_list_store_remove_all (self->peers);
  if (self->peer_index != NULL)
    g_hash_table_remove_all (self->peer_index);

  G_OBJECT_CLASS (srp_peer_parent_class)->dispose (object);
}

static void
srp_peer_finalize (GObject *object)
{
  SrpPeer *self = SRP_PEER (object);

  g_clear_pointer (&self->operations, srp_operations_free);
  srp_peer_bootstrap_urls_clear (self);
  srp_peer_portmap_free (self);
  srp_peer_topics_clear (self);
  srp_peer_streams_clear (self);
  g_clear_pointer (&self->core, srp_core_free);
  g_clear_object (&self->cache);
  g_clear_pointer (&self->peer_index, g_hash_table_unref);
  g_clear_object (&self->peers);
  g_clear_pointer (&self->public_address, g_free);
  g_clear_pointer (&self->bootstraps, g_array_unref);
  g_clear_pointer (&self->identity, srp_identity_free);
  g_clear_pointer (&self->state_directory, g_free);
  g_clear_error (&self->state_error);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (srp_peer_parent_class)->finalize (object);
}

static void
srp_peer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SrpPeer *self = SRP_PEER (object);

  switch (prop_id)
    {
    case SRP_PEER_PROP_ID:
      g_value_set_string (value, srp_peer_get_id (self));
      break;
    case SRP_PEER_PROP_PORT:
      g_value_set_uint (value, srp_peer_get_port (self));
      break;
    case SRP_PEER_PROP_NAT_TYPE:
      g_value_set_enum (value, srp_peer_get_nat_type (self));
      break;
    case SRP_PEER_PROP_NAT_TYPE_IPV4:
      g_value_set_enum (value, self->nat_type_ipv4);
      break;
    case SRP_PEER_PROP_NAT_TYPE_IPV6:
      g_value_set_enum (value, self->nat_type_ipv6);
      break;
    case SRP_PEER_PROP_PUBLIC_ADDRESS:
      g_value_set_string (value, srp_peer_get_public_address (self));
      break;
    case SRP_PEER_PROP_NAT_PROBLEM:
      g_value_set_string (value, srp_peer_get_nat_problem (self));
      break;
    case SRP_PEER_PROP_STATE_DIRECTORY:
      g_value_set_string (value, srp_peer_get_state_directory (self));
      break;
    case SRP_PEER_PROP_LAN_DISCOVERY:
      g_value_set_boolean (value, srp_peer_get_lan_discovery (self));
      break;
    case SRP_PEER_PROP_TLS_DATABASE:
      g_value_set_object (value, srp_peer_get_tls_database (self));
      break;
    case SRP_PEER_PROP_PORT_MAPPING:
      g_value_set_boolean (value, srp_peer_get_port_mapping (self));
      break;
    case SRP_PEER_PROP_PORT_MAPPING_PROTOCOLS:
      g_value_set_flags (value, srp_peer_get_port_mapping_protocols (self));
      break;
    case SRP_PEER_PROP_MAPPED_ADDRESS:
      g_value_set_string (value, srp_peer_get_mapped_address (self));
      break;
    case SRP_PEER_PROP_PORT_MAPPING_PROBLEM:
      g_value_set_string (value, srp_peer_get_port_mapping_problem (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_peer_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  SrpPeer *self = SRP_PEER (object);

  switch (prop_id)
    {
    case SRP_PEER_PROP_STATE_DIRECTORY:
      self->state_directory = g_value_dup_string (value);
      break;
    case SRP_PEER_PROP_LAN_DISCOVERY:
      srp_peer_set_lan_discovery (self, g_value_get_boolean (value));
      break;
    case SRP_PEER_PROP_TLS_DATABASE:
      srp_peer_set_tls_database (self, g_value_get_object (value));
      break;
    case SRP_PEER_PROP_PORT_MAPPING:
      srp_peer_set_port_mapping (self, g_value_get_boolean (value));
      break;
    case SRP_PEER_PROP_PORT_MAPPING_PROTOCOLS:
      srp_peer_set_port_mapping_protocols (self, g_value_get_flags (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_peer_constructed (GObject *object)
{
  SrpPeer *self = SRP_PEER (object);

  G_OBJECT_CLASS (srp_peer_parent_class)->constructed (object);
  /* A peer made with g_object_new cannot return the error: it keeps it,
   * and listen fails with it (srp_peer_new_with_state_directory returns it). */
  srp_peer_store_open (self);
}

static void
srp_peer_class_init (SrpPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = srp_peer_dispose;
  object_class->finalize = srp_peer_finalize;
  object_class->get_property = srp_peer_get_property;
  object_class->set_property = srp_peer_set_property;
  object_class->constructed = srp_peer_constructed;

  /**
   * SrpPeer:id: (getter get_id)
   *
   * The peer's ID: its Ed25519 public key as 64 lowercase hexadecimal
   * characters. It stays the same for the life of the peer, and across
   * restarts for a peer made with [ctor@Peer.new_with_key_file].
   */
  properties[SRP_PEER_PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);

  /**
   * SrpPeer:port: (getter get_port)
   *
   * The UDP port the peer's main socket is bound to, or 0 when it does not
   * listen. It changes in [method@Peer.listen] and [method@Peer.close].
   */
  properties[SRP_PEER_PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, flags);

  /**
   * SrpPeer:nat-type: (getter get_nat_type)
   *
   * The kind of NAT in front of the peer, as measured with the help of two
   * connected peers at different IP addresses: mapping from the addresses
   * they see this peer at, filtering from whether probes sent from another
   * port and from another peer get in.
   *
   * It is %SRP_NAT_TYPE_UNKNOWN until that is done (see
   * [property@Peer:nat-problem] for why it is not), is measured again every
   * 10 minutes, after a long silence and when the public address changes,
   * and goes back to unknown when the peer closes.
   *
   * IPv4 and IPv6 are measured apart, each with peers connected over that
   * family ([property@Peer:nat-type-ipv4], [property@Peer:nat-type-ipv6]);
   * this is the IPv4 type once that is known, else the IPv6 one.
   */
  properties[SRP_PEER_PROP_NAT_TYPE] = g_param_spec_enum ("nat-type", NULL, NULL, SRP_TYPE_NAT_TYPE,
                                                 SRP_NAT_TYPE_UNKNOWN, flags);

  /**
   * SrpPeer:nat-type-ipv4:
   *
   * The kind of NAT in front of the peer for IPv4, measured with two peers
   * connected over IPv4 (see [property@Peer:nat-type]); unknown while fewer
   * than two are.
   */
  properties[SRP_PEER_PROP_NAT_TYPE_IPV4] = g_param_spec_enum (
    "nat-type-ipv4", NULL, NULL, SRP_TYPE_NAT_TYPE, SRP_NAT_TYPE_UNKNOWN, flags);

  /**
   * SrpPeer:nat-type-ipv6:
   *
   * The kind of NAT or firewall in front of the peer for IPv6, measured with
   * two peers connected over IPv6: %SRP_NAT_TYPE_FIREWALL behind a home
   * router's stateful firewall, %SRP_NAT_TYPE_PUBLIC with none; unknown
   * while fewer than two peers are connected over IPv6.
   */
  properties[SRP_PEER_PROP_NAT_TYPE_IPV6] = g_param_spec_enum (
    "nat-type-ipv6", NULL, NULL, SRP_TYPE_NAT_TYPE, SRP_NAT_TYPE_UNKNOWN, flags);

  /**
   * SrpPeer:public-address: (getter get_public_address)
   *
   * The address other peers reach this one at, as "IP:PORT" ("[IP]:PORT"
   * for IPv6): behind a NAT, the NAT's public address. %NULL until the NAT
   * type is known.
   */
  properties[SRP_PEER_PROP_PUBLIC_ADDRESS] =
    g_param_spec_string ("public-address", NULL, NULL, NULL, flags);

  /**
   * SrpPeer:nat-problem: (getter get_nat_problem)
   *
   * Why the last attempt to measure the NAT type could not finish, such as
   * "fewer than two connected peers at different addresses", or %NULL. The
   * peer keeps trying.
   */
  properties[SRP_PEER_PROP_NAT_PROBLEM] = g_param_spec_string ("nat-problem", NULL, NULL, NULL, flags);

  /**
   * SrpPeer:state-directory: (getter get_state_directory)
   *
   * The directory where the peer keeps its identity key and its state, or
   * %NULL for a peer that keeps everything in memory. Set at construction
   * only; see [ctor@Peer.new_with_state_directory] for what is kept and
   * what it guarantees. A peer made with g_object_new() whose directory
   * cannot be used fails [method@Peer.listen] with the reason
   * (%SRP_ERROR_STATE or %SRP_ERROR_IDENTITY).
   */
  properties[SRP_PEER_PROP_STATE_DIRECTORY] =
    g_param_spec_string ("state-directory", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SrpPeer:lan-discovery: (getter get_lan_discovery) (setter set_lan_discovery)
   *
   * Whether the peer finds peers on its own network links with no bootstrap
   * peer: while listening, it announces itself on a multicast group
   * (239.255.83.80 and ff02::5352:5050, UDP port 7387) and shakes hands
   * with the peers it hears there. On by default; it may be switched at any
   * time. A peer listening on a loopback address neither announces nor
   * answers: only this host can reach it.
   */
  properties[SRP_PEER_PROP_LAN_DISCOVERY] =
    g_param_spec_boolean ("lan-discovery", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SrpPeer:tls-database: (getter get_tls_database) (setter set_tls_database)
   *
   * The certificate authorities [method@Peer.add_bootstrap_url_async] trusts,
   * or %NULL (the default) for the system's.
   */
  properties[SRP_PEER_PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SrpPeer:port-mapping: (getter get_port_mapping) (setter set_port_mapping)
   *
   * Whether the peer asks its home router for a mapping of its UDP port
   * while listening (PCP, NAT-PMP and UPnP-IGD: see
   * [property@Peer:port-mapping-protocols]), renews it before its lease
   * ends, and deletes it on [method@Peer.close]. Peers are told the mapped
   * address ([property@Peer:mapped-address]) and connect to it directly:
   * behind a symmetric NAT, which otherwise needs a relay to reach another
   * symmetric one, that makes the connection direct.
   *
   * Off by default: a mapping opens a port on a router that the application
   * does not own, visible to every host on its network and to the whole
   * internet, and UPnP-IGD sends SSDP multicasts on every start. It only
   * changes the path behind a symmetric NAT; an application that wants it
   * switches it on (it may be switched at any time). When no router
   * answers, [property@Peer:port-mapping-problem] says so (nothing waits
   * for it) and the peer asks again later, less and less often (2 s
   * doubling up to 5 min), and at once when the network changes.
   */
  properties[SRP_PEER_PROP_PORT_MAPPING] =
    g_param_spec_boolean ("port-mapping", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SrpPeer:port-mapping-protocols: (getter get_port_mapping_protocols) (setter set_port_mapping_protocols)
   *
   * The protocols [property@Peer:port-mapping] asks the router with; all of
   * them by default.
   */
  properties[SRP_PEER_PROP_PORT_MAPPING_PROTOCOLS] =
    g_param_spec_flags ("port-mapping-protocols", NULL, NULL, SRP_TYPE_PORT_MAPPING_PROTOCOLS,
                        SRP_PORT_MAPPING_ALL,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SrpPeer:mapped-address: (getter get_mapped_address)
   *
   * The public address ("IP:PORT") the router maps to the peer's port, or
   * %NULL while [property@Peer:port-mapping] has none.
   */
  properties[SRP_PEER_PROP_MAPPED_ADDRESS] =
    g_param_spec_string ("mapped-address", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SrpPeer:port-mapping-problem: (getter get_port_mapping_problem)
   *
   * Why [property@Peer:port-mapping] has no mapping (no router answered,
   * the router refused, the mapping was lost), or %NULL.
   */
  properties[SRP_PEER_PROP_PORT_MAPPING_PROBLEM] =
    g_param_spec_string ("port-mapping-problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, SRP_PEER_N_PROPS, properties);

  srp_peer_class_add_signals (object_class);
}

static void
srp_peer_init (SrpPeer *self)
{
  g_autoptr (GError) error = NULL;

  self->context = g_main_context_ref_thread_default ();
  self->operations = srp_operations_new (self->context, cancel_in_core, self);
  self->peers = g_list_store_new (SRP_TYPE_PEER_INFO);
  self->peer_index = g_hash_table_new (srp_id_hash_func, srp_id_equal_func);
  self->state_lock = -1;
  self->bootstraps = g_array_new (FALSE, FALSE, sizeof (SrpPeerBootstrap));
  g_array_set_clear_func (self->bootstraps, srp_peer_bootstrap_clear);
  self->identity = srp_identity_new (&error);
  /* Only a broken gnutls random generator gets here: like running out of
   * memory, nothing sensible can follow. */
  if (self->identity == NULL)
    g_error ("Cannot make a peer identity: %s", error->message);
  srp_peer_topics_init (self);
  srp_peer_streams_init (self);
  self->cache = srp_cache_new (self);
  self->lan_discovery = TRUE;
  self->port_mapping_protocols = SRP_PORT_MAPPING_ALL;
}

/**
 * srp_peer_new:
 *
 * Makes a peer with a fresh identity, which lasts as long as the peer. It
 * does not listen yet: see [method@Peer.listen].
 *
 * The peer belongs to the thread-default main context of the calling thread.
 *
 * Returns: (transfer full): a new peer
 */
SrpPeer *
srp_peer_new (void)
{
  return g_object_new (SRP_TYPE_PEER, NULL);
}

/**
 * srp_peer_new_with_key_file:
 * @path: (type filename): the file that holds the peer's private key
 * @error: return location for an error
 *
 * Makes a peer whose identity survives restarts: its Ed25519 private key is
 * read from @path (PKCS#8 PEM). When @path does not exist, a new key is made
 * and written there, readable by its owner only (mode 0600).
 *
 * A file that exists but cannot be read or is not such a key fails with
 * %SRP_ERROR_IDENTITY: the peer never takes on a new identity silently.
 *
 * Returns: (transfer full) (nullable): a new peer, or %NULL with @error set
 */
SrpPeer *
srp_peer_new_with_key_file (const char *path, GError **error)
{
  SrpIdentity *identity;
  SrpPeer *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  identity = srp_identity_load_or_create (path, error);
  if (identity == NULL)
    return NULL;
  /* Every peer is made with a fresh identity (cheap: one Ed25519 key), so
   * that GObject construction from Python or GJS always yields a whole peer;
   * the file's replaces it before anyone sees it. */
  self = srp_peer_new ();
  srp_identity_free (self->identity);
  self->identity = identity;
  srp_topic_id_for_inbox (srp_identity_get_public_key (identity), &self->inbox);
  return self;
}

/**
 * srp_peer_new_with_state_directory:
 * @path: (type filename): the peer's state directory (made, mode 0700,
 *   when it does not exist)
 * @error: return location for an error
 *
 * Makes a peer that loses nothing it accepted when it restarts or is
 * killed. @path holds its identity key (`identity.key`, made the first
 * time) and one SQLite database per identity (`ID.sqlite`) with: the packet
 * cache (each packet with its TTL and postage), the outbox (publishes not
 * yet acknowledged: they spread again after a restart), the IDs of the
 * messages handed to the application, the subscriptions (the topics come
 * back in [method@Peer.get_topics], and the first [method@Peer.subscribe]
 * of each name returns it), the chain heads of what it published, and the
 * peers it knew (it rejoins through them with no bootstrap given).
 *
 * The guarantee: once [method@Topic.publish] (or [method@Peer.send])
 * returned an ID, the message survives the process being killed at any
 * moment (`kill -9`); once [signal@Topic::message] or [signal@Peer::message]
 * was emitted for an ID, it is never emitted again for this state. Writes
 * are one transaction per turn of the peer's work (no fsync each): a power
 * loss or kernel crash can cost the last two seconds or so of changes, and
 * then a message may be emitted again or a published one lost.
 *
 * Fails with %SRP_ERROR_IDENTITY for an unreadable key, and with
 * %SRP_ERROR_STATE for a database of a newer libsrp, a corrupt or truncated
 * one (the message says how to start over with the same identity), one of
 * another identity, or a directory that cannot be written. The peer never
 * starts silently as another peer, nor with a state it cannot trust.
 *
 * Returns: (transfer full) (nullable): a new peer, or %NULL with @error set
 */
SrpPeer *
srp_peer_new_with_state_directory (const char *path, GError **error)
{
  g_autoptr (SrpPeer) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SRP_TYPE_PEER, "state-directory", path, NULL);
  if (self->state_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->state_error));
      return NULL;
    }
  return g_steal_pointer (&self);
}

/**
 * srp_peer_get_state_directory: (get-property state-directory)
 * @self: a peer
 *
 * Gets the directory the peer keeps its state in.
 *
 * Returns: (nullable) (transfer none) (type filename): the directory, or
 *   %NULL for a peer that keeps its state in memory
 */
const char *
srp_peer_get_state_directory (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  return self->state_directory;
}

/**
 * srp_peer_get_id: (get-property id)
 * @self: a peer
 *
 * Gets the peer's ID, 64 lowercase hexadecimal characters of its public key.
 *
 * Returns: (transfer none): the ID
 */
const char *
srp_peer_get_id (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  return srp_identity_get_hex_id (self->identity);
}

gboolean
srp_peer_parse_id (const char *text, SrpId *id, GError **error)
{
  if (srp_id_from_hex (id, text))
    return TRUE;
  g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
               "“%s” is not a peer ID (64 hexadecimal characters)", text);
  return FALSE;
}

/**
 * srp_peer_get_port: (get-property port)
 * @self: a peer
 *
 * Gets the UDP port the peer listens on.
 *
 * Returns: the port, or 0 when the peer does not listen
 */
guint16
srp_peer_get_port (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), 0);

  return self->port;
}

/**
 * srp_peer_get_nat_type: (get-property nat-type)
 * @self: a peer
 *
 * Gets the kind of NAT in front of the peer, as far as it is known.
 *
 * Returns: the NAT type
 */
SrpNatType
srp_peer_get_nat_type (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), SRP_NAT_TYPE_UNKNOWN);

  return self->nat_type;
}

/**
 * srp_peer_get_public_address: (get-property public-address)
 * @self: a peer
 *
 * Gets the address other peers reach this one at.
 *
 * Returns: (transfer none) (nullable): "IP:PORT", or %NULL while unknown
 */
const char *
srp_peer_get_public_address (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  return self->public_address;
}

/**
 * srp_peer_get_nat_problem: (get-property nat-problem)
 * @self: a peer
 *
 * Gets why the NAT type could not be measured last time.
 *
 * Returns: (transfer none) (nullable): a sentence, or %NULL
 */
const char *
srp_peer_get_nat_problem (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  return self->nat_problem;
}

/**
 * srp_peer_get_peers:
 * @self: a peer
 *
 * Gets the peers this one is connected to, as a live list of
 * [class@PeerInfo] in the order they connected. The list changes (with
 * [signal@Gio.ListModel::items-changed]) as peers come and go, and empties
 * when the peer closes; hand it to a `GtkListView` to show it.
 *
 * Returns: (transfer none): a [iface@Gio.ListModel] of [class@PeerInfo]
 */
GListModel *
srp_peer_get_peers (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  return G_LIST_MODEL (self->peers);
}

/**
 * srp_peer_listen:
 * @self: a peer
 * @address: (nullable): the local IP address to bind to, such as "127.0.0.1"
 *   or "::1", or %NULL for all interfaces
 * @port: the UDP port to bind to, or 0 for one the system chooses
 * @error: return location for an error
 *
 * Binds the peer's sockets and starts taking part in the network: answering
 * other peers, connecting to the bootstrap peers ([method@Peer.add_bootstrap])
 * and, through them, to others. Read the bound port from
 * [property@Peer:port].
 *
 * With a %NULL @address the peer listens on all interfaces of both IP
 * families where the system allows dual-stack sockets, and on IPv4 only
 * otherwise. An explicit address binds its own family only. A second socket,
 * on a port the system chooses, serves NAT probes.
 *
 * Fails with %SRP_ERROR_ALREADY_LISTENING when the peer listens already,
 * %SRP_ERROR_INVALID_ARGUMENT when @address is not an IP address, or the
 * [error@Gio.IOErrorEnum] of the failed bind, such as
 * %G_IO_ERROR_ADDRESS_IN_USE.
 *
 * Returns: %TRUE when the peer listens
 */
gboolean
srp_peer_listen (SrpPeer *self, const char *address, guint16 port, GError **error)
{
  g_return_val_if_fail (SRP_IS_PEER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (srp_peer_is_listening (self))
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_ALREADY_LISTENING,
                   "The peer listens already, on port %u", self->port);
      return FALSE;
    }
  if (self->state_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->state_error));
      return FALSE;
    }
  if (!srp_peer_transport_open (self, address, port, error))
    return FALSE;

  self->resolving = g_cancellable_new ();
  srp_peer_notify (self, SRP_PEER_PROP_PORT);
  srp_peer_bootstraps_start (self);
  /* Arms the timer for whatever a new core wants done on its own. */
  srp_peer_drive (self);
  return TRUE;
}

/**
 * srp_peer_close:
 * @self: a peer
 *
 * Stops listening: closes the sockets, empties [method@Peer.get_peers]
 * (emitting [signal@Peer::peer-removed] for each), and fails pending pings,
 * connects and sends with %G_IO_ERROR_CLOSED. The peer keeps its identity and its bootstrap
 * peers, and may listen again. Closing a peer that does not listen does
 * nothing.
 *
 * Disposing of the peer closes it too, without signals.
 */
void
srp_peer_close (SrpPeer *self)
{
  g_return_if_fail (SRP_IS_PEER (self));

  srp_peer_stop (self, TRUE);
}
