/* fuzz-dht-seal.c: libFuzzer target for sealed lookups (docs/protocol.md,
 * "Sealed lookups"): SEALED_QUERY and SEALED_ANSWER as a contact and an
 * asker open them.
 *
 * The first input byte is a mode, the rest a datagram. It is opened as a
 * SEALED_QUERY by the contact of fuzz-dht-seal.h and as a SEALED_ANSWER
 * under its fixed query's keys: each gives a reason of its own or an inner
 * frame that lies within the input, prefix rebuilt. Then the rest is taken
 * as an inner frame's body: sealed as a query (ephemeral secret from the
 * mode) it must open back to the same bytes for the contact alone, and not
 * with one bit flipped (where the mode says); sealed as an answer, the same
 * under the query's keys alone.
 *
 * corpus-dht-seal/ (gen-corpus) holds a sealed FIND, REGISTER and FOUND.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-check.h"
#include "fuzz-dht-seal.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_opened (SrpDropReason reason, gsize in_len, gsize overhead, const guint8 *out,
              gsize out_len)
{
  if (reason != SRP_DROP_NONE)
    {
      check (reason == SRP_DROP_BAD_CONTROL || reason == SRP_DROP_BAD_SEAL,
             "a reason sealed lookups give");
      return;
    }
  check (out_len + overhead == in_len, "the inner frame is the input less the seal");
  check (out[0] == SRP_WIRE_MAGIC_0 && out[1] == SRP_WIRE_MAGIC_1 && out[2] == SRP_WIRE_VERSION,
         "the prefix rebuilt");
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static FuzzDhtKeys contact, outsider;
  static SrpDhtQueryKeys fixed;
  static gboolean ready;
  guint8 frame[SRP_MAX_DATAGRAM], sealed[SRP_MAX_DATAGRAM], out[SRP_MAX_DATAGRAM];
  guint8 secret[32];
  SrpDhtQueryKeys keys, opened_keys, other;
  SrpDropReason reason;
  gsize len, out_len = 0, n;
  guint8 mode;

  if (!ready)
    {
      check (sodium_init () >= 0, "libsodium");
      check (fuzz_dht_keys_init (&contact, 0x02) && fuzz_dht_keys_init (&outsider, 0x01),
             "the X25519 forms");
      check (fuzz_dht_fixed_query (&contact, sealed, &fixed) > 0, "the fixed query seals");
      ready = TRUE;
    }
  if (size < 1 || size - 1 > SRP_MAX_DATAGRAM)
    return 0;
  mode = data[0];
  len = size - 1;

  reason = srp_dht_open_query (&contact.id, fuzz_dht_agree, &contact, data + 1, len, out,
                               &out_len, &opened_keys);
  check_opened (reason, len, SRP_SEALED_QUERY_OVERHEAD, out, out_len);
  reason = srp_dht_open_answer (&fixed, data + 1, len, out, &out_len);
  check_opened (reason, len, SRP_SEALED_ANSWER_OVERHEAD, out, out_len);

  /* What we seal, the right side opens, and nobody else. */
  frame[0] = SRP_WIRE_MAGIC_0;
  frame[1] = SRP_WIRE_MAGIC_1;
  frame[2] = SRP_WIRE_VERSION;
  frame[3] = SRP_FRAME_FIND;
  if (len + SRP_WIRE_PREFIX_LEN + SRP_SEALED_QUERY_OVERHEAD > SRP_MAX_DATAGRAM)
    return 0;
  memcpy (frame + SRP_WIRE_PREFIX_LEN, data + 1, len);
  memset (secret, mode | 1, sizeof secret);
  secret[1] = 0xfe; /* never the fixed query's (all 11s), whatever the mode */
  n = srp_dht_seal_query (&contact.id, secret, frame, SRP_WIRE_PREFIX_LEN + len, sealed, &keys);
  check (n == SRP_WIRE_PREFIX_LEN + len + SRP_SEALED_QUERY_OVERHEAD, "a query seals");
  check (srp_dht_open_query (&contact.id, fuzz_dht_agree, &contact, sealed, n, out, &out_len,
                             &opened_keys) == SRP_DROP_NONE,
         "the contact opens it");
  check (out_len == SRP_WIRE_PREFIX_LEN + len && memcmp (out, frame, out_len) == 0,
         "to the same frame");
  check (memcmp (&opened_keys, &keys, sizeof keys) == 0, "with the same keys");
  check (srp_dht_open_query (&outsider.id, fuzz_dht_agree, &outsider, sealed, n, out, &out_len,
                             &other) == SRP_DROP_BAD_SEAL,
         "nobody else does");
  sealed[mode % n] ^= (guint8) (1 << (mode % 8));
  check (srp_dht_open_query (&contact.id, fuzz_dht_agree, &contact, sealed, n, out, &out_len,
                             &other) != SRP_DROP_NONE,
         "a flipped bit does not open");

  n = srp_dht_seal_answer (&keys, mode, frame, SRP_WIRE_PREFIX_LEN + len, sealed);
  check (n == SRP_WIRE_PREFIX_LEN + len + SRP_SEALED_ANSWER_OVERHEAD, "an answer seals");
  check (srp_dht_open_answer (&keys, sealed, n, out, &out_len) == SRP_DROP_NONE &&
             out_len == SRP_WIRE_PREFIX_LEN + len && memcmp (out, frame, out_len) == 0,
         "the asker opens it to the same frame");
  check (srp_dht_open_answer (&fixed, sealed, n, out, &out_len) == SRP_DROP_BAD_SEAL,
         "under another query's keys it does not open");
  return 0;
}
