/* srp-bootstrap-list.c: parsing and signing bootstrap lists.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-bootstrap-list.h"

#include <string.h>

#include "srp-error.h"
#include "srp-signature.h"

#define HEADER "SRP-BOOTSTRAP-LIST 1\n"
#define SIGNATURE_PREFIX "signature "

static void
entry_clear (gpointer data)
{
  g_free (((SrpBootstrapEntry *) data)->host);
}

void
srp_bootstrap_list_free (GArray *entries)
{
  if (entries != NULL)
    g_array_unref (entries);
}

/* "HOST:PORT" or "[IPV6]:PORT" into entry; FALSE when it is neither. */
static gboolean
parse_peer (const char *text, SrpBootstrapEntry *entry)
{
  const char *colon;
  g_autofree char *host = NULL;
  guint64 port;
  char *end;

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || close[1] != ':')
        return FALSE;
      host = g_strndup (text + 1, (gsize) (close - text - 1));
      colon = close + 1;
    }
  else
    {
      colon = strrchr (text, ':');
      if (colon == NULL)
        return FALSE;
      host = g_strndup (text, (gsize) (colon - text));
      if (strchr (host, ':') != NULL)
        return FALSE; /* IPv6 without brackets */
    }
  if (*host == '\0' || strpbrk (host, " \t[]") != NULL)
    return FALSE;
  if (!g_ascii_isdigit (colon[1]))
    return FALSE;
  port = g_ascii_strtoull (colon + 1, &end, 10);
  if (*end != '\0' || port == 0 || port > G_MAXUINT16)
    return FALSE;
  entry->host = g_steal_pointer (&host);
  entry->port = (guint16) port;
  return TRUE;
}

GArray *
srp_bootstrap_list_parse (const guint8 *data, gsize len, const SrpId *key, GError **error)
{
  g_autoptr (GArray) entries = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree guchar *signature = NULL;
  const char *text = (const char *) data;
  const char *last;
  gsize signed_len, n_signature = 0;

  if (len > SRP_BOOTSTRAP_LIST_MAX_BYTES)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST,
                   "The bootstrap list is %" G_GSIZE_FORMAT " bytes, more than %u", len,
                   SRP_BOOTSTRAP_LIST_MAX_BYTES);
      return NULL;
    }
  if (len < strlen (HEADER) || memcmp (data, HEADER, strlen (HEADER)) != 0 ||
      memchr (data, '\0', len) != NULL || !g_utf8_validate (text, (gssize) len, NULL) ||
      data[len - 1] != '\n')
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST,
                           "Not a bootstrap list: it must be UTF-8 text that starts with "
                           "“SRP-BOOTSTRAP-LIST 1” and ends with a line end");
      return NULL;
    }
  /* The signature line is the last one: everything before it is signed. */
  last = g_strrstr_len (text, (gssize) len - 1, "\n");
  signed_len = last != NULL ? (gsize) (last - text) + 1 : 0;
  if (signed_len <= strlen (HEADER) - 1 ||
      strncmp (text + signed_len, SIGNATURE_PREFIX, strlen (SIGNATURE_PREFIX)) != 0)
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST,
                           "The bootstrap list has no “signature” line at its end");
      return NULL;
    }
  {
    g_autofree char *b64 = g_strndup (text + signed_len + strlen (SIGNATURE_PREFIX),
                                      len - 1 - signed_len - strlen (SIGNATURE_PREFIX));

    if (*b64 != '\0')
      signature = g_base64_decode (b64, &n_signature);
  }
  if (n_signature != SRP_SIGNATURE_LEN ||
      !srp_signature_verify (key, data, signed_len, signature))
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST,
                           "The bootstrap list's signature does not verify with the key given");
      return NULL;
    }

  entries = g_array_new (FALSE, TRUE, sizeof (SrpBootstrapEntry));
  g_array_set_clear_func (entries, entry_clear);
  {
    g_autofree char *body = g_strndup (text + strlen (HEADER), signed_len - strlen (HEADER));

    lines = g_strsplit (body, "\n", -1);
  }
  /* The split leaves one empty string after the last line end. */
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++)
    {
      SrpBootstrapEntry entry;

      if (!g_str_has_prefix (lines[i], "peer ") || !parse_peer (lines[i] + 5, &entry))
        {
          g_set_error (error, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST,
                       "Line %u of the bootstrap list is not “peer HOST:PORT”", i + 2);
          return NULL;
        }
      g_array_append_val (entries, entry);
      if (entries->len > SRP_BOOTSTRAP_LIST_MAX_PEERS)
        {
          g_set_error (error, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST,
                       "The bootstrap list has more than %u peers",
                       SRP_BOOTSTRAP_LIST_MAX_PEERS);
          return NULL;
        }
    }
  if (entries->len == 0)
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST,
                           "The bootstrap list names no peer");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

char *
srp_bootstrap_list_make (const char *const *peers,
                         gboolean (*sign) (const guint8 *data, gsize len,
                                           guint8 signature[SRP_SIGNATURE_LEN], gpointer user_data),
                         gpointer user_data)
{
  GString *out = g_string_new (HEADER);
  guint8 signature[SRP_SIGNATURE_LEN];
  g_autofree char *b64 = NULL;

  for (guint i = 0; peers[i] != NULL; i++)
    g_string_append_printf (out, "peer %s\n", peers[i]);
  if (!sign ((const guint8 *) out->str, out->len, signature, user_data))
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  b64 = g_base64_encode (signature, sizeof signature);
  g_string_append_printf (out, SIGNATURE_PREFIX "%s\n", b64);
  return g_string_free (out, FALSE);
}
