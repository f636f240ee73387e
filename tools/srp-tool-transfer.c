/* srp-tool-transfer.c: "srp-tool send-file" and "srp-tool receive": a file
 * over a stream, checked end to end.
 *
 * The sender opens a stream labelled "srp-file" and writes one line of
 * JSON, {"name":…,"size":…,"sha256":…}. The receiver answers "have N":
 * the bytes of NAME.part it kept from an interrupted transfer (0 for
 * none). The sender sends the rest from there, then the end. The receiver
 * appends them to NAME.part, hashes everything (the kept bytes too),
 * compares with the announced SHA-256, renames NAME.part to NAME when
 * they match, and answers one more line: "ok" or "mismatch". A transfer
 * cut short leaves NAME.part for the next one; a mismatch removes it. Both print progress: on a terminal
 * a line of bytes, rate and time left; with --json, events.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "srp-tool.h"

#define FILE_LABEL "srp-file"
#define CHUNK (64 * 1024)

/* ---- progress ------------------------------------------------------------------------ */

typedef struct {
  const char *what; /* "sending", "receiving" */
  gboolean json;
  gint64 start;
  gint64 last;
} Progress;

static void
progress_print (Progress *p, const char *name, guint64 done, guint64 total, gboolean final)
{
  gint64 now = g_get_monotonic_time ();
  double seconds = MAX ((now - p->start) / 1e6, 1e-6);
  double rate = done / seconds;

  if (!final && now - p->last < 250 * G_TIME_SPAN_MILLISECOND)
    return;
  p->last = now;
  if (p->json)
    {
      JsonBuilder *out = srp_tool_json_begin ("progress");

      srp_tool_json_string (out, "name", name);
      srp_tool_json_uint (out, "bytes", done);
      srp_tool_json_uint (out, "total", total);
      srp_tool_json_uint (out, "bytes_per_second", (guint64) rate);
      srp_tool_json_print (out);
    }
  else if (isatty (STDOUT_FILENO))
    {
      double left = rate > 0 && total > done ? (total - done) / rate : 0;

      printf ("\r%s %s: %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT " bytes, %.1f MiB/s, "
              "%.0f s left   %s",
              p->what, name, done, total, rate / (1024 * 1024), left, final ? "\n" : "");
      fflush (stdout);
    }
}

static char *
hex_of (const guint8 *digest, gsize len)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", digest[i]);
  return g_string_free (s, FALSE);
}

static gboolean
hash_file (const char *path, guint64 *size, char **sha256, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) in = g_file_read (file, NULL, error);
  gnutls_hash_hd_t hash;
  guint8 buf[CHUNK], digest[32];
  gssize n;

  if (in == NULL)
    return FALSE;
  gnutls_hash_init (&hash, GNUTLS_DIG_SHA256);
  *size = 0;
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buf, sizeof buf, NULL, error)) > 0)
    {
      gnutls_hash (hash, buf, n);
      *size += n;
    }
  gnutls_hash_deinit (hash, digest);
  if (n < 0)
    return FALSE;
  *sha256 = hex_of (digest, sizeof digest);
  return TRUE;
}

/* ---- send-file ---------------------------------------------------------------------- */

typedef struct {
  SrpStream *stream;
  gboolean done;
  GError *error;
  char *answer;
} Send;

static void
on_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Send *send = user_data;

  send->answer = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result,
                                                        NULL, &send->error);
  send->done = TRUE;
}

static char *
header_line (const char *name, guint64 size, const char *sha256)
{
  JsonBuilder *b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  srp_tool_json_string (b, "name", name);
  srp_tool_json_uint (b, "size", size);
  srp_tool_json_string (b, "sha256", sha256);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  g_object_unref (b);
  text = json_to_string (node, FALSE);
  return g_strconcat (text, "\n", NULL);
}

