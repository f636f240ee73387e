/* test-x25519.c: the core's X25519 (srp-x25519.c, libsodium) against
 * RFC 7748's vectors and against nettle's curve25519 on many random
 * inputs: keys made before the switch still agree with peers after it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-x25519.h"

#include <nettle/curve25519.h>
#include <string.h>

static void
from_hex (const char *hex, guint8 out[SRP_X25519_LEN])
{
  for (guint i = 0; i < SRP_X25519_LEN; i++)
    out[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 |
                       g_ascii_xdigit_value (hex[2 * i + 1]));
}

static void
assert_hex (const guint8 bytes[SRP_X25519_LEN], const char *hex)
{
  guint8 expected[SRP_X25519_LEN];

  from_hex (hex, expected);
  g_assert_cmpmem (bytes, SRP_X25519_LEN, expected, SRP_X25519_LEN);
}

/* RFC 7748, section 5.2 (the first vector) and section 6.1 (Alice's key
 * pair and the shared secret with Bob). */
static void
test_rfc_vectors (void)
{
  guint8 scalar[SRP_X25519_LEN], point[SRP_X25519_LEN], out[SRP_X25519_LEN];
  guint8 alice[SRP_X25519_LEN], bob_public[SRP_X25519_LEN];

  from_hex ("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", scalar);
  from_hex ("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", point);
  srp_x25519 (out, scalar, point);
  assert_hex (out, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");

  from_hex ("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", alice);
  srp_x25519_base (out, alice);
  assert_hex (out, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  from_hex ("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bob_public);
  srp_x25519 (out, alice, bob_public);
  assert_hex (out, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

/* Random secrets and points (the top bit of some set: both ignore it), and
 * the public keys of random secrets: the same bytes as nettle's. */
static void
test_same_as_nettle (void)
{
  GRand *rand = g_rand_new_with_seed (7748);

  for (guint i = 0; i < 2000; i++)
    {
      guint8 secret[SRP_X25519_LEN], point[SRP_X25519_LEN];
      guint8 ours[SRP_X25519_LEN], theirs[SRP_X25519_LEN];

      for (guint k = 0; k < SRP_X25519_LEN; k++)
        {
          secret[k] = (guint8) g_rand_int (rand);
          point[k] = (guint8) g_rand_int (rand);
        }
      srp_x25519 (ours, secret, point);
      curve25519_mul (theirs, secret, point);
      g_assert_cmpmem (ours, sizeof ours, theirs, sizeof theirs);
      srp_x25519_base (ours, secret);
      curve25519_mul_g (theirs, secret);
      g_assert_cmpmem (ours, sizeof ours, theirs, sizeof theirs);
    }
  g_rand_free (rand);
}

/* A low-order point shares nothing: all zero, as the callers test. */
static void
test_low_order_is_zero (void)
{
  static const guint8 zero[SRP_X25519_LEN] = { 0 };
  guint8 secret[SRP_X25519_LEN], point[SRP_X25519_LEN] = { 0 }, out[SRP_X25519_LEN];

  memset (secret, 0x5a, sizeof secret);
  memset (out, 0xff, sizeof out);
  srp_x25519 (out, secret, point);
  g_assert_cmpmem (out, sizeof out, zero, sizeof zero);
  point[0] = 1; /* u = 1: of order 4 */
  memset (out, 0xff, sizeof out);
  srp_x25519 (out, secret, point);
  g_assert_cmpmem (out, sizeof out, zero, sizeof zero);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/x25519/rfc-7748-vectors", test_rfc_vectors);
  g_test_add_func ("/x25519/same-as-nettle", test_same_as_nettle);
  g_test_add_func ("/x25519/low-order-is-zero", test_low_order_is_zero);
  return g_test_run ();
}
