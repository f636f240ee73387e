/* srp-dispatch.c: the frame table.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-dispatch.h"

/* A relayed frame is dispatched from inside the RELAYED handler, never
 * deeper (relay frames do not nest): one scratch buffer per level. */
#define MAX_DEPTH 2

typedef struct {
  const SrpFrameHandler *handler;
  gpointer self;
} Entry;

struct _SrpDispatch {
  Entry entries[256];
  gsize scratch_size;
  gpointer scratch[MAX_DEPTH];
  guint depth;
};

SrpDispatch *
srp_dispatch_new (void)
{
  return g_new0 (SrpDispatch, 1);
}

void
srp_dispatch_free (SrpDispatch *dispatch)
{
  if (dispatch == NULL)
    return;
  for (guint i = 0; i < MAX_DEPTH; i++)
    g_free (dispatch->scratch[i]);
  g_free (dispatch);
}

void
srp_dispatch_add (SrpDispatch *dispatch, const SrpFrameHandler *handlers, guint n, gpointer self)
{
  for (guint i = 0; i < n; i++)
    {
      Entry *entry = &dispatch->entries[handlers[i].kind];

      g_return_if_fail (entry->handler == NULL);
      entry->handler = &handlers[i];
      entry->self = self;
      if (handlers[i].decoded_size > dispatch->scratch_size)
        {
          /* Decoded once per frame into memory reused for every frame: the
           * largest (a PACKET, a SYNC) is a few kilobytes. */
          dispatch->scratch_size = handlers[i].decoded_size;
          for (guint d = 0; d < MAX_DEPTH; d++)
            {
              g_free (dispatch->scratch[d]);
              dispatch->scratch[d] = g_malloc0 (dispatch->scratch_size);
            }
        }
    }
}

SrpDropReason
srp_dispatch_frame (SrpDispatch *dispatch, const SrpInput *input)
{
  const Entry *entry = &dispatch->entries[input->data[3]];
  const SrpFrameHandler *handler = entry->handler;
  gpointer decoded = NULL;
  SrpDropReason reason;

  if (handler == NULL)
    return SRP_DROP_UNKNOWN_KIND;
  g_return_val_if_fail (dispatch->depth < MAX_DEPTH, SRP_DROP_UNEXPECTED);
  if (handler->decode != NULL)
    {
      decoded = dispatch->scratch[dispatch->depth];
      reason = handler->decode (input->data, input->len, decoded);
      if (reason != SRP_DROP_NONE)
        return reason;
    }
  /* Decoding comes first: a malformed frame counts as malformed whoever
   * sent it. */
  if (handler->source != SRP_FROM_ANYONE && input->link == NULL)
    return SRP_DROP_UNAUTHENTICATED;
  if (handler->source == SRP_FROM_DIRECT_LINK && srp_address_is_relay (input->from))
    return SRP_DROP_UNAUTHENTICATED;
  /* A peer sends frames meant for links only while it holds a link to us:
   * the link is not half-open. */
  if (handler->source != SRP_FROM_ANYONE)
    input->link->confirmed = TRUE;
  dispatch->depth++;
  reason = handler->handle (entry->self, input, decoded);
  dispatch->depth--;
  return reason;
}
