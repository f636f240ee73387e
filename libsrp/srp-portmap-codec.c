/* srp-portmap-codec.c: NAT-PMP and PCP messages (RFC 6886, RFC 6887).
 *
 * Decoding is strict about what the client relies on (lengths, versions,
 * the response bit, the protocol of a MAP, the options' framing) and
 * ignores what it does not (reserved bytes, the options' content), as both
 * RFCs ask of clients.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-portmap-codec.h"

#include <string.h>

#define NAT_PMP_HEADER 8     /* version, op, result, epoch: every response */
#define NAT_PMP_ADDRESS_LEN 12
#define NAT_PMP_MAP_LEN 16
#define PCP_HEADER 24
#define PCP_MAP_BODY 36
#define PCP_RESPONSE_BIT 0x80
#define PROTOCOL_UDP 17

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

static void
put32 (guint8 *p, guint32 v)
{
  put16 (p, (guint16) (v >> 16));
  put16 (p + 2, (guint16) v);
}

static guint16
get16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static guint32
get32 (const guint8 *p)
{
  return (guint32) get16 (p) << 16 | get16 (p + 2);
}

/* PCP carries IPv4 addresses as ::ffff:a.b.c.d. */
static void
put_v4_mapped (guint8 *p, const guint8 v4[4])
{
  memset (p, 0, 10);
  p[10] = p[11] = 0xff;
  memcpy (p + 12, v4, 4);
}

static gboolean
get_v4_mapped (const guint8 *p, guint8 v4[4])
{
  static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  memcpy (v4, p + 12, 4);
  return memcmp (p, prefix, sizeof prefix) == 0;
}

gsize
srp_portmap_encode_request (const SrpPortmapRequest *request, guint8 out[SRP_PORTMAP_MAX])
{
  if (request->version == SRP_PORTMAP_VERSION_NAT_PMP)
    {
      out[0] = 0;
      out[1] = request->op;
      if (request->op == SRP_PORTMAP_OP_ADDRESS)
        return 2;
      if (request->op != SRP_PORTMAP_OP_MAP)
        return 0;
      put16 (out + 2, 0);
      put16 (out + 4, request->internal_port);
      put16 (out + 6, request->external_port);
      put32 (out + 8, request->lifetime);
      return 12;
    }
  if (request->version != SRP_PORTMAP_VERSION_PCP || request->op != SRP_PORTMAP_OP_MAP)
    return 0;
  memset (out, 0, PCP_HEADER + PCP_MAP_BODY);
  out[0] = SRP_PORTMAP_VERSION_PCP;
  out[1] = SRP_PORTMAP_OP_MAP;
  put32 (out + 4, request->lifetime);
  put_v4_mapped (out + 8, request->client_ip);
  memcpy (out + 24, request->nonce, SRP_PORTMAP_NONCE_LEN);
  out[36] = PROTOCOL_UDP;
  put16 (out + 40, request->internal_port);
  put16 (out + 42, request->external_port);
  put_v4_mapped (out + 44, request->external_ip);
  return PCP_HEADER + PCP_MAP_BODY;
}

static gboolean
fail (const char **why, const char *reason)
{
  *why = reason;
  return FALSE;
}

static gboolean
decode_nat_pmp (const guint8 *data, gsize len, SrpPortmapResponse *out, const char **why)
{
  if (len < NAT_PMP_HEADER)
    return fail (why, "NAT-PMP response shorter than its header");
  if (!(data[1] & PCP_RESPONSE_BIT))
    return fail (why, "NAT-PMP request, not a response");
  out->op = data[1] & ~PCP_RESPONSE_BIT;
  out->result = get16 (data + 2);
  out->epoch = get32 (data + 4);
  if (out->op != SRP_PORTMAP_OP_ADDRESS && out->op != SRP_PORTMAP_OP_MAP)
    return fail (why, "NAT-PMP response to an opcode never asked");
  /* An error (such as "unsupported version", the answer to a PCP request)
   * may be the bare header. */
  if (out->result != SRP_PORTMAP_RESULT_SUCCESS && len == NAT_PMP_HEADER)
    return TRUE;
  if (out->op == SRP_PORTMAP_OP_ADDRESS)
    {
      if (len != NAT_PMP_ADDRESS_LEN)
        return fail (why, "NAT-PMP address response of the wrong length");
      memcpy (out->external_ip, data + 8, 4);
      out->external_ip_is_v4 = TRUE;
    }
  else
    {
      if (len != NAT_PMP_MAP_LEN)
        return fail (why, "NAT-PMP mapping response of the wrong length");
      out->internal_port = get16 (data + 8);
      out->external_port = get16 (data + 10);
      out->lifetime = get32 (data + 12);
      if (out->result == SRP_PORTMAP_RESULT_SUCCESS && out->lifetime != 0 &&
          out->external_port == 0)
        return fail (why, "NAT-PMP mapping to external port 0");
    }
  out->has_body = TRUE;
  return TRUE;
}

