/* test-portmap.c: port mapping's pieces without a router: the NAT-PMP/PCP
 * codec against messages written out byte by byte from RFC 6886 and RFC
 * 6887, malformed and random input (rejected, never a crash), the default
 * gateway from a route table, and the PCP/NAT-PMP client against a fake
 * gateway on loopback: garbage dropped and counted, the fallback to
 * NAT-PMP, a refusal, silence, and the deletion when freed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-default-gateway.h"
#include "srp-portmap-codec.h"
#include "srp-portmap.h"

/* ---- the codec ---------------------------------------------------------------------------- */

static void
test_encode_requests (void)
{
  SrpPortmapRequest pcp = {
    .version = SRP_PORTMAP_VERSION_PCP,
    .op = SRP_PORTMAP_OP_MAP,
    .lifetime = 3600,
    .internal_port = 0x1234,
    .external_port = 0x1234,
    .nonce = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
    .client_ip = { 10, 1, 0, 2 },
  };
  SrpPortmapRequest pmp = {
    .version = SRP_PORTMAP_VERSION_NAT_PMP,
    .op = SRP_PORTMAP_OP_MAP,
    .lifetime = 7200,
    .internal_port = 5000,
    .external_port = 5001,
  };
  /* RFC 6887 sections 7.1 and 11.1: header, then the MAP opcode. */
  static const guint8 pcp_want[60] = {
    2, 1, 0, 0, 0, 0, 0x0e, 0x10,                       /* version, MAP, reserved, lifetime */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 0, 2, /* client IP, IPv4-mapped */
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,              /* nonce */
    17, 0, 0, 0, 0x12, 0x34, 0x12, 0x34,                /* UDP, reserved, ports */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, /* suggested external IP: any */
  };
  /* RFC 6886 section 3.3. */
  static const guint8 pmp_want[12] = { 0, 1, 0, 0, 0x13, 0x88, 0x13, 0x89, 0, 0, 0x1c, 0x20 };
  guint8 out[SRP_PORTMAP_MAX];

  g_assert_cmpmem (out, srp_portmap_encode_request (&pcp, out), pcp_want, sizeof pcp_want);
  g_assert_cmpmem (out, srp_portmap_encode_request (&pmp, out), pmp_want, sizeof pmp_want);
  pmp.op = SRP_PORTMAP_OP_ADDRESS;
  g_assert_cmpuint (srp_portmap_encode_request (&pmp, out), ==, 2);
  g_assert_cmpuint (out[0], ==, 0);
  g_assert_cmpuint (out[1], ==, 0);
  /* PCP has no address request; version 1 does not exist here. */
  pcp.op = SRP_PORTMAP_OP_ADDRESS;
  g_assert_cmpuint (srp_portmap_encode_request (&pcp, out), ==, 0);
  pcp.op = SRP_PORTMAP_OP_MAP;
  pcp.version = 1;
  g_assert_cmpuint (srp_portmap_encode_request (&pcp, out), ==, 0);
}

/* A PCP MAP success response, as RFC 6887 lays it out. */
static gsize
pcp_response (guint8 out[SRP_PORTMAP_MAX], guint8 result, const guint8 nonce[12], guint16 iport,
              guint16 eport, const guint8 ip[4], guint32 lifetime)
{
  memset (out, 0, 60);
  out[0] = 2;
  out[1] = 0x80 | 1;
  out[3] = result;
  out[4] = (guint8) (lifetime >> 24), out[5] = (guint8) (lifetime >> 16);
  out[6] = (guint8) (lifetime >> 8), out[7] = (guint8) lifetime;
  out[11] = 42; /* epoch */
  memcpy (out + 24, nonce, 12);
  out[36] = 17;
  out[40] = (guint8) (iport >> 8), out[41] = (guint8) iport;
  out[42] = (guint8) (eport >> 8), out[43] = (guint8) eport;
  out[54] = out[55] = 0xff;
  memcpy (out + 56, ip, 4);
  return 60;
}

/* NAT-PMP answers: the address (12 bytes) and a mapping (16). */
static gsize
pmp_address (guint8 out[16], guint16 result, const guint8 ip[4])
{
  memset (out, 0, 12);
  out[1] = 128;
  out[3] = (guint8) result;
  memcpy (out + 8, ip, 4);
  return 12;
}

