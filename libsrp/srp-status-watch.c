/* srp-status-watch.c: the events of /api/events, from SrpPeer's public
 * signals and notifications only. A peer's properties change in bursts (one
 * update notifies address, NAT type, path and RTT in a row), so changes are
 * gathered per peer and sent once from an idle callback; arrivals,
 * departures and messages go out at once, in order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-status-watch.h"

#include "srp-cache.h"
#include "srp-message.h"
#include "srp-status-json.h"
#include "srp-status-source.h"

/* What changed about a peer since the last peer-changed. */
typedef enum {
  CHANGED_ADDRESS = 1 << 0,
  CHANGED_NAT_TYPE = 1 << 1,
  CHANGED_PATH = 1 << 2,
  CHANGED_RTT = 1 << 3,
} Changed;

static const struct {
  const char *property; /* of SrpPeerInfo */
  const char *field;    /* in peer-changed's "changed" */
  Changed flag;
} changes[] = {
  { "address", "address", CHANGED_ADDRESS },
  { "nat-type", "nat_type", CHANGED_NAT_TYPE },
  { "path", "path", CHANGED_PATH },
  { "rtt", "rtt_us", CHANGED_RTT },
};

struct _SrpStatusWatch {
  SrpPeer *peer;
  GMainContext *context;
  SrpStatusWatchEmitFunc emit;
  gpointer emit_data;

  GHashTable *infos;     /* SrpPeerInfo * (a reference) -> GUINT_TO_POINTER (Changed) */
  gboolean nat_changed;
  GSource *flush;        /* idle: sends what changed */
  GSource *sampler;
  gint64 listening_since; /* monotonic time, -1 while not listening */
  guint64 messages;
  guint64 message_bytes;
  GHashTable *topics;     /* SrpTopic * (a reference) -> its message handler */
  GHashTable *reported;   /* message IDs reported lately (two topics of one name) */
  GQueue reported_order;  /* the same, oldest first */
};

/* Enough to tell a message that two topic objects of one name both got. */
#define REPORTED_MAX 256

static void
emit (SrpStatusWatch *self, JsonNode *event)
{
  self->emit (event, self->emit_data);
  json_node_unref (event);
}

static void
emit_peer (SrpStatusWatch *self, const char *name, SrpPeerInfo *info, Changed changed)
{
  JsonBuilder *builder = srp_status_json_event_begin (name);

  json_builder_set_member_name (builder, "peer");
  json_builder_add_value (builder, srp_status_json_peer (info));
  if (changed != 0)
    {
      json_builder_set_member_name (builder, "changed");
      json_builder_begin_array (builder);
      for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
        if (changed & changes[i].flag)
          json_builder_add_string_value (builder, changes[i].field);
      json_builder_end_array (builder);
    }
  emit (self, srp_status_json_event_end (builder));
}

static void
emit_nat (SrpStatusWatch *self)
{
  JsonBuilder *builder = srp_status_json_event_begin ("nat");

  json_builder_set_member_name (builder, "nat_type");
  json_builder_add_string_value (builder,
                                 srp_nat_type_to_string (srp_peer_get_nat_type (self->peer)));
  json_builder_set_member_name (builder, "public_address");
  if (srp_peer_get_public_address (self->peer) != NULL)
    json_builder_add_string_value (builder, srp_peer_get_public_address (self->peer));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "nat_problem");
  if (srp_peer_get_nat_problem (self->peer) != NULL)
    json_builder_add_string_value (builder, srp_peer_get_nat_problem (self->peer));
  else
    json_builder_add_null_value (builder);
  emit (self, srp_status_json_event_end (builder));
}

static gboolean
on_flush (gpointer user_data)
{
  SrpStatusWatch *self = user_data;
  g_autoptr (GPtrArray) changed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GArray) flags = g_array_new (FALSE, FALSE, sizeof (Changed));
  GHashTableIter iter;
  gpointer info, value;

  g_clear_pointer (&self->flush, g_source_unref);
  /* Collected first: an emit must not run while the table is iterated. */
  g_hash_table_iter_init (&iter, self->infos);
  while (g_hash_table_iter_next (&iter, &info, &value))
    {
      Changed what = GPOINTER_TO_UINT (value);

      if (what == 0)
        continue;
      g_ptr_array_add (changed, g_object_ref (info));
      g_array_append_val (flags, what);
      g_hash_table_iter_replace (&iter, GUINT_TO_POINTER (0));
    }
  for (guint i = 0; i < changed->len; i++)
    emit_peer (self, "peer-changed", changed->pdata[i], g_array_index (flags, Changed, i));
  if (self->nat_changed)
    {
      self->nat_changed = FALSE;
      emit_nat (self);
    }
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (SrpStatusWatch *self)
{
  if (self->flush != NULL)
    return;
  self->flush = g_idle_source_new ();
  g_source_set_callback (self->flush, on_flush, self, NULL);
  g_source_attach (self->flush, self->context);
}