/* Options follow the body: CODE (1), reserved (1), LENGTH (2), data padded
 * to 4 bytes. Their content means nothing to this client, but a frame
 * whose options overrun it is no PCP message. */
static gboolean
check_options (const guint8 *p, gsize len)
{
  gsize at = 0;

  while (at < len)
    {
      gsize option_len;

      if (len - at < 4)
        return FALSE;
      option_len = get16 (p + at + 2);
      option_len = (option_len + 3) & ~(gsize) 3;
      if (option_len > len - at - 4)
        return FALSE;
      at += 4 + option_len;
    }
  return TRUE;
}

static gboolean
decode_pcp (const guint8 *data, gsize len, SrpPortmapResponse *out, const char **why)
{
  if (len < PCP_HEADER)
    return fail (why, "PCP response shorter than its header");
  if (len > SRP_PORTMAP_MAX || len % 4 != 0)
    return fail (why, "PCP response of a length no PCP message has");
  if (!(data[1] & PCP_RESPONSE_BIT))
    return fail (why, "PCP request, not a response");
  out->op = data[1] & ~PCP_RESPONSE_BIT;
  out->result = data[3];
  out->lifetime = get32 (data + 4);
  out->epoch = get32 (data + 8);
  if (out->op != SRP_PORTMAP_OP_MAP)
    return fail (why, "PCP response to an opcode never asked");
  if (len == PCP_HEADER && out->result != SRP_PORTMAP_RESULT_SUCCESS)
    return TRUE;
  if (len < PCP_HEADER + PCP_MAP_BODY)
    return fail (why, "PCP MAP response shorter than its body");
  if (!check_options (data + PCP_HEADER + PCP_MAP_BODY, len - PCP_HEADER - PCP_MAP_BODY))
    return fail (why, "PCP options overrun the message");
  memcpy (out->nonce, data + 24, SRP_PORTMAP_NONCE_LEN);
  if (data[36] != PROTOCOL_UDP)
    return fail (why, "PCP MAP response for another protocol than UDP");
  out->internal_port = get16 (data + 40);
  out->external_port = get16 (data + 42);
  out->external_ip_is_v4 = get_v4_mapped (data + 44, out->external_ip);
  if (out->result == SRP_PORTMAP_RESULT_SUCCESS && out->lifetime != 0 &&
      out->external_port == 0)
    return fail (why, "PCP mapping to external port 0");
  out->has_body = TRUE;
  return TRUE;
}

gboolean
srp_portmap_decode_response (const guint8 *data, gsize len, SrpPortmapResponse *out,
                             const char **why)
{
  memset (out, 0, sizeof *out);
  *why = NULL;
  if (len == 0)
    return fail (why, "empty datagram");
  out->version = data[0];
  if (data[0] == SRP_PORTMAP_VERSION_NAT_PMP)
    return decode_nat_pmp (data, len, out, why);
  if (data[0] == SRP_PORTMAP_VERSION_PCP)
    return decode_pcp (data, len, out, why);
  return fail (why, "neither NAT-PMP (version 0) nor PCP (version 2)");
}

const char *
srp_portmap_result_string (guint8 version, guint16 result)
{
  static const char *const nat_pmp[] = {
    "success", "unsupported version", "not authorized or refused", "network failure",
    "out of resources", "unsupported opcode",
  };
  static const char *const pcp[] = {
    "success", "unsupported version", "not authorized", "malformed request",
    "unsupported opcode", "unsupported option", "malformed option", "network failure",
    "no resources", "unsupported protocol", "user exceeded quota",
    "cannot provide the external address or port", "address mismatch",
    "excessive remote peers",
  };

  if (version == SRP_PORTMAP_VERSION_NAT_PMP && result < G_N_ELEMENTS (nat_pmp))
    return nat_pmp[result];
  if (version == SRP_PORTMAP_VERSION_PCP && result < G_N_ELEMENTS (pcp))
    return pcp[result];
  return "unknown result code";
}

gboolean
srp_portmap_epoch_lost (guint32 prev_epoch, gint64 prev_now_s, guint32 epoch, gint64 now_s)
{
  gint64 client_delta = MAX (now_s - prev_now_s, 0);

  if ((gint64) epoch + 1 < (gint64) prev_epoch)
    return TRUE;
  return (gint64) epoch + 2 < (gint64) prev_epoch + client_delta * 7 / 8;
}
