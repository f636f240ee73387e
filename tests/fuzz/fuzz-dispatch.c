/* fuzz-dispatch.c: libFuzzer target for a whole core: every frame kind the
 * network can send, from strangers and from authenticated links alike.
 *
 * Each input makes a fresh core with two links made by hand (A and B, as if
 * their handshakes had completed) and one subscription, and is read as
 * records (link B's frames are sealed: it has a session, fuzz-session.h;
 * A's go in clear, so that every handler is reached): SELECT (1 byte), LENGTH (2, big-endian), that many bytes of
 * datagram (the last record takes what is left). SELECT's low two bits pick
 * the sender (link A, link B, a stranger, a second stranger), bit 2 the
 * probe socket, and bits 3-7 how many 50 ms steps of virtual time pass
 * before the datagram arrives (timers fire). Everything the core sends is
 * drained and checked:
 *   - no datagram is longer than SRP_MAX_DATAGRAM;
 *   - to an address that is neither a link nor one that sent us something
 *     (one a link named: peer exchange, introductions) only handshakes and
 *     hole-punching probes go, and NAT probes to a link's own IP (its
 *     other socket);
 *   - to such an address it sends at most 3 times what it received from it
 *     (no amplification), plus one datagram's worth of slack;
 *   - stats and state export work whatever happened, and the core frees
 *     everything (AddressSanitizer checks).
 *
 * gen-corpus writes the seed corpus (corpus-dispatch/): one valid frame of
 * each kind from a link, and a few from strangers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "fuzz-check.h"
#include "fuzz-session.h"
#include "srp-control-lan.h"
#include "srp-core-internal.h"
#include "srp-core.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define STEP_US (50 * 1000)

typedef struct {
  SrpAddress address;
  guint64 received; /* bytes it sent us */
  guint64 sent;     /* bytes we sent it */
} Source;

static gboolean
sign (const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN], gpointer user_data)
{
  /* The signature is never checked here (no peer verifies it): any bytes. */
  memset (signature, 0x5a, SRP_SIGNATURE_LEN);
  return TRUE;
}

static void
make_address (guint8 last, SrpAddress *out)
{
  guint8 ip[4] = { 192, 0, 2, last };

  srp_address_init_ipv4 (out, ip, 4000);
}

static void
drain (SrpCore *core, Source *sources, guint n_sources)
{
  SrpTransmit t;
  SrpCoreEvent event;

  while (srp_core_poll_transmit (core, &t))
    {
      SrpContext *ctx = srp_core_get_context (core);
      gboolean known = srp_link_table_lookup_address (ctx->links, &t.to) != NULL;

      check (t.len <= SRP_MAX_DATAGRAM, "no datagram over SRP_MAX_DATAGRAM");
      for (guint i = 0; i < n_sources && !known; i++)
        if (srp_address_equal (&sources[i].address, &t.to))
          {
            sources[i].sent += t.len;
            check (sources[i].sent <= 3 * sources[i].received + SRP_MAX_DATAGRAM,
                   "at most three times back what a stranger sent");
            known = TRUE;
          }
      /* Links may name addresses (peer exchange, introductions): those get
       * handshakes and punches, and a link's own IP a NAT probe. */
      if (!known && t.data[3] == SRP_FRAME_PROBE)
        for (guint i = 0; i < 2; i++)
          known = known || srp_address_same_ip (&sources[i].address, &t.to);
      /* LAN discovery announces to its multicast groups. */
      if (!known && t.data[3] == SRP_FRAME_ANNOUNCE)
        {
          SrpAddress v4, v6;

          srp_lan_group (SRP_ADDRESS_FAMILY_IPV4, &v4);
          srp_lan_group (SRP_ADDRESS_FAMILY_IPV6, &v6);
          known = srp_address_equal (&t.to, &v4) || srp_address_equal (&t.to, &v6);
        }
      check (known || t.data[3] == SRP_FRAME_HELLO || t.data[3] == SRP_FRAME_PUNCH,
             "only handshakes, punches and NAT probes to an address a link named");
    }
  while (srp_core_poll_event (core, &event))
    srp_core_event_clear (&event);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  SrpCoreConfig config;
  SrpCore *core;
  SrpContext *ctx;
  Source sources[4];
  guint8 challenge[SRP_CHALLENGE_LEN] = { 1 };
  gint64 now = G_USEC_PER_SEC;
  SrpId topic;
  gsize pos = 0;

  srp_core_config_init (&config);
  config.seed = 1;
  memset (config.peer_id.bytes, 0xcc, SRP_ID_LEN);
  config.sign = sign;
  /* Small bounds, so that inputs reach them. */
  config.peer_capacity = 8;
  config.prefix_limit = 4;
  config.cache_budget = 16 * 1024;
  config.reassembly_max_bytes = 8 * 1024;
  config.relay_circuits = 1;
  config.relay_bytes = 4096;
  config.remembered_ids = 256;
  core = srp_core_new (&config);
  ctx = srp_core_get_context (core);
  ctx->now = now;
  for (guint i = 0; i < 4; i++)
    {
      make_address ((guint8) (i + 1), &sources[i].address);
      sources[i].received = sources[i].sent = 0;
    }
  for (guint i = 0; i < 2; i++)
    {
      SrpId id;

      memset (id.bytes, 0xa0 + i, SRP_ID_LEN);
      srp_peer_table_make_room (ctx->peers, &sources[i].address, SRP_ADMIT_HANDSHAKE);
      srp_context_open_sealed_link (ctx, &id, &sources[i].address, SRP_NAT_PUBLIC, challenge,
                                    challenge, -1, i == 1 ? fuzz_session_b (TRUE) : NULL);
    }
  /* On the senders' /24, with LAN discovery on: a stranger's ANNOUNCE
   * brings a handshake. */
  {
    SrpAddress local;

    make_address (200, &local);
    srp_core_add_local_address (core, &local);
    srp_core_set_local_port (core, 4000);
    srp_core_set_lan_discovery (core, now, TRUE);
  }
  srp_topic_id_from_name ("fuzz", &topic);
  srp_core_subscribe (core, now, &topic);
  drain (core, sources, 4);

  while (pos + 3 <= size)
    {
      guint8 select = data[pos];
      gsize len = (gsize) data[pos + 1] << 8 | data[pos + 2];
      Source *from = &sources[select & 3];

      pos += 3;
      len = MIN (len, size - pos);
      now += (gint64) (select >> 3) * STEP_US;
      srp_core_handle_timeout (core, now);
      drain (core, sources, 4);
      from->received += len;
      srp_core_handle_datagram (core, now, (select & 4) ? 1 : 0, &from->address, data + pos,
                                len);
      drain (core, sources, 4);
      pos += len;
    }
  /* A minute later every timer that was armed has had its say. */
  srp_core_handle_timeout (core, now + 60 * G_USEC_PER_SEC);
  drain (core, sources, 4);
  g_variant_unref (g_variant_ref_sink (srp_core_get_stats (core)));
  g_variant_unref (g_variant_ref_sink (srp_core_export_state (core, now)));
  srp_core_free (core);
  return 0;
}
