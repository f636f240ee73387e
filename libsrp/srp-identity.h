/* srp-identity.h: a peer's Ed25519 key pair (internal).
 *
 * The public key is the peer's ID on the wire; its 64 lowercase hex
 * characters are the ID users see.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "srp-wire.h" /* SrpId, SRP_SIGNATURE_LEN */

G_BEGIN_DECLS

typedef struct _SrpIdentity SrpIdentity;

SrpIdentity *srp_identity_new (GError **error);
/* Reads a key written by srp_identity_save; a missing, unreadable or
 * malformed file is an error (never a silently new identity). */
SrpIdentity *srp_identity_load (const char *path, GError **error);
/* Writes the private key as unencrypted PKCS#8 PEM, mode 0600, atomically. */
gboolean srp_identity_save (SrpIdentity *identity, const char *path, GError **error);
/* Loads path; only when it does not exist, makes a new identity and saves it there. */
SrpIdentity *srp_identity_load_or_create (const char *path, GError **error);
void srp_identity_free (SrpIdentity *identity);

const SrpId *srp_identity_get_public_key (SrpIdentity *identity);
/* 64 lowercase hex characters of the public key. */
const char *srp_identity_get_hex_id (SrpIdentity *identity);

gboolean srp_identity_sign (SrpIdentity *identity, const guint8 *data, gsize len,
                            guint8 signature[SRP_SIGNATURE_LEN], GError **error);
/* X25519 of their_public with the Montgomery form of the private key, as
 * SrpCoreConfig.agree wants it: what opens letters sealed to this identity.
 * FALSE when their_public is a low-order point. */
gboolean srp_identity_agree (SrpIdentity *identity, const guint8 their_public[32],
                             guint8 shared[32]);
/* The core's check (srp_signature_verify), here for symmetry with sign. */
gboolean srp_identity_verify (const SrpId *public_key, const guint8 *data, gsize len,
                              const guint8 signature[SRP_SIGNATURE_LEN]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrpIdentity, srp_identity_free)

G_END_DECLS
