/* srp-status-auth.c: who may read the status API.
 *
 * - With a token, a request must carry it, as "Authorization: Bearer TOKEN"
 *   or "?token=TOKEN" (browsers cannot set headers on a WebSocket).
 * - Without one the server is bound to loopback, which keeps other hosts
 *   out but not web pages in this host's browser: a page of any site can
 *   resolve its own name to 127.0.0.1 (DNS rebinding) and read what it
 *   likes. Such requests name that site in Host, so without a token only
 *   loopback names are accepted there.
 * - A browser says which page a request comes from in Origin; one from
 *   another origin is refused, so that no page elsewhere can open the
 *   event stream (WebSockets are not bound by the same-origin policy).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "srp-status-auth.h"

/* Takes as long for every wrong token of a given length, so that timing
 * does not reveal how much of one was right. */
static gboolean
token_matches (const char *presented, const char *token)
{
  gsize presented_len = strlen (presented), token_len = strlen (token);
  guint diff = presented_len != token_len;

  for (gsize i = 0; i < token_len; i++)
    diff |= (guchar) token[i] ^ (guchar) (i < presented_len ? presented[i] : 0);
  return diff == 0;
}

static char *
presented_token (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (
    soup_server_message_get_request_headers (msg), "Authorization");
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));

  if (header != NULL && g_ascii_strncasecmp (header, "Bearer ", 7) == 0)
    return g_strstrip (g_strdup (header + 7));
  if (query != NULL)
    {
      g_autoptr (GHashTable) params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
      const char *value = params != NULL ? g_hash_table_lookup (params, "token") : NULL;

      if (value != NULL)
        return g_strdup (value);
    }
  return NULL;
}

/* The host part of a Host header: "localhost:7770", "[::1]:7770", ... */
static char *
host_name (const char *host)
{
  const char *end;

  if (host[0] == '[')
    {
      end = strchr (host, ']');
      return end != NULL ? g_strndup (host + 1, (gsize) (end - host - 1)) : NULL;
    }
  end = strchr (host, ':');
  return end != NULL ? g_strndup (host, (gsize) (end - host)) : g_strdup (host);
}

static gboolean
is_loopback_host (const char *host)
{
  g_autofree char *name = host != NULL ? host_name (host) : NULL;
  g_autoptr (GInetAddress) address = NULL;

  if (name == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (name, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (name);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
origin_allowed (const char *origin, const char *host)
{
  g_autofree char *own = NULL;

  if (origin == NULL)
    return TRUE; /* not a browser, or a same-origin GET */
  if (host == NULL)
    return FALSE;
  own = g_strconcat ("http://", host, NULL);
  return g_ascii_strcasecmp (origin, own) == 0;
}

guint
srp_status_auth_check (SoupServerMessage *msg, const char *token, const char **reason)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *host = soup_message_headers_get_one (headers, "Host");

  if (!origin_allowed (soup_message_headers_get_one (headers, "Origin"), host))
    {
      *reason = "Requests from pages of another origin are refused";
      return SOUP_STATUS_FORBIDDEN;
    }
  if (token != NULL)
    {
      g_autofree char *presented = presented_token (msg);

      if (presented == NULL || !token_matches (presented, token))
        {
          *reason = "A valid token is needed: send “Authorization: Bearer TOKEN” or ?token=TOKEN";
          return SOUP_STATUS_UNAUTHORIZED;
        }
      return 0;
    }
  if (!is_loopback_host (host))
    {
      *reason = "Without a token, only loopback host names are served (Host header)";
      return SOUP_STATUS_FORBIDDEN;
    }
  return 0;
}
