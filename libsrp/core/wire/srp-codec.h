/* srp-codec.h: bounds-checked cursors for reading and writing control
 * messages. A reader that runs past its end stays failed, so a decoder can
 * read every field and check ok once at the end.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-address.h"
#include "srp-wire.h"

G_BEGIN_DECLS

typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
  gboolean ok;
} SrpReader;

typedef struct {
  guint8 *data;
  gsize cap;
  gsize len;
  gboolean ok;
} SrpWriter;

void srp_reader_init (SrpReader *reader, const guint8 *data, gsize len);
guint8 srp_reader_u8 (SrpReader *reader);
guint16 srp_reader_u16 (SrpReader *reader);
guint32 srp_reader_u32 (SrpReader *reader);
guint64 srp_reader_u64 (SrpReader *reader);
void srp_reader_id (SrpReader *reader, SrpId *out);
void srp_reader_bytes (SrpReader *reader, guint8 *out, gsize n);
/* Family (1: 4 or 6), port (2), then 4 or 16 address bytes. */
void srp_reader_address (SrpReader *reader, SrpAddress *out);
/* TRUE when every read fitted and nothing is left over. */
gboolean srp_reader_done (const SrpReader *reader);

void srp_writer_init (SrpWriter *writer, guint8 *data, gsize cap);
/* For control frames: writes the prefix of kind into out (SRP_MAX_DATAGRAM
 * bytes) and starts the writer after it. */
void srp_writer_begin_frame (SrpWriter *writer, guint8 *out, SrpFrameKind kind);
/* Frames whose whole body is one 8-byte nonce (PROBE, PUNCH). */
gsize srp_nonce_frame_encode (SrpFrameKind kind, guint64 nonce, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_nonce_frame_decode (const guint8 *frame, gsize len, guint64 *nonce);
/* Starts a reader after the prefix of a frame the caller has checked. */
void srp_reader_begin_frame (SrpReader *reader, const guint8 *frame, gsize len);
void srp_writer_u8 (SrpWriter *writer, guint8 value);
void srp_writer_u16 (SrpWriter *writer, guint16 value);
void srp_writer_u32 (SrpWriter *writer, guint32 value);
void srp_writer_u64 (SrpWriter *writer, guint64 value);
void srp_writer_id (SrpWriter *writer, const SrpId *id);
void srp_writer_bytes (SrpWriter *writer, const guint8 *data, gsize n);
void srp_writer_address (SrpWriter *writer, const SrpAddress *address);

G_END_DECLS