static gsize
pmp_map (guint8 out[16], guint16 result, guint16 iport, guint16 eport, guint32 lifetime)
{
  memset (out, 0, 16);
  out[1] = 129;
  out[3] = (guint8) result;
  out[8] = (guint8) (iport >> 8), out[9] = (guint8) iport;
  out[10] = (guint8) (eport >> 8), out[11] = (guint8) eport;
  out[12] = (guint8) (lifetime >> 24), out[13] = (guint8) (lifetime >> 16);
  out[14] = (guint8) (lifetime >> 8), out[15] = (guint8) lifetime;
  return 16;
}

static void
test_decode_responses (void)
{
  static const guint8 nonce[12] = { 9, 9, 9 }, ip[4] = { 198, 51, 101, 20 };
  guint8 buf[SRP_PORTMAP_MAX];
  SrpPortmapResponse r;
  const char *why;
  gsize len;

  len = pcp_response (buf, 0, nonce, 4000, 4001, ip, 1800);
  g_assert_true (srp_portmap_decode_response (buf, len, &r, &why));
  g_assert_cmpuint (r.version, ==, 2);
  g_assert_cmpuint (r.op, ==, 1);
  g_assert_cmpuint (r.result, ==, 0);
  g_assert_cmpuint (r.epoch, ==, 42);
  g_assert_cmpuint (r.lifetime, ==, 1800);
  g_assert_cmpuint (r.internal_port, ==, 4000);
  g_assert_cmpuint (r.external_port, ==, 4001);
  g_assert_true (r.external_ip_is_v4);
  g_assert_cmpmem (r.external_ip, 4, ip, 4);
  g_assert_cmpmem (r.nonce, 12, nonce, 12);
  /* An option after the body (THIRD_PARTY, 16 bytes of data) is fine. */
  buf[60] = 1, buf[61] = 0, buf[62] = 0, buf[63] = 16;
  memset (buf + 64, 0, 16);
  g_assert_true (srp_portmap_decode_response (buf, 80, &r, &why));

  g_assert_true (srp_portmap_decode_response (buf, pmp_address (buf, 0, ip), &r, &why));
  g_assert_cmpuint (r.version, ==, 0);
  g_assert_cmpuint (r.op, ==, 0);
  g_assert_cmpmem (r.external_ip, 4, ip, 4);
  g_assert_true (srp_portmap_decode_response (buf, pmp_map (buf, 0, 4000, 4002, 7200), &r, &why));
  g_assert_cmpuint (r.op, ==, 1);
  g_assert_cmpuint (r.external_port, ==, 4002);
  g_assert_cmpuint (r.lifetime, ==, 7200);
  /* A NAT-PMP router's answer to a PCP request: the bare header, result 1. */
  memset (buf, 0, 8);
  buf[1] = 129;
  buf[3] = 1;
  g_assert_true (srp_portmap_decode_response (buf, 8, &r, &why));
  g_assert_cmpuint (r.result, ==, SRP_PORTMAP_RESULT_UNSUPPORTED_VERSION);
  g_assert_false (r.has_body);
  g_assert_cmpstr (srp_portmap_result_string (0, 1), ==, "unsupported version");
  g_assert_cmpstr (srp_portmap_result_string (2, 2), ==, "not authorized");
  g_assert_cmpstr (srp_portmap_result_string (2, 200), ==, "unknown result code");
}

static void
assert_rejected (const guint8 *data, gsize len, const char *what)
{
  SrpPortmapResponse r;
  const char *why = NULL;

  if (srp_portmap_decode_response (data, len, &r, &why))
    g_error ("%s (%" G_GSIZE_FORMAT " bytes) was accepted", what, len);
  g_assert_nonnull (why);
}

