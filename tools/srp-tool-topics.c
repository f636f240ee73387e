/* srp-tool-topics.c: "srp-tool publish", "subscribe" and "send".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "srp-tool.h"

typedef struct {
  gboolean done;
  guint count;       /* messages to wait for (subscribe) */
  guint received;
  gboolean json;
  guint accepted;
  GError *error;
} Wait;

static SrpPeer *
join (const char *command, char **bootstraps, int timeout, gboolean no_lan)
{
  g_autoptr (SrpPeer) peer = srp_peer_new ();

  srp_peer_set_lan_discovery (peer, !no_lan);
  if (!srp_tool_join (peer, command, bootstraps, timeout))
    return NULL;
  return g_steal_pointer (&peer);
}

void
srp_tool_print_message (SrpMessage *message, gboolean json)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (srp_message_get_data (message), &size);

  if (json)
    {
      g_autofree char *b64 = g_base64_encode (data, size);
      JsonBuilder *out = srp_tool_json_begin ("message");

      srp_tool_json_string (out, "topic", srp_message_get_topic (message));
      srp_tool_json_string (out, "id", srp_message_get_id (message));
      /* The verified author; null for an anonymous message. */
      srp_tool_json_string (out, "sender", srp_message_get_sender (message));
      srp_tool_json_uint (out, "size", size);
      srp_tool_json_string (out, "data_b64", b64);
      srp_tool_json_print (out);
      return;
    }
  if (g_utf8_validate ((const char *) data, (gssize) size, NULL) && memchr (data, 0, size) == NULL)
    printf ("%s: %.*s\n", srp_message_get_topic (message) ? srp_message_get_topic (message) : "inbox",
            (int) size, (const char *) data);
  else
    printf ("%s: %" G_GSIZE_FORMAT " bytes, id %s\n",
            srp_message_get_topic (message) ? srp_message_get_topic (message) : "inbox", size,
            srp_message_get_id (message));
  fflush (stdout);
}

static void
on_published (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  if (SRP_IS_TOPIC (source))
    wait->accepted = srp_topic_publish_finish (SRP_TOPIC (source), result, NULL, &wait->error);
  else
    wait->accepted = srp_peer_send_finish (SRP_PEER (source), result, NULL, &wait->error);
  wait->done = TRUE;
}

static GBytes *
message_bytes (const char *command, const char *file, const char *text)
{
  g_autoptr (GError) error = NULL;
  char *contents;
  gsize len;

  if (file == NULL)
    return g_bytes_new (text, strlen (text));
  if (!g_file_get_contents (file, &contents, &len, &error))
    {
      g_printerr ("srp-tool %s: %s\n", command, error->message);
      return NULL;
    }
  return g_bytes_new_take (contents, len);
}

/* The topic: a group topic when secret_file names the members' secret (a
 * file, so that the secret shows in no process list), else the plain one. */
static SrpTopic *
topic_for (const char *command, SrpPeer *peer, const char *name, const char *secret_file)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autoptr (GBytes) secret = NULL;
  SrpTopic *topic;
  gsize len;

  if (secret_file == NULL)
    return srp_peer_subscribe (peer, name);
  if (!g_file_get_contents (secret_file, &contents, &len, &error))
    {
      g_printerr ("srp-tool %s: %s\n", command, error->message);
      return NULL;
    }
  secret = g_bytes_new_take (g_steal_pointer (&contents), len);
  topic = srp_peer_subscribe_with_secret (peer, name, secret, &error);
  if (topic == NULL)
    g_printerr ("srp-tool %s: %s\n", command, error->message);
  return topic;
}

/* Waits for a publish or send to be taken; prints the outcome. */
static int
finish_publish (const char *command, SrpPeer *peer, Wait *wait, gboolean json)
{
  srp_tool_run_until (&wait->done);
  if (wait->error != NULL)
    {
      g_printerr ("srp-tool %s: %s\n", command, wait->error->message);
      g_clear_error (&wait->error);
      return 1;
    }
  if (json)
    {
      JsonBuilder *out = srp_tool_json_begin ("published");
      srp_tool_json_uint (out, "accepted", wait->accepted);
      srp_tool_json_print (out);
    }
  else
    printf ("taken by %u peer%s\n", wait->accepted, wait->accepted == 1 ? "" : "s");
  srp_peer_close (peer);
  return 0;
}

