/* srp-peer-sign.c: detached Ed25519 signatures with a peer's identity, for
 * applications' own formats.
 *
 * The library's own signatures (handshakes, message authors, registrations)
 * each start with a label of their own ("SRP1 ..."), and applications'
 * signatures start with "SRP1 app": a signature made here can never pass
 * for one of the library's, nor the other way round.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include <string.h>

#include "srp-error.h"

static const char app_label[] = "SRP1 app";

/* The label and the data, as one buffer to sign or check. */
static guint8 *
labelled (GBytes *data, gsize *out_len)
{
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  guint8 *out = g_malloc (sizeof app_label - 1 + len);

  memcpy (out, app_label, sizeof app_label - 1);
  if (len > 0)
    memcpy (out + sizeof app_label - 1, bytes, len);
  *out_len = sizeof app_label - 1 + len;
  return out;
}

/**
 * srp_peer_sign:
 * @self: a peer
 * @data: the bytes to sign
 * @error: return location for an error
 *
 * Signs @data with the peer's identity (Ed25519), for an application's own
 * formats: anyone who knows this peer's ID checks the signature with
 * [func@verify]. The signature is detached (64 bytes) and covers the bytes
 * "SRP1 app" followed by @data, so that it can be taken for none of the
 * signatures the library makes itself.
 *
 * ```python
 * signature = peer.sign(GLib.Bytes.new(b"I was here"))
 * assert Srp.verify(peer.props.id, GLib.Bytes.new(b"I was here"), signature)
 * ```
 *
 * Fails with %SRP_ERROR_IDENTITY when the key cannot sign.
 *
 * Returns: (transfer full): the 64-byte signature, or %NULL with @error set
 */
GBytes *
srp_peer_sign (SrpPeer *self, GBytes *data, GError **error)
{
  guint8 signature[SRP_SIGNATURE_LEN];
  g_autofree guint8 *message = NULL;
  gsize len;

  g_return_val_if_fail (SRP_IS_PEER (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  message = labelled (data, &len);
  if (!srp_identity_sign (self->identity, message, len, signature, error))
    return NULL;
  return g_bytes_new (signature, sizeof signature);
}

/**
 * srp_verify:
 * @peer_id: the signer's peer ID (64 hexadecimal characters)
 * @data: the bytes that were signed
 * @signature: the signature [method@Peer.sign] made
 * @error: return location for an error
 *
 * Checks a detached signature made by [method@Peer.sign] on the peer
 * @peer_id.
 *
 * Fails with %SRP_ERROR_INVALID_ARGUMENT for a malformed peer ID or a
 * signature that is not 64 bytes, and %SRP_ERROR_BAD_SIGNATURE when the
 * signature is not @peer_id's over @data.
 *
 * Returns: %TRUE when the signature verifies, or %FALSE with @error set
 */
gboolean
srp_verify (const char *peer_id, GBytes *data, GBytes *signature, GError **error)
{
  g_autofree guint8 *message = NULL;
  gsize len, signature_len;
  const guint8 *sig;
  SrpId id;

  g_return_val_if_fail (peer_id != NULL, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (signature != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!srp_peer_parse_id (peer_id, &id, error))
    return FALSE;
  sig = g_bytes_get_data (signature, &signature_len);
  if (signature_len != SRP_SIGNATURE_LEN)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                   "A signature has %d bytes; this one has %" G_GSIZE_FORMAT, SRP_SIGNATURE_LEN,
                   signature_len);
      return FALSE;
    }
  message = labelled (data, &len);
  if (!srp_identity_verify (&id, message, len, sig))
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_BAD_SIGNATURE,
                   "The signature is not %s's over these bytes", peer_id);
      return FALSE;
    }
  return TRUE;
}