static void
test_decode_malformed (void)
{
  static const guint8 nonce[12] = { 1 }, ip[4] = { 198, 51, 101, 20 };
  guint8 buf[SRP_PORTMAP_MAX + 8], copy[SRP_PORTMAP_MAX + 8];
  g_autoptr (GRand) rand = g_rand_new_with_seed (16);
  gsize len;

  /* Every cut of a success response is rejected. */
  len = pcp_response (buf, 0, nonce, 4000, 4001, ip, 1800);
  for (gsize cut = 0; cut < len; cut++)
    assert_rejected (buf, cut, "a cut PCP response");
  len = pmp_map (buf, 0, 4000, 4001, 60);
  for (gsize cut = 0; cut < len; cut++)
    assert_rejected (buf, cut, "a cut NAT-PMP mapping");
  len = pmp_address (buf, 0, ip);
  for (gsize cut = 0; cut < len; cut++)
    assert_rejected (buf, cut, "a cut NAT-PMP address");

  /* One field wrong at a time. */
  len = pcp_response (buf, 0, nonce, 4000, 4001, ip, 1800);
  memcpy (copy, buf, len);
  copy[0] = 1;
  assert_rejected (copy, len, "PCP version 1");
  memcpy (copy, buf, len);
  copy[1] = 1;
  assert_rejected (copy, len, "a PCP request");
  memcpy (copy, buf, len);
  copy[1] = 0x80 | 2;
  assert_rejected (copy, len, "a PCP PEER response");
  memcpy (copy, buf, len);
  copy[36] = 6;
  assert_rejected (copy, len, "a PCP mapping for TCP");
  memcpy (copy, buf, len);
  copy[42] = copy[43] = 0;
  assert_rejected (copy, len, "a PCP mapping to port 0");
  memcpy (copy, buf, len);
  copy[60] = 1, copy[63] = 200;
  assert_rejected (copy, len + 4, "a PCP option longer than the message");
  assert_rejected (copy, len + 2, "a PCP message not a multiple of 4");
  memset (copy, 0, sizeof copy);
  copy[0] = 2, copy[1] = 0x81;
  assert_rejected (copy, SRP_PORTMAP_MAX + 4, "a PCP message above 1,100 bytes");
  len = pmp_map (buf, 0, 4000, 4001, 60);
  memcpy (copy, buf, len);
  copy[1] = 1;
  assert_rejected (copy, len, "a NAT-PMP request");
  copy[1] = 130;
  assert_rejected (copy, len, "a NAT-PMP TCP mapping (never asked)");
  memcpy (copy, buf, len);
  assert_rejected (copy, len + 1, "a NAT-PMP mapping one byte long");
  copy[10] = copy[11] = 0;
  assert_rejected (copy, len, "a NAT-PMP mapping to port 0");
  copy[0] = 7;
  assert_rejected (copy, len, "version 7");

  /* Random datagrams, and random mutations of valid ones: whatever is
   * accepted is one of the two versions, and nothing crashes. */
  for (guint i = 0; i < 20000; i++)
    {
      SrpPortmapResponse r;
      const char *why;
      gsize n = g_rand_int_range (rand, 0, 96);

      if (i % 2 == 0)
        for (gsize k = 0; k < n; k++)
          buf[k] = (guint8) g_rand_int (rand);
      else
        {
          n = i % 4 == 1 ? pcp_response (buf, 0, nonce, 4000, 4001, ip, 1800)
                         : pmp_map (buf, 0, 4000, 4001, 60);
          buf[g_rand_int_range (rand, 0, (gint32) n)] ^= (guint8) (1 << g_rand_int_range (rand, 0, 8));
        }
      if (srp_portmap_decode_response (buf, n, &r, &why))
        g_assert_true (r.version == 0 || r.version == 2);
      else
        g_assert_nonnull (why);
    }
}

/* ---- the default gateway ------------------------------------------------------------------ */

static void
test_default_gateway (void)
{
  /* Two default routes (the lower metric wins) and a LAN route. */
  static const char table[] =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
    "eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
    "eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n";
  static const char none[] =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
    "garbage line\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) gateway = srp_default_gateway_ipv4 (table, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  text = g_inet_address_to_string (gateway);
  g_assert_cmpstr (text, ==, "10.0.0.1");
  g_assert_null (srp_default_gateway_ipv4 (none, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "No IPv4 default gateway"));
}

/* ---- the client against a fake gateway ---------------------------------------------------- */

typedef enum {
  FAKE_GARBAGE_THEN_PCP,    /* three malformed datagrams, then the mapping */
  FAKE_NAT_PMP_ONLY,        /* answers PCP with version 0 "unsupported version" */
  FAKE_REFUSES,             /* PCP, NOT_AUTHORIZED */
  FAKE_SILENT,
  FAKE_REBOOTS,             /* PCP, 2 s leases; epoch 1000, then 3 from the renewal on */
} FakeMode;