static void
on_info_notify (SrpPeerInfo *info, GParamSpec *pspec, SrpStatusWatch *self)
{
  gpointer value;

  if (!g_hash_table_lookup_extended (self->infos, info, NULL, &value))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    if (g_strcmp0 (pspec->name, changes[i].property) == 0)
      {
        g_hash_table_insert (self->infos, g_object_ref (info),
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (value) | changes[i].flag));
        schedule_flush (self);
      }
}

static void
follow_info (SrpStatusWatch *self, SrpPeerInfo *info)
{
  g_hash_table_insert (self->infos, g_object_ref (info), GUINT_TO_POINTER (0));
  g_signal_connect (info, "notify", G_CALLBACK (on_info_notify), self);
}

static void
on_peer_added (SrpPeer *peer, SrpPeerInfo *info, SrpStatusWatch *self)
{
  follow_info (self, info);
  emit_peer (self, "peer-added", info, 0);
}

static void
on_peer_removed (SrpPeer *peer, SrpPeerInfo *info, SrpStatusWatch *self)
{
  JsonBuilder *builder;

  g_signal_handlers_disconnect_by_data (info, self);
  /* Changes not sent yet are moot now. */
  g_hash_table_remove (self->infos, info);
  builder = srp_status_json_event_begin ("peer-removed");
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, srp_peer_info_get_id (info));
  emit (self, srp_status_json_event_end (builder));
}

static void
on_nat (SrpPeer *peer, GParamSpec *pspec, SrpStatusWatch *self)
{
  self->nat_changed = TRUE;
  schedule_flush (self);
}

static void
on_port (SrpPeer *peer, GParamSpec *pspec, SrpStatusWatch *self)
{
  guint port = srp_peer_get_port (peer);
  JsonBuilder *builder = srp_status_json_event_begin ("listening");

  self->listening_since = port != 0 ? g_get_monotonic_time () : -1;
  json_builder_set_member_name (builder, "listening");
  json_builder_add_boolean_value (builder, port != 0);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, port);
  emit (self, srp_status_json_event_end (builder));
}

/* TRUE the first time a message ID comes. */
static gboolean
first_report (SrpStatusWatch *self, const char *id)
{
  char *copy;

  if (g_hash_table_contains (self->reported, id))
    return FALSE;
  if (self->reported_order.length >= REPORTED_MAX)
    g_hash_table_remove (self->reported, g_queue_pop_head (&self->reported_order));
  copy = g_strdup (id);
  g_hash_table_add (self->reported, copy);
  g_queue_push_tail (&self->reported_order, copy);
  return TRUE;
}

/* Metadata only: the body of a message never leaves the peer. */
static void
on_message (SrpPeer *peer, SrpMessage *message, SrpStatusWatch *self)
{
  gsize size = g_bytes_get_size (srp_message_get_data (message));
  JsonBuilder *builder;

  if (!first_report (self, srp_message_get_id (message)))
    return;
  builder = srp_status_json_event_begin ("message");

  self->messages++;
  self->message_bytes += size;
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, srp_message_get_topic (message) ? "topic" : "letter");
  json_builder_set_member_name (builder, "topic");
  if (srp_message_get_topic (message) != NULL)
    json_builder_add_string_value (builder, srp_message_get_topic (message));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "topic_id");
  json_builder_add_string_value (builder, srp_message_get_topic_id (message));
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, srp_message_get_id (message));
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (gint64) size);
  emit (self, srp_status_json_event_end (builder));
}

static void
on_topic_message (SrpTopic *topic, SrpMessage *message, SrpStatusWatch *self)
{
  on_message (self->peer, message, self);
}

/* Follows the message signal of every subscribed topic, and of no other. */
static void
follow_topics (SrpStatusWatch *self)
{
  GListModel *topics = srp_peer_get_topics (self->peer);
  g_autoptr (GHashTable) current = g_hash_table_new (g_direct_hash, g_direct_equal);
  GHashTableIter iter;
  gpointer topic;

  for (guint i = 0; i < g_list_model_get_n_items (topics); i++)
    {
      g_autoptr (SrpTopic) item = g_list_model_get_item (topics, i);

      g_hash_table_add (current, item);
      if (!g_hash_table_contains (self->topics, item))
        g_hash_table_insert (self->topics, g_object_ref (item),
                             GUINT_TO_POINTER (g_signal_connect (item, "message",
                                                                 G_CALLBACK (on_topic_message),
                                                                 self)));
    }
  g_hash_table_iter_init (&iter, self->topics);
  while (g_hash_table_iter_next (&iter, &topic, NULL))
    if (!g_hash_table_contains (current, topic))
      {
        g_signal_handlers_disconnect_by_data (topic, self);
        g_hash_table_iter_remove (&iter);
      }
}

static void
on_topics_changed (GListModel *topics, guint position, guint removed, guint added,
                   SrpStatusWatch *self)
{
  follow_topics (self);
}

