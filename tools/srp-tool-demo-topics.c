/* srp-tool-demo-topics.c: the topic scenes of "srp-tool demo": alice
 * publishes to subscribers, then a subscriber that was offline catches up
 * from the caches of the peers that stayed, after alice has left.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "srp-tool-demo.h"

#define TOPIC "demo/weather"
#define WAIT_S 10
#define BODY_LEN 1024 /* bytes of a message per packet (docs/protocol.md) */

/* The peers of the network, by their place in it. */
enum { ALICE, CAROL, DAVE, ERIN, FRANK, N_PEERS };
G_STATIC_ASSERT (N_PEERS == SRP_TOOL_DEMO_N_PEERS);

typedef struct _Scene Scene;

typedef struct {
  Scene *scene;
  guint index;
  SrpTopic *topic; /* NULL unless it subscribes */
  GHashTable *got; /* message IDs received (topic and inbox) since it last listened */
} Member;

struct _Scene {
  SrpToolDemoNetwork *net;
  Member members[N_PEERS];
  GHashTable *published;    /* message ID -> GBytes: all that alice published or sent */
  GHashTable *before_close; /* the IDs erin had received when she closed */
  const char *letter;       /* the ID of alice's letter to erin */
  gboolean wrong;           /* a message came with other bytes, or twice */
  /* What the current wait waits for: each member in the mask has each ID. */
  guint want_mask;
  GPtrArray *want_ids;
};

#define MEMBER_BIT(i) (1u << (i))

