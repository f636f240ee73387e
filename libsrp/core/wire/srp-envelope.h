/* srp-envelope.h: what a message of TYPE 02 carries around its payload: its
 * author's Ed25519 signature, and a seal to one recipient (a letter) or to
 * the members of a group topic (docs/protocol.md, "Envelopes").
 *
 * The envelope is the message's bytes, so the message ID covers it: a copy
 * with another signature or ciphertext is another message, never a rival
 * of the genuine one. The signature covers every field the ID covers but
 * itself: the topic, the first packet's PREV ID, the flags, the author and
 * the payload.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-wire.h"

G_BEGIN_DECLS

typedef enum {
  SRP_ENVELOPE_SIGNED = 1 << 0, /* AUTHOR and SIGNATURE precede the payload */
  SRP_ENVELOPE_LETTER = 1 << 1, /* sealed to one recipient (ephemeral-static X25519) */
  SRP_ENVELOPE_GROUP = 1 << 2,  /* sealed under a group topic's key */
} SrpEnvelopeFlags;

#define SRP_ENVELOPE_KEY_LEN 32
#define SRP_ENVELOPE_EPHEMERAL_LEN 32
#define SRP_ENVELOPE_NONCE_LEN 12
#define SRP_ENVELOPE_TAG_LEN 16
#define SRP_ENVELOPE_AUTHOR_LEN (SRP_ID_LEN + SRP_SIGNATURE_LEN)
/* FLAGS, the larger seal header, its tag, and the author. */
#define SRP_ENVELOPE_OVERHEAD_MAX \
  (1 + SRP_ENVELOPE_EPHEMERAL_LEN + SRP_ENVELOPE_TAG_LEN + SRP_ENVELOPE_AUTHOR_LEN)
/* The longest payload an envelope takes: the message stays within 1 MiB. */
#define SRP_ENVELOPE_PAYLOAD_MAX (SRP_MESSAGE_MAX_LEN - SRP_ENVELOPE_OVERHEAD_MAX)

/* Signs with this peer's identity (Ed25519); FALSE on failure. */
typedef gboolean (*SrpEnvelopeSignFunc) (const guint8 *data, gsize len,
                                         guint8 signature[SRP_SIGNATURE_LEN], gpointer user_data);
/* X25519 of their_public with this peer's static secret (its identity's
 * Montgomery form); FALSE on failure. */
typedef gboolean (*SrpEnvelopeAgreeFunc) (const guint8 their_public[32], guint8 shared[32],
                                          gpointer user_data);

typedef struct {
  guint8 flags;                   /* SrpEnvelopeFlags; LETTER and GROUP exclusive */
  /* SIGNED */
  const SrpId *author;
  SrpEnvelopeSignFunc sign;
  gpointer sign_data;
  /* LETTER: the recipient, and 32 fresh random bytes for the ephemeral key */
  const SrpId *recipient;
  const guint8 *ephemeral_secret;
  /* GROUP: the topic's key, and 12 fresh random bytes */
  const guint8 *group_key;
  const guint8 *nonce;
} SrpEnvelopeSeal;

/* The message bytes (envelope and payload, len at most
 * SRP_ENVELOPE_PAYLOAD_MAX) of a message on topic_id whose first packet
 * has PREV ID prev_id. NULL when the signer fails or the recipient is not
 * a valid Ed25519 public key. */
GBytes *srp_envelope_build (const SrpId *topic_id, const SrpId *prev_id,
                            const SrpEnvelopeSeal *seal, const guint8 *payload, gsize len);

typedef struct {
  const SrpId *self_id;           /* letters are opened for this ID ... */
  SrpEnvelopeAgreeFunc agree;     /* ... with its static key; NULL: letters do not open */
  gpointer agree_data;
  const guint8 *group_key;        /* the topic's key when it is a group topic, else NULL */
} SrpEnvelopeKeys;

typedef struct {
  guint8 flags;
  SrpId author;                   /* with SRP_ENVELOPE_SIGNED, verified */
  GBytes *payload;                /* owned: srp_envelope_opened_clear */
} SrpEnvelopeOpened;

void srp_envelope_opened_clear (SrpEnvelopeOpened *opened);

/* Opens a reassembled message of type (TYPE 01 is a bare payload), on
 * topic_id, first PREV ID prev_id: SRP_DROP_NONE with out filled, or
 * BAD_ENVELOPE (does not parse), UNOPENED (sealed and not for these keys,
 * forged, or in clear on a group topic), BAD_AUTHOR (the signature fails). */
SrpDropReason srp_envelope_open (const SrpId *topic_id, const SrpId *prev_id, guint8 type,
                                 GBytes *data, const SrpEnvelopeKeys *keys,
                                 SrpEnvelopeOpened *out);

/* A group topic's ID and key, from its name and the members' secret (HKDF). */
void srp_envelope_group_derive (const char *name, const guint8 *secret, gsize secret_len,
                                SrpId *topic_id, guint8 key[SRP_ENVELOPE_KEY_LEN]);

/* The X25519 public key of an Ed25519 identity (its Montgomery form); FALSE
 * for a key that is not a valid point of prime order. */
gboolean srp_envelope_x25519_public (const SrpId *identity, guint8 out[32]);

/* The bytes an author signs (docs/protocol.md, "Envelopes"), written into
 * out (SRP_ENVELOPE_SIGNED_LEN). */
#define SRP_ENVELOPE_SIGNED_LEN (11 + 2 * SRP_ID_LEN + 1 + SRP_ID_LEN + SRP_ID_LEN)
void srp_envelope_signed_bytes (const SrpId *topic_id, const SrpId *prev_id, guint8 flags,
                                const SrpId *author, const guint8 *payload, gsize len,
                                guint8 out[SRP_ENVELOPE_SIGNED_LEN]);

G_END_DECLS