static gboolean
write_file (SrpStream *stream, const char *path, const char *name, guint64 from, guint64 size,
            Progress *progress, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) in = g_file_read (file, NULL, error);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (stream));
  guint8 buf[CHUNK];
  guint64 sent = from;
  gssize n;

  if (in == NULL || !g_seekable_seek (G_SEEKABLE (in), (goffset) from, G_SEEK_SET, NULL, error))
    return FALSE;
  /* Blocking writes run the main context: the peer keeps going meanwhile. */
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buf, sizeof buf, NULL, error)) > 0)
    {
      if (!g_output_stream_write_all (out, buf, n, NULL, NULL, error))
        return FALSE;
      sent += n;
      progress_print (progress, name, sent, size, FALSE);
    }
  if (n < 0 || !g_output_stream_close (out, NULL, error))
    return FALSE;
  progress_print (progress, name, sent, size, TRUE);
  return TRUE;
}

int
srp_tool_send_file (int argc, char **argv)
{
  g_auto (GStrv) bootstraps = NULL;
  gboolean json = FALSE;
  int timeout = 30;
  g_autoptr (GOptionContext) context = g_option_context_new ("PEER_ID FILE");
  GOptionEntry entries[] = {
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "A peer of the network; repeat for more", "HOST:PORT" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      "Seconds to wait for the network and for the stream (default 30)", "SECONDS" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print {\"event\":\"progress\",…} and {\"event\":\"sent\",…} lines", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *sha256 = NULL, *name = NULL, *header = NULL;
  g_autoptr (GDataInputStream) answers = NULL;
  guint64 size = 0, from = 0;
  Send send = { NULL };
  Progress progress = { "sending", FALSE, 0, 0 };
  int status = 1;

  g_option_context_set_summary (context,
                                "Sends FILE to the peer PEER_ID (which runs \"srp-tool "
                                "receive\") over a reliable stream, with its SHA-256; exits 0 "
                                "when the receiver found the same SHA-256.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (argc != 3 || timeout < 1)
    {
      g_printerr ("srp-tool send-file: give PEER_ID and FILE\n");
      return 2;
    }
  if (!hash_file (argv[2], &size, &sha256, &error))
    {
      g_printerr ("srp-tool send-file: %s\n", error->message);
      return 1;
    }
  name = g_path_get_basename (argv[2]);
  peer = srp_peer_new ();
  if (!srp_tool_join (peer, "send-file", bootstraps, timeout))
    return 1;
  send.stream = srp_tool_open_stream (peer, argv[1], FILE_LABEL, timeout, &error);
  if (send.stream == NULL)
    {
      g_printerr ("srp-tool send-file: %s\n", error->message);
      goto out;
    }
  progress.json = json;
  header = header_line (name, size, sha256);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (send.stream)),
                                  header, strlen (header), NULL, NULL, &error))
    {
      g_printerr ("srp-tool send-file: %s\n", error->message);
      goto out;
    }
  /* What the receiver kept of an earlier attempt. */
  answers = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (send.stream)));
  g_data_input_stream_read_line_async (answers, G_PRIORITY_DEFAULT, NULL, on_answer, &send);
  srp_tool_run_for (&send.done, (guint64) timeout * 1000);
  if (send.answer == NULL || !g_str_has_prefix (send.answer, "have ") ||
      !g_ascii_string_to_unsigned (send.answer + 5, 10, 0, size, &from, NULL))
    {
      g_printerr ("srp-tool send-file: the receiver did not say what it has (%s)\n",
                  send.answer != NULL ? send.answer : "nothing");
      goto out;
    }
  g_clear_pointer (&send.answer, g_free);
  progress.start = g_get_monotonic_time ();
  if (!write_file (send.stream, argv[2], name, from, size, &progress, &error))
    {
      g_printerr ("srp-tool send-file: %s\n", error->message);
      goto out;
    }
  /* The receiver's verdict on the SHA-256. */
  send.done = FALSE;
  g_data_input_stream_read_line_async (answers, G_PRIORITY_DEFAULT, NULL, on_answer, &send);
  srp_tool_run_for (&send.done, (guint64) timeout * 1000);
  if (json)
    {
      JsonBuilder *out = srp_tool_json_begin ("sent");

      srp_tool_json_string (out, "name", name);
      srp_tool_json_uint (out, "size", size);
      srp_tool_json_string (out, "sha256", sha256);
      srp_tool_json_string (out, "receiver", send.answer != NULL ? send.answer : "no answer");
      srp_tool_json_uint (out, "resumed_from", from);
      srp_tool_json_uint (out, "bytes_retransmitted",
                          srp_stream_get_bytes_retransmitted (send.stream));
      srp_tool_json_print (out);
    }
  else
    {
      printf ("sent %s (%" G_GUINT64_FORMAT " bytes from %" G_GUINT64_FORMAT
              ", sha256 %s): the receiver says %s\n",
              name, size, from, sha256, send.answer != NULL ? send.answer : "nothing");
      fflush (stdout);
    }
  status = g_strcmp0 (send.answer, "ok") == 0 ? 0 : 1;
