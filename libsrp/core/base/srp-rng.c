/* srp-rng.c: xoshiro256** seeded through splitmix64 (Blackman and Vigna).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-rng.h"

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
srp_rng_init (SrpRng *rng, guint64 seed)
{
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&seed);
}

guint64
srp_rng_next (SrpRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

guint64
srp_rng_below (SrpRng *rng, guint64 bound)
{
  /* Rejection sampling: no modulo bias. */
  guint64 limit = G_MAXUINT64 - G_MAXUINT64 % bound;
  guint64 x;

  g_return_val_if_fail (bound > 0, 0);
  do
    x = srp_rng_next (rng);
  while (x >= limit);
  return x % bound;
}

double
srp_rng_double (SrpRng *rng)
{
  return (double) (srp_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

void
srp_rng_fill (SrpRng *rng, guint8 *out, gsize len)
{
  while (len > 0)
    {
      guint64 x = srp_rng_next (rng);
      for (int i = 0; i < 8 && len > 0; i++, len--)
        *out++ = (guint8) (x >> (8 * i));
    }
}

void
srp_rng_shuffle (SrpRng *rng, GPtrArray *array, guint start)
{
  for (guint i = array->len; i > start + 1; i--)
    {
      guint j = start + (guint) srp_rng_below (rng, i - start);
      gpointer tmp = array->pdata[i - 1];

      array->pdata[i - 1] = array->pdata[j];
      array->pdata[j] = tmp;
    }
}

void
srp_rng_shuffle_first (SrpRng *rng, GPtrArray *array, guint n)
{
  /* Fisher-Yates from the front, stopped after n places. */
  for (guint i = 0; i < n && i + 1 < array->len; i++)
    {
      guint j = i + (guint) srp_rng_below (rng, array->len - i);
      gpointer tmp = array->pdata[i];

      array->pdata[i] = array->pdata[j];
      array->pdata[j] = tmp;
    }
}
