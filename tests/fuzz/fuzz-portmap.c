/* fuzz-portmap.c: libFuzzer target for the NAT-PMP / PCP codec
 * (libsrp/srp-portmap-codec.c), the one part of port mapping that reads
 * what the network sends.
 *
 * The input is decoded as a response; what is accepted must be of one of
 * the two versions, a PCP answer at most 1,100 bytes and a multiple of 4,
 * and a granted mapping never to port 0. Then the input's first bytes
 * fill a request, which must encode within bounds and never decode as a
 * response (requests lack the response bit).
 *
 * Seeds: tests/fuzz/corpus-portmap/ (answers of both protocols).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "fuzz-check.h"
#include "srp-portmap-codec.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  SrpPortmapResponse r;
  SrpPortmapRequest q;
  guint8 out[SRP_PORTMAP_MAX];
  const char *why = NULL;
  gsize len;

  if (srp_portmap_decode_response (data, size, &r, &why))
    {
      check (r.version == SRP_PORTMAP_VERSION_NAT_PMP || r.version == SRP_PORTMAP_VERSION_PCP,
             "an accepted response has a known version");
      check (r.version != SRP_PORTMAP_VERSION_PCP || (size <= SRP_PORTMAP_MAX && size % 4 == 0),
             "an accepted PCP response has a PCP length");
      check (!r.has_body || r.result != 0 || r.lifetime == 0 || r.op != SRP_PORTMAP_OP_MAP ||
               r.external_port != 0,
             "a granted mapping has an external port");
      check (why == NULL, "no reason for an accepted response");
    }
  else
    check (why != NULL, "a rejected response has a reason");

  memset (&q, 0, sizeof q);
  if (size >= 2)
    {
      q.version = data[0] % 3;
      q.op = data[1] % 3;
      memcpy (&q.lifetime, data + 2, MIN (size - 2, sizeof q.lifetime));
    }
  len = srp_portmap_encode_request (&q, out);
  check (len <= SRP_PORTMAP_MAX, "a request fits");
  check (len == 0 || !srp_portmap_decode_response (out, len, &r, &why),
         "a request never reads as a response");
  return 0;
}