typedef struct {
  FakeMode mode;
  GSocket *socket;
  GSource *source;
  guint requests, deletes;
  guint8 last_version;
  SrpPortmapStatus status;  /* the last the client reported (external not kept) */
  gboolean reported;
  char *problem;
  char *external;
  char *protocol;
} Fake;

static const guint8 fake_ip[4] = { 198, 51, 101, 20 };

static gboolean
on_fake_request (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Fake *fake = user_data;
  guint8 in[SRP_PORTMAP_MAX], out[SRP_PORTMAP_MAX];
  g_autoptr (GSocketAddress) from = NULL;
  gssize n = g_socket_receive_from (socket, &from, (char *) in, sizeof in, NULL, NULL);
  static const guint8 garbage[3][5] = { { 2 }, { 0, 0x81, 0, 0, 1 }, { 9, 9, 9, 9, 9 } };

  (void) condition;
  if (n < 2)
    return G_SOURCE_CONTINUE;
  fake->last_version = in[0];
  if ((in[0] == 2 && n == 60 && in[4] == 0 && in[5] == 0 && in[6] == 0 && in[7] == 0) ||
      (in[0] == 0 && n == 12 && in[1] == 1 && in[8] == 0 && in[9] == 0 && in[10] == 0 && in[11] == 0))
    {
      fake->deletes++;
      return G_SOURCE_CONTINUE;
    }
  fake->requests++;
  switch (fake->mode)
    {
    case FAKE_GARBAGE_THEN_PCP:
      for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
        g_socket_send_to (socket, from, (const char *) garbage[i], sizeof garbage[i], NULL, NULL);
      /* One with the wrong nonce too: dropped as an answer to another request. */
      {
        guint8 other[12] = { 0xee };
        gsize len = pcp_response (out, 0, other, (guint16) (in[40] << 8 | in[41]), 4001, fake_ip, 120);
        g_socket_send_to (socket, from, (const char *) out, len, NULL, NULL);
      }
      g_socket_send_to (socket, from, (const char *) out,
                        pcp_response (out, 0, in + 24, (guint16) (in[40] << 8 | in[41]), 4001,
                                      fake_ip, 120),
                        NULL, NULL);
      break;
    case FAKE_NAT_PMP_ONLY:
      if (in[0] != 0)
        {
          memset (out, 0, 8);
          out[1] = 128 + in[1];
          out[3] = 1;
          g_socket_send_to (socket, from, (const char *) out, 8, NULL, NULL);
        }
      else if (in[1] == 0)
        g_socket_send_to (socket, from, (const char *) out, pmp_address (out, 0, fake_ip), NULL, NULL);
      else
        g_socket_send_to (socket, from, (const char *) out,
                          pmp_map (out, 0, (guint16) (in[4] << 8 | in[5]), 4003, 7200), NULL, NULL);
      break;
    case FAKE_REFUSES:
      g_socket_send_to (socket, from, (const char *) out,
                        pcp_response (out, 2, in + 24, (guint16) (in[40] << 8 | in[41]), 0,
                                      fake_ip, 0),
                        NULL, NULL);
      break;
    case FAKE_SILENT:
      break;
    case FAKE_REBOOTS:
      {
        gsize len = pcp_response (out, 0, in + 24, (guint16) (in[40] << 8 | in[41]), 4001,
                                  fake_ip, 2);
        guint32 epoch = fake->requests == 1 ? 1000 : 3;

        out[8] = (guint8) (epoch >> 24), out[9] = (guint8) (epoch >> 16);
        out[10] = (guint8) (epoch >> 8), out[11] = (guint8) epoch;
        g_socket_send_to (socket, from, (const char *) out, len, NULL, NULL);
      }
      break;
    }
  return G_SOURCE_CONTINUE;
}

static void
on_status (const SrpPortmapStatus *status, gpointer user_data)
{
  Fake *fake = user_data;

  fake->reported = TRUE;
  fake->status = *status;
  g_clear_pointer (&fake->problem, g_free);
  g_clear_pointer (&fake->external, g_free);
  g_clear_pointer (&fake->protocol, g_free);
  fake->problem = g_strdup (status->problem);
  fake->protocol = g_strdup (status->protocol);
  if (status->external != NULL)
    fake->external = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (status->external));
}