out:
  g_clear_object (&send.stream);
  g_clear_error (&send.error);
  g_free (send.answer);
  srp_peer_close (peer);
  return status;
}

/* ---- receive ------------------------------------------------------------------------- */

typedef struct _Receive Receive;

typedef struct {
  Receive *receive;
  SrpStream *stream;
  GDataInputStream *in;
  GOutputStream *file;
  char *name;
  char *expected;
  GFile *part;             /* NAME.part, renamed to NAME when the SHA-256 matches */
  GFile *target;
  guint64 kept;            /* bytes of NAME.part from an earlier attempt */
  guint64 size, got;
  gnutls_hash_hd_t hash;
  Progress progress;
  guint8 buf[CHUNK];
} Incoming;

struct _Receive {
  const char *dir;
  gboolean json;
  guint wanted, finished, failed;
};

static void read_more (Incoming *in);

static void
incoming_free (Incoming *in)
{
  if (in->hash != NULL)
    {
      guint8 digest[32];
      gnutls_hash_deinit (in->hash, digest);
    }
  g_clear_object (&in->file);
  g_clear_object (&in->part);
  g_clear_object (&in->target);
  g_clear_object (&in->in);
  g_clear_object (&in->stream);
  g_free (in->name);
  g_free (in->expected);
  g_free (in);
}

static void
on_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Incoming *in = user_data;

  g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, NULL);
  in->receive->finished++;
  incoming_free (in);
}

/* The end came: compare, say so, answer the sender. */
static void
conclude (Incoming *in, const char *error_text)
{
  Receive *receive = in->receive;
  g_autofree char *sha256 = NULL;
  const char *verdict;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (in->stream));
  guint8 digest[32];

  gnutls_hash_deinit (in->hash, digest);
  in->hash = NULL;
  sha256 = hex_of (digest, sizeof digest);
  g_output_stream_close (in->file, NULL, NULL);
  verdict = error_text == NULL && in->got == in->size && g_strcmp0 (sha256, in->expected) == 0
              ? "ok" : "mismatch";
  if (g_strcmp0 (verdict, "ok") == 0)
    g_file_move (in->part, in->target, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, NULL);
  else if (error_text == NULL)
    g_file_delete (in->part, NULL, NULL); /* what it kept was wrong: start over next time */
  if (g_strcmp0 (verdict, "ok") != 0)
    receive->failed++;
  progress_print (&in->progress, in->name, in->got, in->size, TRUE);
  if (receive->json)
    {
      JsonBuilder *j = srp_tool_json_begin ("received");

      srp_tool_json_string (j, "name", in->name);
      srp_tool_json_string (j, "from", srp_stream_get_peer_id (in->stream));
      srp_tool_json_uint (j, "size", in->got);
      srp_tool_json_string (j, "sha256", sha256);
      srp_tool_json_string (j, "check", verdict);
      srp_tool_json_uint (j, "resumed_from", in->kept);
      if (error_text != NULL)
        srp_tool_json_string (j, "error", error_text);
      srp_tool_json_print (j);
    }
  else
    {
      printf ("received %s (%" G_GUINT64_FORMAT " bytes): SHA-256 %s the sender's%s%s\n",
              in->name, in->got, g_strcmp0 (verdict, "ok") == 0 ? "matches" : "DOES NOT match",
              error_text != NULL ? ": " : "", error_text != NULL ? error_text : "");
      fflush (stdout);
    }
  if (error_text != NULL)
    {
      receive->finished++;
      incoming_free (in);
      return;
    }
  g_output_stream_write_all (out, verdict, strlen (verdict), NULL, NULL, NULL);
  g_output_stream_write_all (out, "\n", 1, NULL, NULL, NULL);
  g_output_stream_close_async (out, G_PRIORITY_DEFAULT, NULL, on_answered, in);
}