int
srp_tool_publish (int argc, char **argv)
{
  g_auto (GStrv) bootstraps = NULL;
  g_autofree char *topic_name = NULL;
  g_autofree char *file = NULL;
  g_autofree char *secret_file = NULL;
  gboolean json = FALSE, anonymous = FALSE, no_lan = FALSE;
  int timeout = 20;
  g_autoptr (GOptionContext) context = g_option_context_new ("[MESSAGE]");
  GOptionEntry entries[] = {
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "A peer of the network; repeat for more", "HOST:PORT" },
    { "topic", 't', 0, G_OPTION_ARG_STRING, &topic_name, "The topic to publish on", "NAME" },
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &file, "Publish this file (at most 1 MiB)", "FILE" },
    { "secret-file", 0, 0, G_OPTION_ARG_FILENAME, &secret_file,
      "A group topic: its members' secret is in FILE (sealed, members only)", "FILE" },
    { "anonymous", 0, 0, G_OPTION_ARG_NONE, &anonymous,
      "Publish without an author (no signature)", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      "Seconds to wait for a bootstrap peer (default 20)", "SECONDS" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print {\"event\":\"published\",...}", NULL },
    { "no-lan", 0, 0, G_OPTION_ARG_NONE, &no_lan,
      "No LAN discovery: only the bootstrap peers given, and who they lead to", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (SrpTopic) topic = NULL;
  g_autoptr (GBytes) data = NULL;
  Wait wait = { FALSE };

  g_option_context_set_summary (context,
                                "Publishes a message (or a file) on a topic and exits 0 once 3 "
                                "peers (or every peer of a smaller network) took it; 1 "
                                "otherwise, with the reason.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (topic_name == NULL || (file == NULL) == (argc != 2) || timeout < 1)
    {
      g_printerr ("srp-tool publish: give --topic NAME and either --file FILE or one MESSAGE\n");
      return 2;
    }
  data = message_bytes ("publish", file, argc == 2 ? argv[1] : NULL);
  if (data == NULL)
    return 1;
  peer = join ("publish", bootstraps, timeout, no_lan);
  if (peer == NULL)
    return 1;
  topic = topic_for ("publish", peer, topic_name, secret_file);
  if (topic == NULL)
    return 1;
  srp_topic_set_anonymous (topic, anonymous);
  srp_topic_publish_async (topic, data, NULL, on_published, &wait);
  return finish_publish ("publish", peer, &wait, json);
}

int
srp_tool_send (int argc, char **argv)
{
  g_auto (GStrv) bootstraps = NULL;
  gboolean json = FALSE, anonymous = FALSE, no_lan = FALSE;
  int timeout = 20;
  g_autoptr (GOptionContext) context = g_option_context_new ("PEER_ID MESSAGE");
  GOptionEntry entries[] = {
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "A peer of the network; repeat for more", "HOST:PORT" },
    { "anonymous", 0, 0, G_OPTION_ARG_NONE, &anonymous,
      "Send without an author (still sealed to the recipient)", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      "Seconds to wait for a bootstrap peer (default 20)", "SECONDS" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print {\"event\":\"published\",...}", NULL },
    { "no-lan", 0, 0, G_OPTION_ARG_NONE, &no_lan,
      "No LAN discovery: only the bootstrap peers given, and who they lead to", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (GBytes) data = NULL;
  Wait wait = { FALSE };

  g_option_context_set_summary (context,
                                "Sends a message to one peer's inbox, even while it is offline: "
                                "other peers keep it until it comes back. It is sealed to the "
                                "recipient, and signed unless --anonymous.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (argc != 3 || timeout < 1)
    {
      g_printerr ("srp-tool send: give PEER_ID MESSAGE\n");
      return 2;
    }
  data = g_bytes_new (argv[2], strlen (argv[2]));
  peer = join ("send", bootstraps, timeout, no_lan);
  if (peer == NULL)
    return 1;
  if (anonymous)
    {
      /* No async variant: the letter is out once this returns, and the
       * network's taking it is not waited for. */
      g_autoptr (GError) error = NULL;
      g_autofree char *id = srp_peer_send_anonymous (peer, argv[1], data, &error);

      if (id == NULL)
        {
          g_printerr ("srp-tool send: %s\n", error->message);
          return 1;
        }
      if (json)
        {
          JsonBuilder *out = srp_tool_json_begin ("sent");
          srp_tool_json_string (out, "id", id);
          srp_tool_json_print (out);
        }
      else
        printf ("sent %s\n", id);
      /* Let the first copies leave before the peer closes. */
      srp_tool_run_for (&wait.done, 1000);
      srp_peer_close (peer);
      return 0;
    }
  srp_peer_send_async (peer, argv[1], data, NULL, on_published, &wait);
  return finish_publish ("send", peer, &wait, json);
}

static void
on_message (SrpTopic *topic, SrpMessage *message, Wait *wait)
{
  srp_tool_print_message (message, wait->json);
  if (++wait->received >= wait->count && wait->count > 0)
    wait->done = TRUE;
}

int
srp_tool_subscribe (int argc, char **argv)
{
  g_auto (GStrv) bootstraps = NULL;
  g_autofree char *topic_name = NULL;
  g_autofree char *secret_file = NULL;
  int count = 0, timeout = 0;
  gboolean no_lan = FALSE;
  Wait wait = { FALSE };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "A peer of the network; repeat for more", "HOST:PORT" },
    { "topic", 't', 0, G_OPTION_ARG_STRING, &topic_name, "The topic to follow", "NAME" },
    { "secret-file", 0, 0, G_OPTION_ARG_FILENAME, &secret_file,
      "A group topic: its members' secret is in FILE", "FILE" },
    { "count", 'c', 0, G_OPTION_ARG_INT, &count, "Exit 0 after N messages", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      "Exit 1 after this many seconds (default: never)", "SECONDS" },
    { "no-lan", 0, 0, G_OPTION_ARG_NONE, &no_lan,
      "No LAN discovery: only the bootstrap peers given, and who they lead to", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &wait.json,
      "Print {\"event\":\"message\",\"topic\":...,\"id\":...,\"sender\":...,\"size\":...,"
      "\"data_b64\":...}",
      NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (SrpTopic) topic = NULL;
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
                                "Prints the messages published on a topic, one per line, "
                                "including those published while this peer was away.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (topic_name == NULL || argc != 1 || count < 0 || timeout < 0 || bootstraps == NULL)
    {
      g_printerr ("srp-tool subscribe: give --bootstrap HOST:PORT and --topic NAME\n");
      return 2;
    }
  wait.count = (guint) count;
  peer = srp_peer_new ();
  srp_peer_set_lan_discovery (peer, !no_lan);
  if (!srp_tool_add_bootstraps (peer, bootstraps, &error))
    {
      g_printerr ("srp-tool subscribe: %s\n", error->message);
      return 2;
    }
  topic = topic_for ("subscribe", peer, topic_name, secret_file);
  if (topic == NULL)
    return 2;
  g_signal_connect (topic, "message", G_CALLBACK (on_message), &wait);
  if (!srp_peer_listen (peer, NULL, 0, &error))
    {
      g_printerr ("srp-tool subscribe: %s\n", error->message);
      return 1;
    }
  if (timeout > 0)
    srp_tool_run_for (&wait.done, (guint64) timeout * 1000);
  else
    srp_tool_run_until (&wait.done);
  g_signal_handlers_disconnect_by_data (topic, &wait);
  srp_peer_close (peer);
  if (wait.count > 0 && wait.received < wait.count)
    {
      g_printerr ("srp-tool subscribe: %u of %u messages within %d s\n", wait.received,
                  wait.count, timeout);
      return 1;
    }
  return 0;
}
