/* srp-dispatch.h: the one table that takes every frame kind to its handler.
 *
 * Everything every handler would otherwise repeat happens here, once:
 * finding the link the datagram came from (and counting it as a sign of
 * life), decoding the frame into a scratch buffer, refusing frames that
 * need an authenticated sender when there is none, and counting every
 * refusal under its reason. A handler gets the decoded frame and returns
 * SRP_DROP_NONE, or the reason it refused the frame (counted too).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-link.h"

G_BEGIN_DECLS

typedef struct _SrpDispatch SrpDispatch;

/* Who may send a frame kind. */
typedef enum {
  SRP_FROM_ANYONE,      /* the handler decides what it takes from whom */
  SRP_FROM_LINK,        /* an authenticated peer (UNAUTHENTICATED otherwise) */
  SRP_FROM_DIRECT_LINK, /* an authenticated peer at its own address, not through a relay */
} SrpFrameSource;

/* One datagram (or relayed frame) being handled. */
typedef struct {
  guint socket;           /* 0 main, 1 probe (punch sockets arrive as 0) */
  const SrpAddress *from; /* an IP address, or a relay address for relayed frames */
  SrpLink *link;          /* the link at from (on socket 0), or NULL */
  const guint8 *data;
  gsize len;
} SrpInput;

typedef SrpDropReason (*SrpFrameDecode) (const guint8 *frame, gsize len, gpointer out);
typedef SrpDropReason (*SrpFrameHandle) (gpointer self, const SrpInput *input, gpointer frame);

typedef struct {
  guint8 kind;            /* SrpFrameKind */
  SrpFrameSource source;
  gsize decoded_size;     /* bytes decode writes */
  SrpFrameDecode decode;  /* NULL: the handler reads input->data itself */
  SrpFrameHandle handle;
} SrpFrameHandler;

/* Wraps a decoder of the usual shape (frame, len, Type *out) for the table. */
#define SRP_FRAME_DECODER(name, decoder, Type)                                                   \
  static SrpDropReason name (const guint8 *frame, gsize len, gpointer out)                      \
  {                                                                                              \
    return decoder (frame, len, (Type *) out);                                                   \
  }

SrpDispatch *srp_dispatch_new (void);
void srp_dispatch_free (SrpDispatch *dispatch);

/* Registers handlers (an array that outlives the dispatch, usually static)
 * for self; each kind has at most one handler. */
void srp_dispatch_add (SrpDispatch *dispatch, const SrpFrameHandler *handlers, guint n,
                       gpointer self);

/* Handles one frame whose prefix was checked; returns why it was refused,
 * or SRP_DROP_NONE. The caller counts the refusal. */
SrpDropReason srp_dispatch_frame (SrpDispatch *dispatch, const SrpInput *input);

G_END_DECLS
