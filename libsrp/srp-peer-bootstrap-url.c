/* srp-peer-bootstrap-url.c: bootstrap peers from a signed list served over
 * HTTPS (the format: srp-bootstrap-list.h, docs/protocol.md "Bootstrap
 * lists"). The list is fetched with libsoup (TLS through glib-networking,
 * checked against the system's trust or SrpPeer:tls-database), its Ed25519
 * signature checked with the key the URL carries, and kept in the user's
 * cache directory; it is fetched again every 6 hours, and when the network
 * is down the cached copy (checked again) serves instead. A list that fails
 * any check changes nothing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include <libsoup/soup.h>
#include <errno.h>
#include <string.h>

#include "srp-bootstrap-list.h"
#include "srp-error.h"
#include "srp-sha256.h"

#define REFRESH_SECONDS (6 * 60 * 60)
#define KEY_PREFIX "ed25519="

/* One list URL: fetched now, and again every REFRESH_SECONDS. */
typedef struct {
  SrpPeer *peer;   /* not a reference: the peer frees these first */
  char *url;       /* without the fragment */
  SrpId key;
  char *cache_path;
  GSource *refresh;
} ListSource;

static void
list_source_free (gpointer data)
{
  ListSource *source = data;

  if (source->refresh != NULL)
    {
      g_source_destroy (source->refresh);
      g_source_unref (source->refresh);
    }
  g_free (source->url);
  g_free (source->cache_path);
  g_free (source);
}

void
srp_peer_bootstrap_urls_clear (SrpPeer *self)
{
  g_clear_pointer (&self->bootstrap_urls, g_ptr_array_unref);
  g_clear_object (&self->tls_database);
}

static gboolean
parse_url (const char *text, char **url, SrpId *key, GError **error)
{
  g_autoptr (GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  const char *fragment;

  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an https:// URL", text);
      return FALSE;
    }
  fragment = g_uri_get_fragment (uri);
  if (fragment == NULL || !g_str_has_prefix (fragment, KEY_PREFIX) ||
      strlen (fragment) != strlen (KEY_PREFIX) + 2 * SRP_ID_LEN ||
      !srp_peer_parse_id (fragment + strlen (KEY_PREFIX), key, NULL))
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                   "“%s” does not end with #" KEY_PREFIX "KEY, the list's signing key as 64 "
                   "hexadecimal characters", text);
      return FALSE;
    }
  {
    g_autoptr (GUri) bare = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL,
                                         g_uri_get_host (uri), g_uri_get_port (uri),
                                         g_uri_get_path (uri), g_uri_get_query (uri), NULL);
    *url = g_uri_to_string (bare);
  }
  return TRUE;
}

/* One file per URL and key, named by their hash. */
static char *
cache_path_for (const char *url, const SrpId *key)
{
  char key_hex[2 * SRP_ID_LEN + 1], name_hex[2 * SRP_ID_LEN + 1];
  g_autofree char *name = NULL;
  SrpId digest;

  srp_id_to_hex (key, key_hex);
  name = g_strdup_printf ("%s#%s", url, key_hex);
  srp_sha256 (name, strlen (name), &digest);
  srp_id_to_hex (&digest, name_hex);
  return g_build_filename (g_get_user_cache_dir (), "libsrp", "bootstrap-lists", name_hex, NULL);
}

/* Adds the peers the peer does not have yet; how many entries there were. */
static guint
take_entries (SrpPeer *self, GArray *entries)
{
  for (guint i = 0; i < entries->len; i++)
    {
      const SrpBootstrapEntry *e = &g_array_index (entries, SrpBootstrapEntry, i);
      gboolean known = FALSE;

      for (guint k = 0; k < self->bootstraps->len && !known; k++)
        {
          const SrpPeerBootstrap *b = &g_array_index (self->bootstraps, SrpPeerBootstrap, k);
          known = b->port == e->port && g_ascii_strcasecmp (b->host, e->host) == 0;
        }
      if (!known)
        srp_peer_add_bootstrap (self, e->host, e->port, NULL);
    }
  return entries->len;
}

/* Errors that mean "offline" (no route, no name, refused), after which the
 * cached copy may serve; never a TLS or HTTP failure. */
