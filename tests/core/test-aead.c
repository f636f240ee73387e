/* test-aead.c: the ChaCha20-Poly1305 sealed frames use (srp-aead.c), on
 * RFC 8439's test vector and against nettle's on many lengths: whichever
 * implementation the build picked, the bytes on the wire are the same.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-aead.h"
#include "srp-session.h"

#include <string.h>

static const char sunscreen[] =
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
  "sunscreen would be it.";

/* RFC 8439, section 2.8.2. */
static const guint8 rfc_ciphertext[] = {
  0xd3, 0x1a, 0x8d, 0x34, 0x64, 0x8e, 0x60, 0xdb, 0x7b, 0x86, 0xaf, 0xbc, 0x53, 0xef, 0x7e, 0xc2,
  0xa4, 0xad, 0xed, 0x51, 0x29, 0x6e, 0x08, 0xfe, 0xa9, 0xe2, 0xb5, 0xa7, 0x36, 0xee, 0x62, 0xd6,
  0x3d, 0xbe, 0xa4, 0x5e, 0x8c, 0xa9, 0x67, 0x12, 0x82, 0xfa, 0xfb, 0x69, 0xda, 0x92, 0x72, 0x8b,
  0x1a, 0x71, 0xde, 0x0a, 0x9e, 0x06, 0x0b, 0x29, 0x05, 0xd6, 0xa5, 0xb6, 0x7e, 0xcd, 0x3b, 0x36,
  0x92, 0xdd, 0xbd, 0x7f, 0x2d, 0x77, 0x8b, 0x8c, 0x98, 0x03, 0xae, 0xe3, 0x28, 0x09, 0x1b, 0x58,
  0xfa, 0xb3, 0x24, 0xe4, 0xfa, 0xd6, 0x75, 0x94, 0x55, 0x85, 0x80, 0x8b, 0x48, 0x31, 0xd7, 0xbc,
  0x3f, 0xf4, 0xde, 0xf0, 0x8e, 0x4b, 0x7a, 0x9d, 0xe5, 0x76, 0xd2, 0x65, 0x86, 0xce, 0xc6, 0x4b,
  0x61, 0x16,
};
static const guint8 rfc_tag[SRP_AEAD_TAG_LEN] = {
  0x1a, 0xe1, 0x0b, 0x59, 0x4f, 0x09, 0xe2, 0x6a, 0x7e, 0x90, 0x2e, 0xcb, 0xd0, 0x60, 0x06, 0x91,
};

static void
rfc_inputs (guint8 key[SRP_AEAD_KEY_LEN], guint8 nonce[SRP_AEAD_NONCE_LEN], guint8 ad[12])
{
  static const guint8 n[SRP_AEAD_NONCE_LEN] = { 7, 0, 0, 0, 0x40, 0x41, 0x42, 0x43,
                                                0x44, 0x45, 0x46, 0x47 };
  static const guint8 a[12] = { 0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1,
                                0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7 };

  for (guint i = 0; i < SRP_AEAD_KEY_LEN; i++)
    key[i] = 0x80 + i;
  memcpy (nonce, n, sizeof n);
  memcpy (ad, a, sizeof a);
}

static void
test_rfc_vector (void)
{
  g_autoptr (SrpAead) aead = srp_aead_new ();
  guint8 key[SRP_AEAD_KEY_LEN], nonce[SRP_AEAD_NONCE_LEN], ad[12], tag[SRP_AEAD_TAG_LEN];
  guint8 out[sizeof sunscreen], back[sizeof sunscreen];
  gsize len = strlen (sunscreen);

  g_assert_cmpuint (len, ==, sizeof rfc_ciphertext);
  g_test_message ("backend: %s", srp_aead_backend ());
  rfc_inputs (key, nonce, ad);
  srp_aead_seal (aead, key, nonce, ad, sizeof ad, (const guint8 *) sunscreen, len, out, tag);
  g_assert_cmpmem (out, len, rfc_ciphertext, sizeof rfc_ciphertext);
  g_assert_cmpmem (tag, sizeof tag, rfc_tag, sizeof rfc_tag);
  /* nettle's too, whatever the build seals with. */
  memset (out, 0, sizeof out);
  srp_aead_seal_nettle (key, nonce, ad, sizeof ad, (const guint8 *) sunscreen, len, out, tag);
  g_assert_cmpmem (out, len, rfc_ciphertext, sizeof rfc_ciphertext);
  g_assert_cmpmem (tag, sizeof tag, rfc_tag, sizeof rfc_tag);

  g_assert_true (srp_aead_open (aead, key, nonce, ad, sizeof ad, rfc_ciphertext, len, back, rfc_tag));
  g_assert_cmpmem (back, len, sunscreen, len);
  /* Without a context of its own it is the same. */
  g_assert_true (srp_aead_open (NULL, key, nonce, ad, sizeof ad, rfc_ciphertext, len, back, rfc_tag));
  g_assert_cmpmem (back, len, sunscreen, len);
}