static GInetSocketAddress *
fake_start (Fake *fake, FakeMode mode)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GError) error = NULL;

  memset (fake, 0, sizeof *fake);
  fake->mode = mode;
  fake->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (fake->socket, FALSE);
  g_assert_true (g_socket_bind (fake->socket, any, FALSE, &error));
  fake->source = g_socket_create_source (fake->socket, G_IO_IN, NULL);
  g_source_set_callback (fake->source, G_SOURCE_FUNC (on_fake_request), fake, NULL);
  g_source_attach (fake->source, NULL);
  return G_INET_SOCKET_ADDRESS (g_socket_get_local_address (fake->socket, &error));
}

static void
fake_stop (Fake *fake)
{
  g_source_destroy (fake->source);
  g_source_unref (fake->source);
  g_object_unref (fake->socket);
  g_free (fake->problem);
  g_free (fake->external);
  g_free (fake->protocol);
}

static void
run_until_reported (Fake *fake, gint64 limit_us)
{
  gint64 until = g_get_monotonic_time () + limit_us;

  fake->reported = FALSE;
  while (!fake->reported && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (fake->reported);
}

/* Lets the client's last datagrams reach the fake. */
static void
drain (void)
{
  gint64 until = g_get_monotonic_time () + 100 * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (5000);
}

static void
test_client_garbage_then_mapping (void)
{
  Fake fake;
  g_autoptr (GInetSocketAddress) server = fake_start (&fake, FAKE_GARBAGE_THEN_PCP);
  SrpPortmapPcp *pcp = srp_portmap_pcp_new (g_main_context_default (), server, 4000, TRUE, TRUE, on_status, &fake, NULL);

  g_assert_nonnull (pcp);
  run_until_reported (&fake, G_USEC_PER_SEC);
  g_assert_true (fake.status.mapped);
  g_assert_cmpstr (fake.protocol, ==, "pcp");
  g_assert_cmpstr (fake.external, ==, "198.51.101.20:4001");
  g_assert_cmpuint (fake.status.lifetime_s, ==, 120);
  /* Three malformed, one for another nonce: dropped, counted. */
  g_assert_cmpuint (srp_portmap_pcp_get_bad_responses (pcp), ==, 4);
  srp_portmap_pcp_free (pcp);
  drain ();
  g_assert_cmpuint (fake.deletes, ==, 1);
  fake_stop (&fake);
}

static void
test_client_nat_pmp_fallback (void)
{
  Fake fake;
  g_autoptr (GInetSocketAddress) server = fake_start (&fake, FAKE_NAT_PMP_ONLY);
  SrpPortmapPcp *pcp = srp_portmap_pcp_new (g_main_context_default (), server, 4000, TRUE, TRUE, on_status, &fake, NULL);

  run_until_reported (&fake, G_USEC_PER_SEC);
  g_assert_true (fake.status.mapped);
  g_assert_cmpstr (fake.protocol, ==, "nat-pmp");
  g_assert_cmpstr (fake.external, ==, "198.51.101.20:4003");
  g_assert_cmpuint (fake.status.lifetime_s, ==, 7200);
  g_assert_cmpuint (srp_portmap_pcp_get_bad_responses (pcp), ==, 0);
  srp_portmap_pcp_free (pcp);
  drain ();
  g_assert_cmpuint (fake.deletes, ==, 1);
  g_assert_cmpuint (fake.last_version, ==, 0);
  fake_stop (&fake);

  /* With NAT-PMP switched off, the version-0 answer is the end. */
  server = (g_object_unref (server), fake_start (&fake, FAKE_NAT_PMP_ONLY));
  pcp = srp_portmap_pcp_new (g_main_context_default (), server, 4000, TRUE, FALSE, on_status, &fake, NULL);
  run_until_reported (&fake, G_USEC_PER_SEC);
  g_assert_false (fake.status.mapped);
  g_assert_nonnull (strstr (fake.problem, "NAT-PMP only"));
  srp_portmap_pcp_free (pcp);
  fake_stop (&fake);
}

static void
test_client_refused_and_silent (void)
{
  Fake fake;
  g_autoptr (GInetSocketAddress) server = fake_start (&fake, FAKE_REFUSES);
  SrpPortmapPcp *pcp = srp_portmap_pcp_new (g_main_context_default (), server, 4000, TRUE, TRUE, on_status, &fake, NULL);
  gint64 start;

  run_until_reported (&fake, G_USEC_PER_SEC);
  g_assert_false (fake.status.mapped);
  g_assert_cmpstr (fake.problem, ==, "the gateway refused the mapping (PCP: not authorized)");
  srp_portmap_pcp_free (pcp);
  fake_stop (&fake);

  /* Four sends, 250 ms doubling: 3.75 s, then the reason. */
  server = (g_object_unref (server), fake_start (&fake, FAKE_SILENT));
  start = g_get_monotonic_time ();
  pcp = srp_portmap_pcp_new (g_main_context_default (), server, 4000, TRUE, TRUE, on_status, &fake, NULL);
  run_until_reported (&fake, 6 * G_USEC_PER_SEC);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 3700 * 1000);
  g_assert_cmpuint (fake.requests, ==, 4);
  g_assert_nonnull (strstr (fake.problem, "no PCP or NAT-PMP answer from the gateway 127.0.0.1"));
  g_assert_nonnull (strstr (fake.problem, "within 3.75 s"));
  srp_portmap_pcp_free (pcp);
  fake_stop (&fake);
}