static void
add_member (JsonBuilder *builder, const char *name, guint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, (gint64) MIN (value, (guint64) G_MAXINT64));
}

/* Counters since the start, not rates: a client that missed a sample loses
 * nothing, and works out rates over whatever interval it likes. */
static gboolean
on_sample (gpointer user_data)
{
  SrpStatusWatch *self = user_data;
  SrpCache *cache = srp_peer_get_cache (self->peer);
  JsonBuilder *builder = srp_status_json_event_begin ("sample");
  g_autoptr (GVariant) stats = srp_peer_get_stats (self->peer);
  static const char *const traffic[] = { "datagrams_in", "datagrams_out", "bytes_in",
                                         "bytes_out" };

  add_member (builder, "time_ms", (guint64) (g_get_real_time () / 1000));
  add_member (builder, "peers", g_list_model_get_n_items (srp_peer_get_peers (self->peer)));
  add_member (builder, "cache_budget", srp_cache_get_budget (cache));
  add_member (builder, "cache_used", srp_cache_get_used (cache));
  add_member (builder, "cache_packets", srp_cache_get_n_packets (cache));
  add_member (builder, "cache_stored", srp_cache_get_stored (cache));
  add_member (builder, "messages", self->messages);
  add_member (builder, "message_bytes", self->message_bytes);
  for (guint i = 0; i < G_N_ELEMENTS (traffic); i++)
    {
      guint64 value = 0;

      g_variant_lookup (stats, traffic[i], "t", &value);
      add_member (builder, traffic[i], value);
    }
  emit (self, srp_status_json_event_end (builder));
  return G_SOURCE_CONTINUE;
}

SrpStatusWatch *
srp_status_watch_new (SrpPeer *peer, GMainContext *context, SrpStatusWatchEmitFunc emit_func,
                      gpointer user_data)
{
  SrpStatusWatch *self = g_new0 (SrpStatusWatch, 1);
  GListModel *peers = srp_peer_get_peers (peer);

  self->peer = g_object_ref (peer);
  self->context = g_main_context_ref (context);
  self->emit = emit_func;
  self->emit_data = user_data;
  self->infos = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  self->topics = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  self->reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->reported_order);
  /* A peer that listens already started before anyone watched. */
  self->listening_since = srp_peer_get_port (peer) != 0 ? g_get_monotonic_time () : -1;
  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr (SrpPeerInfo) info = g_list_model_get_item (peers, i);
      follow_info (self, info);
    }
  g_signal_connect (peer, "peer-added", G_CALLBACK (on_peer_added), self);
  g_signal_connect (peer, "peer-removed", G_CALLBACK (on_peer_removed), self);
  g_signal_connect (peer, "message", G_CALLBACK (on_message), self);
  g_signal_connect (peer, "notify::nat-type", G_CALLBACK (on_nat), self);
  g_signal_connect (peer, "notify::public-address", G_CALLBACK (on_nat), self);
  g_signal_connect (peer, "notify::nat-problem", G_CALLBACK (on_nat), self);
  g_signal_connect (peer, "notify::port", G_CALLBACK (on_port), self);
  g_signal_connect (srp_peer_get_topics (peer), "items-changed", G_CALLBACK (on_topics_changed),
                    self);
  follow_topics (self);
  return self;
}

void
srp_status_watch_free (SrpStatusWatch *self)
{
  GHashTableIter iter;
  gpointer info;

  g_signal_handlers_disconnect_by_data (self->peer, self);
  g_signal_handlers_disconnect_by_data (srp_peer_get_topics (self->peer), self);
  g_hash_table_iter_init (&iter, self->infos);
  while (g_hash_table_iter_next (&iter, &info, NULL))
    g_signal_handlers_disconnect_by_data (info, self);
  g_hash_table_unref (self->infos);
  g_hash_table_iter_init (&iter, self->topics);
  while (g_hash_table_iter_next (&iter, &info, NULL))
    g_signal_handlers_disconnect_by_data (info, self);
  g_hash_table_unref (self->topics);
  g_queue_clear (&self->reported_order);
  g_hash_table_unref (self->reported);
  srp_status_source_clear (&self->flush);
  srp_status_source_clear (&self->sampler);
  g_main_context_unref (self->context);
  g_object_unref (self->peer);
  g_free (self);
}

void
srp_status_watch_set_sampling (SrpStatusWatch *self, guint interval_ms)
{
  srp_status_source_clear (&self->sampler);
  if (interval_ms == 0)
    return;
  self->sampler = g_timeout_source_new (interval_ms);
  g_source_set_callback (self->sampler, on_sample, self, NULL);
  g_source_attach (self->sampler, self->context);
}

gint64
srp_status_watch_get_uptime (SrpStatusWatch *self)
{
  if (self->listening_since < 0)
    return -1;
  return g_get_monotonic_time () - self->listening_since;
}