static void
on_chunk (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Incoming *in = user_data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    {
      conclude (in, error->message);
      return;
    }
  if (n == 0)
    {
      conclude (in, NULL);
      return;
    }
  if (!g_output_stream_write_all (in->file, in->buf, n, NULL, NULL, &error))
    {
      conclude (in, error->message);
      return;
    }
  gnutls_hash (in->hash, in->buf, n);
  in->got += n;
  progress_print (&in->progress, in->name, in->got, in->size, FALSE);
  read_more (in);
}

static void
read_more (Incoming *in)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (in->stream)), in->buf,
                             sizeof in->buf, G_PRIORITY_DEFAULT, NULL, on_chunk, in);
}

/* Takes what NAME.part holds (hashed, counted) and opens it to append;
 * one longer than the file is no earlier attempt at it. */
static gboolean
keep_part (Incoming *in, GError **error)
{
  g_autoptr (GFileInputStream) old = g_file_read (in->part, NULL, NULL);
  guint8 buf[CHUNK];
  gssize n;

  if (old != NULL)
    {
      while ((n = g_input_stream_read (G_INPUT_STREAM (old), buf, sizeof buf, NULL, NULL)) > 0 &&
             in->kept + n <= in->size)
        {
          gnutls_hash (in->hash, buf, n);
          in->kept += n;
        }
      if (n != 0)
        {
          /* Unreadable or too long: start over. */
          guint8 digest[32];

          gnutls_hash_deinit (in->hash, digest);
          gnutls_hash_init (&in->hash, GNUTLS_DIG_SHA256);
          in->kept = 0;
        }
    }
  in->got = in->kept;
  if (in->kept > 0)
    in->file = G_OUTPUT_STREAM (g_file_append_to (in->part, G_FILE_CREATE_NONE, NULL, error));
  else
    in->file = G_OUTPUT_STREAM (g_file_replace (in->part, NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                                error));
  return in->file != NULL;
}