static gboolean
is_offline (const GError *error)
{
  return error->domain == G_RESOLVER_ERROR ||
         (error->domain == G_IO_ERROR &&
          (error->code == G_IO_ERROR_CONNECTION_REFUSED || error->code == G_IO_ERROR_HOST_UNREACHABLE ||
           error->code == G_IO_ERROR_NETWORK_UNREACHABLE || error->code == G_IO_ERROR_TIMED_OUT ||
           error->code == G_IO_ERROR_HOST_NOT_FOUND));
}

typedef struct {
  ListSource *source;
  SoupMessage *message;
} Fetch;

static void
fetch_free (gpointer data)
{
  Fetch *fetch = data;

  g_clear_object (&fetch->message);
  g_free (fetch);
}

static void schedule_refresh (ListSource *source);

static void
on_fetched (GObject *session, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  ListSource *source = fetch->source;
  SrpPeer *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (session), result,
                                                               &error);
  g_autoptr (GArray) entries = NULL;
  gsize len = 0;
  const guint8 *data;

  if (body != NULL && soup_message_get_status (fetch->message) != SOUP_STATUS_OK)
    g_set_error (&error, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST, "The server answered HTTP %u %s",
                 soup_message_get_status (fetch->message),
                 soup_message_get_reason_phrase (fetch->message));
  if (error != NULL)
    {
      g_autofree char *cached = NULL;
      gsize cached_len;

      if (is_offline (error) &&
          g_file_get_contents (source->cache_path, &cached, &cached_len, NULL) &&
          (entries = srp_bootstrap_list_parse ((const guint8 *) cached, cached_len, &source->key,
                                               NULL)) != NULL)
        {
          g_debug ("Bootstrap list %s: %s; using the cached copy", source->url, error->message);
          g_task_return_int (task, take_entries (self, entries));
          return;
        }
      g_prefix_error (&error, "Cannot fetch the bootstrap list %s: ", source->url);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  data = g_bytes_get_data (body, &len);
  entries = srp_bootstrap_list_parse (data, len, &source->key, &error);
  if (entries == NULL)
    {
      g_prefix_error (&error, "Bootstrap list %s: ", source->url);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  {
    g_autofree char *dir = g_path_get_dirname (source->cache_path);
    g_autoptr (GError) cache_error = NULL;

    /* A cache that cannot be written only costs the offline fallback. */
    if (g_mkdir_with_parents (dir, 0700) != 0 ||
        !g_file_set_contents (source->cache_path, (const char *) data, (gssize) len, &cache_error))
      g_debug ("Bootstrap list %s: not cached: %s", source->url,
               cache_error != NULL ? cache_error->message : g_strerror (errno));
  }
  g_task_return_int (task, take_entries (self, entries));
}

static void
fetch (SrpPeer *self, ListSource *source, GCancellable *cancellable, GAsyncReadyCallback callback,
       gpointer user_data)
{
  g_autoptr (SoupSession) session = NULL;
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Fetch *f = g_new0 (Fetch, 1);

  g_task_set_source_tag (task, srp_peer_add_bootstrap_url_async);
  f->source = source;
  f->message = soup_message_new (SOUP_METHOD_GET, source->url);
  g_task_set_task_data (task, f, fetch_free);
  session = soup_session_new_with_options ("timeout", 30, "max-conns", 2, NULL);
  if (self->tls_database != NULL)
    soup_session_set_tls_database (session, self->tls_database);
  soup_session_send_and_read_async (session, f->message, G_PRIORITY_DEFAULT, cancellable,
                                    on_fetched, task);
}

static void
on_refreshed (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  (void) user_data;
  if (g_task_propagate_int (G_TASK (result), &error) < 0)
    g_debug ("%s (the peers it named before stay)", error->message);
}

static gboolean
on_refresh (gpointer user_data)
{
  ListSource *source = user_data;

  fetch (source->peer, source, NULL, on_refreshed, NULL);
  return G_SOURCE_CONTINUE;
}

static void
schedule_refresh (ListSource *source)
{
  if (source->refresh != NULL)
    return;
  source->refresh = g_timeout_source_new_seconds (REFRESH_SECONDS);
  g_source_set_callback (source->refresh, on_refresh, source, NULL);
  g_source_set_name (source->refresh, "SrpPeer bootstrap list refresh");
  g_source_attach (source->refresh, source->peer->context);
}

/**
 * srp_peer_add_bootstrap_url_async:
 * @self: a peer
 * @url: an `https://` URL ending with `#ed25519=KEY`, KEY the list's signing
 *   key (an Ed25519 public key) as 64 hexadecimal characters
 * @cancellable: (nullable): to give up
 * @callback: (scope async): called when the list has been taken or refused
 * @user_data: for @callback
 *
 * Fetches a signed list of bootstrap peers over HTTPS and adds the peers it
 * names as [method@Peer.add_bootstrap] would. The certificate is checked
 * against the system's trusted authorities (or [property@Peer:tls-database]),
 * and the list's signature against KEY (the fragment never leaves this
 * host). The list is kept in the user cache directory and fetched again every
 * 6 hours; when the network is down (the server cannot be reached at all),
 * the cached copy is used. A list that fails a check (certificate,
 * signature, format: see the "Bootstrap lists" section of the protocol
 * description) changes nothing.
 *
 * The format is UTF-8 text: `SRP-BOOTSTRAP-LIST 1`, then 1 to 64 lines
 * `peer HOST:PORT` (an IPv6 address in brackets), then `signature BASE64`
 * with the Ed25519 signature of every byte before that line; each line ends
 * with a line feed.
 */
void
srp_peer_add_bootstrap_url_async (SrpPeer *self, const char *url, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  ListSource *source;
  char *bare = NULL;
  SrpId key;

  g_return_if_fail (SRP_IS_PEER (self));
  g_return_if_fail (url != NULL);

  if (!parse_url (url, &bare, &key, &error))
    {
      g_task_report_error (self, callback, user_data, srp_peer_add_bootstrap_url_async,
                           g_steal_pointer (&error));
      return;
    }
  if (self->bootstrap_urls == NULL)
    self->bootstrap_urls = g_ptr_array_new_with_free_func (list_source_free);
  source = g_new0 (ListSource, 1);
  source->peer = self;
  source->url = bare;
  source->key = key;
  source->cache_path = cache_path_for (bare, &key);
  g_ptr_array_add (self->bootstrap_urls, source);
  schedule_refresh (source);
  fetch (self, source, cancellable, callback, user_data);
}

/**
 * srp_peer_add_bootstrap_url_finish:
 * @self: a peer
 * @result: what the callback was given
 * @error: where to put the reason, when the list was refused
 *
 * Finishes [method@Peer.add_bootstrap_url_async].
 *
 * Returns: how many peers the list named, or 0 with @error set (the
 *   `SRP_ERROR_BOOTSTRAP_LIST` code for a malformed or badly signed list,
 *   `SRP_ERROR_INVALID_ARGUMENT` for a URL without a key, and GIO's or
 *   GnuTLS's errors for a server that cannot be reached or trusted)
 */
guint
srp_peer_add_bootstrap_url_finish (SrpPeer *self, GAsyncResult *result, GError **error)
{
  gssize n;

  g_return_val_if_fail (SRP_IS_PEER (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  n = g_task_propagate_int (G_TASK (result), error);
  return n > 0 ? (guint) n : 0;
}

/**
 * srp_peer_get_tls_database:
 * @self: a peer
 *
 * The TLS database [method@Peer.add_bootstrap_url_async] checks certificates
 * against (see [property@Peer:tls-database]).
 *
 * Returns: (transfer none) (nullable): the database, or %NULL for the
 *   system's default
 */
GTlsDatabase *
srp_peer_get_tls_database (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  return self->tls_database;
}

/**
 * srp_peer_set_tls_database:
 * @self: a peer
 * @database: (nullable): the trusted authorities, or %NULL for the system's
 *
 * Sets [property@Peer:tls-database].
 */
void
srp_peer_set_tls_database (SrpPeer *self, GTlsDatabase *database)
{
  g_return_if_fail (SRP_IS_PEER (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  if (g_set_object (&self->tls_database, database))
    srp_peer_notify (self, SRP_PEER_PROP_TLS_DATABASE);
}