static GHashTable *
new_id_set (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static const char *
name (Scene *scene, guint index)
{
  return scene->net->names[index];
}

/* Text as itself when it is short UTF-8, otherwise its size in packets. */
static char *
describe (GBytes *data)
{
  gsize size;
  const char *bytes = g_bytes_get_data (data, &size);

  if (bytes != NULL && size <= 40 && g_utf8_validate_len (bytes, size, NULL) &&
      memchr (bytes, 0, size) == NULL)
    return g_strdup_printf ("“%.*s” (%" G_GSIZE_FORMAT " bytes)", (int) size, bytes, size);
  return g_strdup_printf ("%" G_GSIZE_FORMAT " bytes in %" G_GSIZE_FORMAT " packets", size,
                          MAX ((size + BODY_LEN - 1) / BODY_LEN, 1));
}

static void
on_message (Member *member, SrpMessage *message)
{
  Scene *scene = member->scene;
  const char *id = srp_message_get_id (message);
  GBytes *data = srp_message_get_data (message);
  GBytes *sent = g_hash_table_lookup (scene->published, id);
  g_autofree char *what = describe (data);
  const char *note = "";

  if (sent == NULL || !g_bytes_equal (sent, data))
    {
      note = "  <- NOT what alice published";
      scene->wrong = TRUE;
    }
  else if (g_hash_table_contains (member->got, id))
    {
      note = "  <- a second time";
      scene->wrong = TRUE;
    }
  else if (member->index == ERIN && g_hash_table_contains (scene->before_close, id))
    /* A peer does not remember across close and listen what it was given. */
    note = "  (again: erin had it before she closed)";
  printf ("  %-6s got %.8s… %s: %s%s\n", name (scene, member->index), id,
          srp_message_get_topic (message) != NULL ? "on " TOPIC : "in her inbox", what, note);
  g_hash_table_add (member->got, g_strdup (id));
}

static void
on_topic_message (SrpTopic *topic, SrpMessage *message, Member *member)
{
  on_message (member, message);
}

static void
on_inbox_message (SrpPeer *peer, SrpMessage *message, Member *member)
{
  on_message (member, message);
}

static gboolean
received_all (gpointer data)
{
  Scene *scene = data;

  for (guint i = 0; i < N_PEERS; i++)
    for (guint j = 0; (scene->want_mask & MEMBER_BIT (i)) && j < scene->want_ids->len; j++)
      if (!g_hash_table_contains (scene->members[i].got, scene->want_ids->pdata[j]))
        return FALSE;
  return TRUE;
}

/* Runs until each member in mask received each of ids; prints who lacks
 * what when WAIT_S pass first. */
static gboolean
wait_for_messages (Scene *scene, guint mask, GPtrArray *ids, const char *what)
{
  scene->want_mask = mask;
  scene->want_ids = ids;
  if (srp_tool_run_until_condition (received_all, scene, WAIT_S * 1000))
    return TRUE;
  printf ("\n%s did not happen within %d s:\n", what, WAIT_S);
  for (guint i = 0; i < N_PEERS; i++)
    for (guint j = 0; (mask & MEMBER_BIT (i)) && j < ids->len; j++)
      if (!g_hash_table_contains (scene->members[i].got, ids->pdata[j]))
        printf ("  %s lacks %.8s…\n", name (scene, i), (const char *) ids->pdata[j]);
  return FALSE;
}

/* alice publishes data (taken) on topic, or sends it to recipient's inbox;
 * the ID goes into ids. */
static gboolean
alice_sends (Scene *scene, SrpTopic *topic, guint recipient, GBytes *data, GPtrArray *ids)
{
  SrpPeer *alice = scene->net->peers[ALICE];
  g_autoptr (GError) error = NULL;
  g_autofree char *what = describe (data);
  char *id;

  if (topic != NULL)
    id = srp_topic_publish (topic, data, &error);
  else
    id = srp_peer_send (alice, srp_peer_get_id (scene->net->peers[recipient]), data, &error);
  if (id == NULL)
    {
      printf ("  alice  could not send: %s\n", error->message);
      g_bytes_unref (data);
      return FALSE;
    }
  if (topic != NULL)
    printf ("  alice  published %.8s… on %s: %s\n", id, TOPIC, what);
  else
    printf ("  alice  sent %.8s… to %s's inbox: %s\n", id, name (scene, recipient), what);
  g_hash_table_insert (scene->published, g_strdup (id), data);
  g_ptr_array_add (ids, id);
  return TRUE;
}

static GBytes *
text (const char *s)
{
  return g_bytes_new_static (s, strlen (s));
}

static void
print_caches (Scene *scene)
{
  printf ("Each peer's share of the cache (srp_peer_get_cache):\n");
  for (guint i = 0; i < N_PEERS; i++)
    {
      SrpCache *cache = srp_peer_get_cache (scene->net->peers[i]);

      if (srp_peer_get_port (scene->net->peers[i]) == 0)
        {
          printf ("  %-6s offline\n", name (scene, i));
          continue;
        }
      printf ("  %-6s %2u packets, %5.1f KiB of %" G_GUINT64_FORMAT " MiB\n", name (scene, i),
              srp_cache_get_n_packets (cache), srp_cache_get_used (cache) / 1024.0,
              srp_cache_get_budget (cache) / (1024 * 1024));
    }
}

static gboolean
publish_scene (Scene *scene)
{
  g_autoptr (SrpTopic) weather = srp_peer_subscribe (scene->net->peers[ALICE], TOPIC);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  guint8 pixels[3000];

  printf ("\nTopics. carol, dave and erin subscribe to “%s” (srp_peer_subscribe);\n"
          "frank does not, yet keeps packets for them in his share of the network-wide\n"
          "cache. alice publishes (srp_topic_publish), and each subscriber gets each\n"
          "message once, whole (SrpTopic::message):\n",
          TOPIC);
  /* alice only publishes: a topic publishes whether or not it subscribes. */
  srp_topic_unsubscribe (weather);
  for (guint i = 0; i < sizeof pixels; i++)
    pixels[i] = (guint8) (i * 7 + i / BODY_LEN);
  if (!alice_sends (scene, weather, 0, text ("sunny, 21 °C"), ids) ||
      !alice_sends (scene, weather, 0, g_bytes_new (pixels, sizeof pixels), ids) ||
      !alice_sends (scene, weather, 0, text ("wind from the west, 3 Bft"), ids) ||
      !wait_for_messages (scene, MEMBER_BIT (CAROL) | MEMBER_BIT (DAVE) | MEMBER_BIT (ERIN), ids,
                          "Delivery to every subscriber"))
    return FALSE;
  print_caches (scene);
  return TRUE;
}

/* The peers that stayed and hold alice's (one-packet) letter to erin in
 * their caches, as " carol dave"; empty when none does. */
static char *
letter_keepers (Scene *scene)
{
  GString *keepers = g_string_new (NULL);

  for (guint i = CAROL; i < N_PEERS; i++)
    {
      g_autoptr (GBytes) packet = NULL;

      if (i == ERIN)
        continue;
      packet = srp_cache_lookup (srp_peer_get_cache (scene->net->peers[i]), scene->letter);
      if (packet != NULL)
        g_string_append_printf (keepers, " %s", name (scene, i));
    }
  return g_string_free (keepers, FALSE);
}

static gboolean
letter_kept (gpointer data)
{
  g_autofree char *keepers = letter_keepers (data);

  return *keepers != '\0';
}

static gboolean
catch_up_scene (Scene *scene)
{
  SrpToolDemoNetwork *net = scene->net;
  SrpPeer *erin = net->peers[ERIN];
  g_autoptr (SrpTopic) weather = srp_peer_subscribe (net->peers[ALICE], TOPIC);
  g_autoptr (GPtrArray) missed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *keepers = NULL;
  gint64 start;
  gulong handler;
  gboolean ok;

  printf ("\nCatching up. erin goes offline (srp_peer_close). While she is away, alice\n"
          "publishes twice more, and sends erin a letter (srp_peer_send):\n");
  srp_topic_unsubscribe (weather);
  srp_peer_close (erin);
  g_hash_table_unref (scene->before_close);
  scene->before_close = g_steal_pointer (&scene->members[ERIN].got);
  scene->members[ERIN].got = new_id_set ();
  if (!alice_sends (scene, weather, 0, text ("rain from 16:00"), missed) ||
      !alice_sends (scene, weather, 0, text ("storm warning for tonight"), missed) ||
      !wait_for_messages (scene, MEMBER_BIT (CAROL) | MEMBER_BIT (DAVE), missed,
                          "Delivery to the subscribers online") ||
      !alice_sends (scene, NULL, ERIN, text ("see you at the station"), missed))
    return FALSE;
  scene->letter = missed->pdata[missed->len - 1];
  /* Sent does not mean kept: alice must not leave before someone has it. */
  if (!srp_tool_run_until_condition (letter_kept, scene, WAIT_S * 1000))
    {
      printf ("\nNo peer kept erin's letter within %d s.\n", WAIT_S);
      return FALSE;
    }
  keepers = letter_keepers (scene);
  printf ("The letter waits for erin in the caches of:%s\n", keepers);
  print_caches (scene);

  printf ("\nalice leaves too (srp_peer_close): whoever published is gone. erin comes back\n"
          "(srp_peer_listen), knowing carol, as alice is gone (srp_peer_add_bootstrap).\n"
          "Peers that connect reconcile their caches (SYNC), and erin asks for what she\n"
          "lacks (QUERY):\n");
  srp_peer_close (net->peers[ALICE]);
  handler = g_signal_connect (erin, "peer-added", G_CALLBACK (srp_tool_demo_print_peer_added),
                              net);
  start = g_get_monotonic_time ();
  if (!srp_peer_add_bootstrap (erin, net->addresses[CAROL], srp_peer_get_port (net->peers[CAROL]),
                               &error) ||
      !srp_peer_listen (erin, net->addresses[ERIN], 0, &error))
    {
      printf ("  erin could not come back: %s\n", error->message);
      g_signal_handler_disconnect (erin, handler);
      return FALSE;
    }
  ok = wait_for_messages (scene, MEMBER_BIT (ERIN), missed, "erin's catching up");
  g_signal_handler_disconnect (erin, handler);
  if (ok)
    printf ("erin caught up %.1f ms after she listened again: the %u messages sent while she\n"
            "was away came from the caches of the peers that stayed.\n",
            (g_get_monotonic_time () - start) / 1000.0, missed->len);
  return ok;
}

gboolean
srp_tool_demo_topic_scenes (SrpToolDemoNetwork *net)
{
  Scene scene = { .net = net };
  gboolean ok;

  scene.published =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  scene.before_close = new_id_set ();
  for (guint i = 0; i < N_PEERS; i++)
    {
      Member *member = &scene.members[i];

      member->scene = &scene;
      member->index = i;
      member->got = new_id_set ();
      g_signal_connect (net->peers[i], "message", G_CALLBACK (on_inbox_message), member);
      if (i == CAROL || i == DAVE || i == ERIN)
        {
          member->topic = srp_peer_subscribe (net->peers[i], TOPIC);
          g_signal_connect (member->topic, "message", G_CALLBACK (on_topic_message), member);
        }
    }

  ok = publish_scene (&scene) && catch_up_scene (&scene);
  if (scene.wrong)
    {
      printf ("\nA message came with other bytes than alice's, or twice.\n");
      ok = FALSE;
    }

  for (guint i = 0; i < N_PEERS; i++)
    {
      Member *member = &scene.members[i];

      g_signal_handlers_disconnect_by_data (net->peers[i], member);
      if (member->topic != NULL)
        g_signal_handlers_disconnect_by_data (member->topic, member);
      g_clear_object (&member->topic);
      g_hash_table_unref (member->got);
    }
  g_hash_table_unref (scene.published);
  g_hash_table_unref (scene.before_close);
  return ok;
}