static void
test_epoch_rule (void)
{
  /* Steady: the server's clock kept pace with ours (a little slower). */
  g_assert_false (srp_portmap_epoch_lost (1000, 50, 1060, 110));
  g_assert_false (srp_portmap_epoch_lost (1000, 50, 1000 + 60 * 7 / 8 - 2, 110));
  /* Back by a second is slack; by more, a restart. */
  g_assert_false (srp_portmap_epoch_lost (1000, 50, 999, 50));
  g_assert_true (srp_portmap_epoch_lost (1000, 50, 998, 50));
  g_assert_true (srp_portmap_epoch_lost (1000, 50, 3, 52));
  /* Forward, but by less than 7/8 of our time less 2 s: restarted and
   * up again for a while. */
  g_assert_true (srp_portmap_epoch_lost (1000, 50, 1000 + 60 * 7 / 8 - 3, 110));
  g_assert_true (srp_portmap_epoch_lost (10, 0, 20, 3600));
  /* Our clock going back (it is monotonic: never) changes nothing. */
  g_assert_false (srp_portmap_epoch_lost (1000, 50, 1000, 40));
}

/* The renewal's answer says the router restarted (epoch 1000 -> 3): the
 * client maps again at once and reports the mapping again, although its
 * address is the same (without the rule it would say nothing and wait for
 * the next renewal). */
static void
test_client_router_restart (void)
{
  Fake fake;
  g_autoptr (GInetSocketAddress) server = fake_start (&fake, FAKE_REBOOTS);
  SrpPortmapPcp *pcp = srp_portmap_pcp_new (g_main_context_default (), server, 4000, TRUE, TRUE, on_status, &fake, NULL);
  gint64 start;

  run_until_reported (&fake, G_USEC_PER_SEC);
  g_assert_true (fake.status.mapped);
  g_assert_cmpuint (fake.requests, ==, 1);
  start = g_get_monotonic_time ();
  run_until_reported (&fake, 4 * G_USEC_PER_SEC);
  /* The renewal at 2 s (half of 2 s, at least 2 s), then at once the new MAP. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_true (fake.status.mapped);
  g_assert_cmpstr (fake.external, ==, "198.51.101.20:4001");
  g_assert_cmpuint (fake.requests, ==, 3);
  g_assert_cmpuint (srp_portmap_pcp_get_epoch_resets (pcp), ==, 1);
  srp_portmap_pcp_free (pcp);
  drain ();
  g_assert_cmpuint (fake.deletes, ==, 1);
  fake_stop (&fake);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/portmap/codec/encode", test_encode_requests);
  g_test_add_func ("/portmap/codec/decode", test_decode_responses);
  g_test_add_func ("/portmap/codec/malformed", test_decode_malformed);
  g_test_add_func ("/portmap/default-gateway", test_default_gateway);
  g_test_add_func ("/portmap/client/garbage-then-mapping", test_client_garbage_then_mapping);
  g_test_add_func ("/portmap/client/nat-pmp-fallback", test_client_nat_pmp_fallback);
  g_test_add_func ("/portmap/client/refused-and-silent", test_client_refused_and_silent);
  g_test_add_func ("/portmap/epoch-rule", test_epoch_rule);
  g_test_add_func ("/portmap/client/router-restart", test_client_router_restart);
  return g_test_run ();
}
