/* srp-mesh-cookie.c: stateless cookies, for a responder under load.
 *
 * A HELLO costs its responder a signature and a key exchange. Answering
 * every HELLO of a flood from spoofed sources would spend the responder
 * on addresses that never see the answer, and fill its half-open table
 * with them. So when the answers run past a budget (SRP_MESH_COSTLY_*), or
 * half the half-open places are taken, a HELLO without a cookie gets
 * COOKIE instead: a MAC of its source address and challenge under a secret
 * that rotates every two minutes (WireGuard's cookie reply, QUIC's Retry).
 * Nothing is kept; the COOKIE is smaller than the HELLO. Only a source that
 * receives at its address can say HELLO again with the cookie, and only
 * then does the responder sign, exchange keys and keep state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-mesh-private.h"

#include "srp-codec.h"

#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <string.h>

#define COOKIE_ROTATE_US (2 * G_TIME_SPAN_MINUTE)

static const SrpTokenRate costly_rate = { .burst = SRP_MESH_COSTLY_BURST,
                                          .per_second = SRP_MESH_COSTLY_PER_SECOND };

void
srp_mesh_cookie_init (SrpMesh *mesh)
{
  srp_token_bucket_init (&mesh->costly, &costly_rate, mesh->ctx->now);
  mesh->signed_for = srp_source_ledger_new (SRP_MESH_SIGNED_LEDGER, SRP_MESH_SIGNED_WINDOW_US);
  mesh->cookie_rotate_at = G_MININT64;
}

static void
rotate (SrpMesh *mesh)
{
  SrpContext *ctx = mesh->ctx;

  if (ctx->now < mesh->cookie_rotate_at)
    return;
  memcpy (mesh->cookie_previous, mesh->cookie_secret, sizeof mesh->cookie_secret);
  srp_rng_fill (&ctx->rng, mesh->cookie_secret, sizeof mesh->cookie_secret);
  mesh->cookie_rotate_at = ctx->now + COOKIE_ROTATE_US;
}

static void
cookie_of (const guint8 secret[SRP_MESH_COOKIE_SECRET_LEN], const SrpAddress *from,
           const guint8 challenge[SRP_CHALLENGE_LEN], guint8 out[SRP_COOKIE_LEN])
{
  struct hmac_sha256_ctx mac;
  guint8 address[32], digest[SHA256_DIGEST_SIZE];
  SrpWriter w;

  srp_writer_init (&w, address, sizeof address);
  srp_writer_address (&w, from);
  hmac_sha256_set_key (&mac, SRP_MESH_COOKIE_SECRET_LEN, secret);
  hmac_sha256_update (&mac, w.len, address);
  hmac_sha256_update (&mac, SRP_CHALLENGE_LEN, challenge);
  hmac_sha256_digest (&mac, sizeof digest, digest);
  memcpy (out, digest, SRP_COOKIE_LEN);
}

static gboolean
cookie_valid (SrpMesh *mesh, const SrpAddress *from, const SrpHello *hello)
{
  guint8 expect[SRP_COOKIE_LEN];

  if (!(hello->flags & SRP_HELLO_FLAG_COOKIE))
    return FALSE;
  cookie_of (mesh->cookie_secret, from, hello->challenge, expect);
  if (memeql_sec (expect, hello->cookie, SRP_COOKIE_LEN))
    return TRUE;
  cookie_of (mesh->cookie_previous, from, hello->challenge, expect);
  return memeql_sec (expect, hello->cookie, SRP_COOKIE_LEN);
}

/* One source: the same IPv4 address, or the same IPv6 /64 (what one
 * subscriber line or host gets). */
static gboolean
same_source (const SrpAddress *a, const SrpAddress *b)
{
  if (a->family != b->family)
    return FALSE;
  if (a->family == SRP_ADDRESS_FAMILY_IPV6)
    return memcmp (a->bytes, b->bytes, 8) == 0;
  return srp_address_same_ip (a, b);
}

/* Half-open handshakes from from's source at other ports (a HELLO sent
 * again from the same port finds its own). */
static guint
half_open_from (SrpMesh *mesh, const SrpAddress *from)
{
  guint n = 0;

  for (guint i = 0; i < mesh->incoming->len; i++)
    {
      const IncomingHandshake *h = g_ptr_array_index (mesh->incoming, i);

      n += same_source (&h->address, from) && !srp_address_equal (&h->address, from);
    }
  return n;
}

gboolean
srp_mesh_cookie_admits (SrpMesh *mesh, const SrpInput *input, const SrpHello *hello)
{
  SrpContext *ctx = mesh->ctx;
  SrpCookie cookie;
  guint8 out[SRP_MAX_DATAGRAM];
  gboolean proven, loaded, relayed = srp_address_is_relay (input->from);
  guint granted;

  rotate (mesh);
  proven = cookie_valid (mesh, input->from, hello);
  /* A relay address is a link's: the relay proved itself, and the peer
   * behind it cannot be reached but through it. */
  if (relayed)
    proven = TRUE;
  loaded = mesh->incoming->len >= SRP_MESH_MAX_INCOMING / 2;
  granted = relayed ? 0 : srp_source_ledger_count (mesh->signed_for, ctx->now, input->from);
  /* A flood from sources that do receive (no spoofing: they echo the
   * cookies) would take every half-open place and the whole signing
   * budget, and newcomers would wait for it to end. Under load, a source
   * that holds its share gets nothing more, not even a cookie: no more
   * half-open places, and no more signatures than its share of the window.
   * From many addresses the flood would still take each signature the
   * moment the budget refills, and a newcomer's echo would find none: so a
   * source that had a signature lately takes only from the upper half of
   * the bucket, and the lower half waits for sources that had none. */
  if (loaded && !relayed &&
      (half_open_from (mesh, input->from) >= SRP_MESH_HALF_OPEN_PER_SOURCE ||
       granted >= SRP_MESH_SIGNED_PER_SOURCE ||
       (granted > 0 &&
        !srp_token_bucket_holds (&mesh->costly, &costly_rate, ctx->now, SRP_MESH_COSTLY_BURST / 2 + 1))))
    {
      srp_context_drop (ctx, SRP_DROP_RATE_LIMITED);
      return FALSE;
    }
  if ((proven || !loaded) && srp_token_bucket_take (&mesh->costly, &costly_rate, ctx->now, 1.0))
    {
      if (!relayed)
        srp_source_ledger_add (mesh->signed_for, ctx->now, input->from);
      return TRUE;
    }
  if (proven)
    {
      /* Sources that do receive, past the budget: they try again later. */
      srp_context_drop (ctx, SRP_DROP_RATE_LIMITED);
      return FALSE;
    }
  memcpy (cookie.echo, hello->challenge, SRP_CHALLENGE_LEN);
  cookie_of (mesh->cookie_secret, input->from, hello->challenge, cookie.cookie);
  srp_context_send (ctx, input->from, out, srp_cookie_encode (&cookie, out));
  mesh->cookies_sent++;
  return FALSE;
}