/* A change to any byte of ciphertext, tag or associated data fails the
 * open; the same context opens the next good one again. */
static void
test_forgeries_refused (void)
{
  g_autoptr (SrpAead) aead = srp_aead_new ();
  guint8 key[SRP_AEAD_KEY_LEN], nonce[SRP_AEAD_NONCE_LEN], ad[12], tag[SRP_AEAD_TAG_LEN];
  guint8 c[sizeof rfc_ciphertext], out[sizeof rfc_ciphertext];

  rfc_inputs (key, nonce, ad);
  for (gsize i = 0; i < sizeof c + sizeof tag + sizeof ad; i++)
    {
      memcpy (c, rfc_ciphertext, sizeof c);
      memcpy (tag, rfc_tag, sizeof tag);
      rfc_inputs (key, nonce, ad);
      if (i < sizeof c)
        c[i] ^= 0x01;
      else if (i < sizeof c + sizeof tag)
        tag[i - sizeof c] ^= 0x80;
      else
        ad[i - sizeof c - sizeof tag] ^= 0x10;
      g_assert_false (srp_aead_open (aead, key, nonce, ad, sizeof ad, c, sizeof c, out, tag));
      rfc_inputs (key, nonce, ad);
      g_assert_true (srp_aead_open (aead, key, nonce, ad, sizeof ad, rfc_ciphertext,
                                    sizeof rfc_ciphertext, out, rfc_tag));
    }
}

/* Every length up to two frames, in place and not, nonces changing from
 * call to call and keys every fourth (a link's frames share its key, and
 * srp-aead.c sets it again only when it changes): the same as nettle's,
 * and back again. */
static void
test_same_as_nettle (void)
{
  g_autoptr (SrpAead) aead = srp_aead_new ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (17);
  guint8 key[SRP_AEAD_KEY_LEN], nonce[SRP_AEAD_NONCE_LEN], ad[SRP_SEAL_HEADER_LEN];
  guint8 in[2600], ours[2600], theirs[2600], back[2600];
  guint8 tag[SRP_AEAD_TAG_LEN], their_tag[SRP_AEAD_TAG_LEN];

  guint round = 0;

  for (gsize len = 0; len <= sizeof in; len += 1 + len / 16, round++)
    {
      gsize ad_len = g_rand_int_range (rand, 0, sizeof ad + 1);

      for (guint i = 0; i < sizeof key && round % 4 == 0; i++)
        key[i] = g_rand_int (rand);
      for (guint i = 0; i < sizeof nonce; i++)
        nonce[i] = g_rand_int (rand);
      for (guint i = 0; i < sizeof ad; i++)
        ad[i] = g_rand_int (rand);
      for (gsize i = 0; i < len; i++)
        in[i] = g_rand_int (rand);
      srp_aead_seal_nettle (key, nonce, ad, ad_len, in, len, theirs, their_tag);
      srp_aead_seal (aead, key, nonce, ad, ad_len, in, len, ours, tag);
      g_assert_cmpmem (ours, len, theirs, len);
      g_assert_cmpmem (tag, sizeof tag, their_tag, sizeof their_tag);
      /* In place, as srp_session_raw_seal does. */
      memcpy (back, in, len);
      srp_aead_seal (aead, key, nonce, ad, ad_len, back, len, back, tag);
      g_assert_cmpmem (back, len, theirs, len);
      g_assert_true (srp_aead_open (aead, key, nonce, ad, ad_len, theirs, len, back, their_tag));
      g_assert_cmpmem (back, len, in, len);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/aead/rfc-8439-vector", test_rfc_vector);
  g_test_add_func ("/aead/forgeries-refused", test_forgeries_refused);
  g_test_add_func ("/aead/same-as-nettle", test_same_as_nettle);
  return g_test_run ();
}
