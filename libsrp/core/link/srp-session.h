/* srp-session.h: a link's sealing keys, from its handshake's key exchange.
 *
 * The handshake (srp-mesh-handshake.c) exchanges ephemeral X25519 keys,
 * both sides signing a transcript that holds them with both Ed25519 IDs:
 * the shared secret is known to the two peers alone, and forgotten with
 * the session (forward secrecy). HKDF-SHA256 turns it into one key per
 * direction. Every frame a link sends afterwards is sealed with
 * ChaCha20-Poly1305 (see docs/protocol.md, "Sealed frames"):
 *
 *   53 52 01 70 | EPOCH (1) | COUNTER (8) | ciphertext of KIND ‖ body | TAG (16)
 *
 * the nonce being 00 00 00 EPOCH COUNTER, the 13 bytes before the
 * ciphertext its associated data. A receiver takes each counter once
 * (a window of SRP_SESSION_WINDOW behind the highest), so replays are
 * dropped and reordering is not. Keys roll over every SRP_SESSION_REKEY_US
 * or SRP_SESSION_REKEY_FRAMES frames: the next key is HKDF-Expand of the
 * current one, EPOCH grows by one, and the receiver keeps the previous key
 * for SRP_SESSION_GRACE_US for frames still under way.
 *
 * X25519 and HKDF are nettle's (gnutls's crypto library), ChaCha20-Poly1305
 * srp-aead.c's (libcrypto where built with it, nettle otherwise); a session
 * keeps its cipher state for every frame. Randomness comes from the caller
 * (the context's RNG), so the core stays pure.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-aead.h"
#include "srp-wire.h"
#include "srp-x25519.h"

G_BEGIN_DECLS

#define SRP_SESSION_KEY_LEN 32
#define SRP_EPHEMERAL_LEN SRP_X25519_LEN /* an X25519 public key */
#define SRP_SEAL_HEADER_LEN (SRP_WIRE_PREFIX_LEN + 1 + 8)
#define SRP_SEAL_TAG_LEN 16
/* A sealed frame is SRP_SEAL_OVERHEAD (srp-wire.h) longer than the plain
 * one, whose first three bytes (magic and version) are not repeated inside. */
G_STATIC_ASSERT (SRP_SEAL_OVERHEAD == SRP_SEAL_HEADER_LEN + SRP_SEAL_TAG_LEN - 3);
#define SRP_SESSION_WINDOW 256
#define SRP_SESSION_REKEY_US (120 * G_TIME_SPAN_SECOND)
#define SRP_SESSION_REKEY_FRAMES (G_GUINT64_CONSTANT (1) << 20)
#define SRP_SESSION_GRACE_US (10 * G_TIME_SPAN_SECOND)

typedef struct _SrpSession SrpSession;

/* The session of a completed handshake, or NULL when their_public is not a
 * usable X25519 key (the shared secret would be all zero). The initiator
 * is the side that sent HELLO; the key schedule binds both IDs, both
 * challenges and both ephemeral keys. */
SrpSession *srp_session_new (gboolean initiator, const SrpEphemeral *ours,
                             const guint8 their_public[SRP_EPHEMERAL_LEN], const SrpId *initiator_id,
                             const SrpId *responder_id,
                             const guint8 initiator_challenge[SRP_CHALLENGE_LEN],
                             const guint8 responder_challenge[SRP_CHALLENGE_LEN], gint64 now);
void srp_session_free (SrpSession *session);

/* Whether a frame of this kind goes sealed on a link that has a session:
 * all but the handshake's own frames (and PING and PONG, which must work
 * when one side lost its session: see protocol.md). */
gboolean srp_session_seals_kind (guint8 kind);

/* Seals frame (a whole plain frame, prefix included) into out (at least
 * len + SRP_SEAL_OVERHEAD bytes); returns the sealed length. Rolls the
 * sending key over when it is due. */
gsize srp_session_seal (SrpSession *session, gint64 now, const guint8 *frame, gsize len,
                        guint8 *out);
/* The sealing alone, with a given key, epoch and counter (test vectors,
 * benchmarks). */
gsize srp_session_seal_frame (const guint8 key[SRP_SESSION_KEY_LEN], guint8 epoch,
                              guint64 counter, const guint8 *frame, gsize len, guint8 *out);
/* Opens a sealed frame into out (at least len bytes) as a plain frame,
 * prefix included; returns its length, or 0 when it does not open (forged,
 * altered, replayed, or from a key long gone). */
gsize srp_session_open (SrpSession *session, gint64 now, const guint8 *sealed, gsize len,
                        guint8 *out);

/* Opens a sealed frame as srp_session_open would, but takes nothing: the
 * replay window and the keys stay as they were (for tests and tools that
 * watch a link's traffic without being its receiver). */
gsize srp_session_peek (const SrpSession *session, const guint8 *sealed, gsize len, guint8 *out);
typedef struct {
  guint64 sealed, opened, failed, replayed, rekeys_sent, rekeys_seen;
} SrpSessionCounters;
void srp_session_get_counters (const SrpSession *session, SrpSessionCounters *out);
/* The current epochs (for tests). */
guint8 srp_session_send_epoch (const SrpSession *session);

/* Raw ChaCha20-Poly1305 sealing of len bytes in place with key and a
 * counter nonce, as the sealed frames use it, through aead (srp-aead.h):
 * the baseline of bench-crypto. Returns the tag in tag. */
void srp_session_raw_seal (SrpAead *aead, const guint8 key[SRP_SESSION_KEY_LEN], guint64 counter,
                           guint8 *data, gsize len, guint8 tag[SRP_SEAL_TAG_LEN]);

G_END_DECLS
