/* srp-control.c: encoding and strict decoding of control messages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-control.h"

#include "srp-codec.h"

gsize
srp_ping_encode (const SrpPing *ping, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_PING);
  srp_writer_id (&w, &ping->sender);
  srp_writer_u64 (&w, ping->nonce);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_ping_decode (const guint8 *frame, gsize len, SrpPing *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  srp_reader_id (&r, &out->sender);
  out->nonce = srp_reader_u64 (&r);
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_pong_encode (const SrpPong *pong, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_PONG);
  srp_writer_id (&w, &pong->sender);
  srp_writer_u64 (&w, pong->nonce);
  srp_writer_u8 (&w, pong->flags);
  srp_writer_address (&w, &pong->observed);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_pong_decode (const guint8 *frame, gsize len, SrpPong *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  srp_reader_id (&r, &out->sender);
  out->nonce = srp_reader_u64 (&r);
  out->flags = srp_reader_u8 (&r);
  srp_reader_address (&r, &out->observed);
  if (out->flags & ~SRP_PONG_FLAGS_KNOWN)
    return SRP_DROP_BAD_CONTROL;
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_handshake_transcript (SrpTranscriptKind kind, const SrpId *initiator,
                          const SrpId *responder,
                          const guint8 initiator_ephemeral[SRP_HELLO_EPHEMERAL_LEN],
                          const guint8 responder_ephemeral[SRP_HELLO_EPHEMERAL_LEN],
                          const SrpAddress *observed,
                          const guint8 initiator_challenge[SRP_CHALLENGE_LEN],
                          const guint8 responder_challenge[SRP_CHALLENGE_LEN], guint8 *out)
{
  SrpWriter w;

  srp_writer_init (&w, out, SRP_TRANSCRIPT_LEN);
  srp_writer_bytes (&w, (const guint8 *) "SRP1 handshake", 14);
  srp_writer_u8 (&w, (guint8) kind);
  srp_writer_id (&w, initiator);
  srp_writer_id (&w, responder);
  srp_writer_bytes (&w, initiator_challenge, SRP_CHALLENGE_LEN);
  srp_writer_bytes (&w, responder_challenge, SRP_CHALLENGE_LEN);
  srp_writer_bytes (&w, initiator_ephemeral, SRP_HELLO_EPHEMERAL_LEN);
  srp_writer_bytes (&w, responder_ephemeral, SRP_HELLO_EPHEMERAL_LEN);
  srp_writer_address (&w, observed);
  g_assert (w.ok);
  return w.len;
}

gsize
srp_hello_encode (const SrpHello *hello, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_HELLO);
  srp_writer_id (&w, &hello->sender);
  srp_writer_bytes (&w, hello->challenge, SRP_CHALLENGE_LEN);
  srp_writer_u8 (&w, hello->flags);
  srp_writer_bytes (&w, hello->ephemeral, SRP_HELLO_EPHEMERAL_LEN);
  if (hello->flags & SRP_HELLO_FLAG_COOKIE)
    srp_writer_bytes (&w, hello->cookie, SRP_COOKIE_LEN);
  while (w.len < SRP_HELLO_LEN)
    srp_writer_u8 (&w, 0);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_hello_decode (const guint8 *frame, gsize len, SrpHello *out)
{
  SrpReader r;

  if (len != SRP_HELLO_LEN)
    return SRP_DROP_BAD_CONTROL;
  srp_reader_begin_frame (&r, frame, len);
  srp_reader_id (&r, &out->sender);
  srp_reader_bytes (&r, out->challenge, SRP_CHALLENGE_LEN);
  out->flags = srp_reader_u8 (&r);
  if (out->flags & ~(SRP_HELLO_FLAG_INTRODUCTION | SRP_HELLO_FLAG_COOKIE))
    return SRP_DROP_BAD_CONTROL;
  srp_reader_bytes (&r, out->ephemeral, SRP_HELLO_EPHEMERAL_LEN);
  if (out->flags & SRP_HELLO_FLAG_COOKIE)
    srp_reader_bytes (&r, out->cookie, SRP_COOKIE_LEN);
  while (r.ok && r.pos < r.len)
    if (srp_reader_u8 (&r) != 0)
      return SRP_DROP_BAD_CONTROL;
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_cookie_encode (const SrpCookie *cookie, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_COOKIE);
  srp_writer_bytes (&w, cookie->echo, SRP_CHALLENGE_LEN);
  srp_writer_bytes (&w, cookie->cookie, SRP_COOKIE_LEN);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_cookie_decode (const guint8 *frame, gsize len, SrpCookie *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  srp_reader_bytes (&r, out->echo, SRP_CHALLENGE_LEN);
  srp_reader_bytes (&r, out->cookie, SRP_COOKIE_LEN);
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_hello_reply_encode (const SrpHelloReply *reply, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_HELLO_REPLY);
  srp_writer_id (&w, &reply->sender);
  srp_writer_bytes (&w, reply->echo, SRP_CHALLENGE_LEN);
  srp_writer_bytes (&w, reply->challenge, SRP_CHALLENGE_LEN);
  srp_writer_bytes (&w, reply->ephemeral, SRP_HELLO_EPHEMERAL_LEN);
  srp_writer_address (&w, &reply->observed);
  srp_writer_bytes (&w, reply->signature, SRP_SIGNATURE_LEN);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_hello_reply_decode (const guint8 *frame, gsize len, SrpHelloReply *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  srp_reader_id (&r, &out->sender);
  srp_reader_bytes (&r, out->echo, SRP_CHALLENGE_LEN);
  srp_reader_bytes (&r, out->challenge, SRP_CHALLENGE_LEN);
  srp_reader_bytes (&r, out->ephemeral, SRP_HELLO_EPHEMERAL_LEN);
  srp_reader_address (&r, &out->observed);
  srp_reader_bytes (&r, out->signature, SRP_SIGNATURE_LEN);
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_hello_done_encode (const SrpHelloDone *done, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_HELLO_DONE);
  srp_writer_id (&w, &done->sender);
  srp_writer_bytes (&w, done->echo, SRP_CHALLENGE_LEN);
  srp_writer_address (&w, &done->observed);
  srp_writer_bytes (&w, done->signature, SRP_SIGNATURE_LEN);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_hello_done_decode (const guint8 *frame, gsize len, SrpHelloDone *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  srp_reader_id (&r, &out->sender);
  srp_reader_bytes (&r, out->echo, SRP_CHALLENGE_LEN);
  srp_reader_address (&r, &out->observed);
  srp_reader_bytes (&r, out->signature, SRP_SIGNATURE_LEN);
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_peers_request_encode (guint8 out[SRP_MAX_DATAGRAM])
{
  srp_wire_write_prefix (out, SRP_FRAME_PEERS_REQUEST);
  return SRP_WIRE_PREFIX_LEN;
}

SrpDropReason
srp_peers_request_decode (const guint8 *frame, gsize len)
{
  return len == SRP_WIRE_PREFIX_LEN ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

static gsize
encode_peer_list (SrpFrameKind kind, guint max, const SrpPeers *peers,
                  guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  g_assert (peers->n <= max);
  srp_writer_begin_frame (&w, out, kind);
  srp_writer_u8 (&w, (guint8) peers->n);
  for (guint i = 0; i < peers->n; i++)
    {
      srp_writer_id (&w, &peers->peers[i].id);
      srp_writer_u8 (&w, peers->peers[i].nat);
      srp_writer_u16 (&w, peers->peers[i].age_s);
      srp_writer_address (&w, &peers->peers[i].address);
    }
  g_assert (w.ok);
  return w.len;
}

static SrpDropReason
decode_peer_list (guint max, const guint8 *frame, gsize len, SrpPeers *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  out->n = srp_reader_u8 (&r);
  if (out->n > max)
    return SRP_DROP_BAD_CONTROL;
  for (guint i = 0; i < out->n; i++)
    {
      srp_reader_id (&r, &out->peers[i].id);
      out->peers[i].nat = srp_reader_u8 (&r);
      out->peers[i].age_s = srp_reader_u16 (&r);
      srp_reader_address (&r, &out->peers[i].address);
      if (out->peers[i].nat >= SRP_NAT_N_TYPES)
        return SRP_DROP_BAD_CONTROL;
    }
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_peers_encode (const SrpPeers *peers, guint8 out[SRP_MAX_DATAGRAM])
{
  return encode_peer_list (SRP_FRAME_PEERS, SRP_PEERS_MAX, peers, out);
}

SrpDropReason
srp_peers_decode (const guint8 *frame, gsize len, SrpPeers *out)
{
  return decode_peer_list (SRP_PEERS_MAX, frame, len, out);
}

gsize
srp_busy_encode (const SrpPeers *peers, guint8 out[SRP_MAX_DATAGRAM])
{
  return encode_peer_list (SRP_FRAME_BUSY, SRP_BUSY_MAX, peers, out);
}

SrpDropReason
srp_busy_decode (const guint8 *frame, gsize len, SrpPeers *out)
{
  return decode_peer_list (SRP_BUSY_MAX, frame, len, out);
}

gsize
srp_probe_request_encode (const SrpProbeRequest *request, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_PROBE_REQUEST);
  srp_writer_u64 (&w, request->nonce);
  srp_writer_u8 (&w, request->mode);
  srp_writer_address (&w, &request->target);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_probe_request_decode (const guint8 *frame, gsize len, SrpProbeRequest *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  out->nonce = srp_reader_u64 (&r);
  out->mode = srp_reader_u8 (&r);
  srp_reader_address (&r, &out->target);
  if (out->mode != SRP_PROBE_FROM_OTHER_PORT && out->mode != SRP_PROBE_FROM_MAIN_PORT)
    return SRP_DROP_BAD_CONTROL;
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_probe_encode (guint64 nonce, guint8 out[SRP_MAX_DATAGRAM])
{
  return srp_nonce_frame_encode (SRP_FRAME_PROBE, nonce, out);
}

SrpDropReason
srp_probe_decode (const guint8 *frame, gsize len, guint64 *nonce)
{
  return srp_nonce_frame_decode (frame, len, nonce);
}

gsize
srp_goodbye_encode (const SrpGoodbye *goodbye, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_GOODBYE);
  srp_writer_id (&w, &goodbye->sender);
  srp_writer_bytes (&w, goodbye->token, SRP_CHALLENGE_LEN);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_goodbye_decode (const guint8 *frame, gsize len, SrpGoodbye *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  srp_reader_id (&r, &out->sender);
  srp_reader_bytes (&r, out->token, SRP_CHALLENGE_LEN);
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}