static void
on_header (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Incoming *in = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source),
                                                                result, NULL, &error);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *base = NULL;
  JsonObject *header;

  if (line == NULL || !json_parser_load_from_data (parser, line, -1, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_printerr ("srp-tool receive: a stream without a file header\n");
      in->receive->finished++;
      in->receive->failed++;
      incoming_free (in);
      return;
    }
  header = json_node_get_object (json_parser_get_root (parser));
  /* Only a name in the directory: never a path the sender chose. */
  base = g_path_get_basename (json_object_get_string_member_with_default (header, "name", "file"));
  if (g_str_equal (base, ".") || g_str_equal (base, "..") || g_str_equal (base, G_DIR_SEPARATOR_S))
    {
      g_free (base);
      base = g_strdup ("file");
    }
  in->name = g_steal_pointer (&base);
  in->size = (guint64) MAX (json_object_get_int_member_with_default (header, "size", 0), 0);
  in->expected = g_strdup (json_object_get_string_member_with_default (header, "sha256", ""));
  {
    g_autofree char *part_name = g_strconcat (in->name, ".part", NULL);

    in->target = g_file_new_build_filename (in->receive->dir, in->name, NULL);
    in->part = g_file_new_build_filename (in->receive->dir, part_name, NULL);
  }
  gnutls_hash_init (&in->hash, GNUTLS_DIG_SHA256);
  if (!keep_part (in, &error))
    {
      g_printerr ("srp-tool receive: %s\n", error->message);
      in->receive->finished++;
      in->receive->failed++;
      incoming_free (in);
      return;
    }
  {
    g_autofree char *have = g_strdup_printf ("have %" G_GUINT64_FORMAT "\n", in->kept);

    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (in->stream)), have,
                               strlen (have), NULL, NULL, NULL);
  }
  in->progress.start = g_get_monotonic_time ();
  /* What the line reader took past the header is the file's first bytes;
   * after them, read the stream itself (a GBufferedInputStream's
   * read_async would read in a thread). */
  {
    GBufferedInputStream *buffered = G_BUFFERED_INPUT_STREAM (in->in);
    gsize available = 0;
    const guint8 *ahead = g_buffered_input_stream_peek_buffer (buffered, &available);

    if (available > 0)
      {
        if (!g_output_stream_write_all (in->file, ahead, available, NULL, NULL, &error))
          {
            conclude (in, error->message);
            return;
          }
        gnutls_hash (in->hash, ahead, available);
        in->got += available;
        g_input_stream_skip (G_INPUT_STREAM (buffered), available, NULL, NULL);
      }
  }
  read_more (in);
}

static gboolean
on_incoming (SrpPeer *peer, SrpStream *stream, gpointer user_data)
{
  Receive *receive = user_data;
  Incoming *in;

  if (g_strcmp0 (srp_stream_get_label (stream), FILE_LABEL) != 0)
    return FALSE;
  in = g_new0 (Incoming, 1);
  in->receive = receive;
  in->stream = g_object_ref (stream);
  in->progress.what = "receiving";
  in->progress.json = receive->json;
  in->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (stream)));
  g_data_input_stream_read_line_async (in->in, G_PRIORITY_DEFAULT, NULL, on_header, in);
  return TRUE;
}

static gboolean
all_received (gpointer data)
{
  Receive *receive = data;
  return receive->wanted > 0 && receive->finished >= receive->wanted;
}

int
srp_tool_receive (int argc, char **argv)
{
  g_auto (GStrv) bootstraps = NULL;
  g_autofree char *listen = NULL, *host = NULL, *dir = NULL;
  guint16 port = 0;
  int count = 1;
  Receive receive = { NULL };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "A peer of the network; repeat for more", "HOST:PORT" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to listen on (default: every address, a free port)", "ADDR:PORT" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir, "Where files go (default: here)", "DIR" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count,
      "Exit after this many files (default 1; 0: run until interrupted)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &receive.json,
      "Print {\"event\":\"ready\",…}, progress and {\"event\":\"received\",…} lines", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
                                "Runs a peer that takes files sent with \"srp-tool send-file\", "
                                "checks each one's SHA-256 against the sender's and says so.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (argc != 1 || count < 0)
    {
      g_printerr ("srp-tool receive: no arguments, only options\n");
      return 2;
    }
  if (listen != NULL && !srp_tool_parse_listen (listen, &host, &port, &error))
    {
      g_printerr ("srp-tool receive: --listen: %s\n", error->message);
      return 2;
    }
  receive.dir = dir != NULL ? dir : ".";
  receive.wanted = (guint) count;
  peer = srp_peer_new ();
  g_signal_connect (peer, "incoming-stream", G_CALLBACK (on_incoming), &receive);
  if (!srp_tool_add_bootstraps (peer, bootstraps, &error) ||
      !srp_peer_listen (peer, host, port, &error))
    {
      g_printerr ("srp-tool receive: %s\n", error->message);
      return 1;
    }
  srp_tool_print_ready (peer, receive.json);
  srp_tool_run_until_condition (all_received, &receive, G_MAXUINT);
  g_signal_handlers_disconnect_by_data (peer, &receive);
  srp_peer_close (peer);
  return receive.failed > 0 || !all_received (&receive) ? 1 : 0;
}
