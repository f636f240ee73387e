/* srp-dht-seal.h: FIND, FOUND and REGISTER sealed between peers that are
 * not links (docs/protocol.md, "Sealed lookups").
 *
 * A DHT query goes to a contact we know by its ID but hold no session with.
 * The asker seals it to that ID as a letter is sealed (an ephemeral X25519
 * key against the X25519 form of the Ed25519 identity, HKDF, ChaCha20-
 * Poly1305): only the contact reads the target or the registrant's
 * address. The same HKDF gives a second key for the way back, so only the
 * contact can answer, and only the asker can read the answer. One
 * ephemeral key serves one lookup (or one round of REGISTERs), whose
 * queries all go to different contacts: the HKDF is salted with the
 * contact's ID, so each query's keys still serve that query alone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-envelope.h"
#include "srp-wire.h"
#include "srp-x25519.h"

G_BEGIN_DECLS

#define SRP_DHT_SEAL_KEY_LEN 32
#define SRP_DHT_SEAL_EPHEMERAL_LEN 32
#define SRP_DHT_SEAL_ECHO_LEN 8
#define SRP_DHT_SEAL_TAG_LEN 16
/* prefix, EPHEMERAL, TAG; the inner frame goes in from its KIND on. */
#define SRP_SEALED_QUERY_MIN (SRP_WIRE_PREFIX_LEN + SRP_DHT_SEAL_EPHEMERAL_LEN + 1 + SRP_DHT_SEAL_TAG_LEN)
/* prefix, ECHO, NONCE (8), TAG. */
#define SRP_SEALED_ANSWER_MIN (SRP_WIRE_PREFIX_LEN + SRP_DHT_SEAL_ECHO_LEN + 8 + 1 + SRP_DHT_SEAL_TAG_LEN)
/* What sealing adds to a frame. */
#define SRP_SEALED_QUERY_OVERHEAD (SRP_SEALED_QUERY_MIN - SRP_WIRE_PREFIX_LEN)
#define SRP_SEALED_ANSWER_OVERHEAD (SRP_SEALED_ANSWER_MIN - SRP_WIRE_PREFIX_LEN)

/* One query's keys, as both ends derive them. */
typedef struct {
  guint8 echo[SRP_DHT_SEAL_ECHO_LEN]; /* the query's EPHEMERAL, its first bytes: names the query */
  guint8 query_key[SRP_DHT_SEAL_KEY_LEN];
  guint8 answer_key[SRP_DHT_SEAL_KEY_LEN];
} SrpDhtQueryKeys;

/* An asker's ephemeral X25519 key pair. Zeroed: not made yet. Never two
 * queries under one to the same contact: they would share keys and the
 * zero nonce. */
typedef struct {
  SrpEphemeral pair;
  gboolean ready;
} SrpDhtEphemeral;
G_STATIC_ASSERT (SRP_DHT_SEAL_EPHEMERAL_LEN == SRP_X25519_LEN);

/* Makes the pair from secret (32 fresh random bytes). */
void srp_dht_ephemeral_init (SrpDhtEphemeral *ephemeral, const guint8 secret[32]);
/* Wipes it (not ready again). */
void srp_dht_ephemeral_clear (SrpDhtEphemeral *ephemeral);

/* Seals frame (whole, prefix included) to recipient's identity with
 * ephemeral_secret (32 fresh random bytes) into a SEALED_QUERY in out, and
 * fills keys for the answer. Returns its length, or 0 when recipient is no
 * valid Ed25519 key (nothing would be shared) or the frame is too long. */
gsize srp_dht_seal_query (const SrpId *recipient, const guint8 ephemeral_secret[32],
                          const guint8 *frame, gsize len, guint8 out[SRP_MAX_DATAGRAM],
                          SrpDhtQueryKeys *keys);
/* The same under a ready ephemeral, with the recipient's X25519 form
 * given (srp_envelope_x25519_public of its ID, which costs as much as a
 * third of the rest: askers keep it). */
gsize srp_dht_seal_query_to (const SrpId *recipient, const guint8 recipient_x[32],
                             const SrpDhtEphemeral *ephemeral, const guint8 *frame, gsize len,
                             guint8 out[SRP_MAX_DATAGRAM], SrpDhtQueryKeys *keys);

/* Opens a SEALED_QUERY (data, len: the whole datagram) sent to self, with
 * self's static X25519 secret behind agree: the inner frame, prefix
 * rebuilt, into out (its length into *out_len), and keys for the answer.
 * BAD_CONTROL when it is too short, BAD_SEAL when it does not open. */
SrpDropReason srp_dht_open_query (const SrpId *self, SrpEnvelopeAgreeFunc agree,
                                  gpointer agree_data, const guint8 *data, gsize len,
                                  guint8 out[SRP_MAX_DATAGRAM], gsize *out_len,
                                  SrpDhtQueryKeys *keys);

/* Seals frame (the answer: FOUND) under a query's answer key, with nonce
 * fresh from the answerer's randomness (a replayed query is answered again
 * under the same key: a nonce of its own for each answer). Returns the
 * SEALED_ANSWER's length, 0 when the frame is too long. */
gsize srp_dht_seal_answer (const SrpDhtQueryKeys *keys, guint64 nonce, const guint8 *frame,
                           gsize len, guint8 out[SRP_MAX_DATAGRAM]);

/* The ECHO of a SEALED_ANSWER; FALSE when it is too short to be one. */
gboolean srp_dht_answer_echo (const guint8 *data, gsize len, guint8 echo[SRP_DHT_SEAL_ECHO_LEN]);

/* Opens a SEALED_ANSWER under keys: the inner frame, prefix rebuilt, into
 * out. BAD_CONTROL when too short, BAD_SEAL when it does not open. */
SrpDropReason srp_dht_open_answer (const SrpDhtQueryKeys *keys, const guint8 *data, gsize len,
                                   guint8 out[SRP_MAX_DATAGRAM], gsize *out_len);

G_END_DECLS
