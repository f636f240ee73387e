/* srp-rbsr.h: range-based set reconciliation (Aljoscha Meyer, "Range-Based
 * Set Reconciliation", 2023) over sorted 64-bit ID prefixes. Two peers
 * compare fingerprints of ranges of the ID space, split the ranges that
 * differ and list the IDs of small ones, so that the traffic grows with the
 * difference between the sets, not with their size. Pure: no I/O.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-control-topics.h"

G_BEGIN_DECLS

/* A range holding more IDs than this is split, a smaller one listed. */
#define SRP_RBSR_LIST_MAX 16
/* Into how many ranges (of about equal counts) a differing range splits. */
#define SRP_RBSR_BRANCHES 4
/* IDs in one HAVE range (longer lists become several ranges). */
#define SRP_RBSR_HAVE_MAX 128

/* The ranges of one side's message, before they are cut into frames. */
typedef struct {
  GArray *ranges; /* SrpSyncRange; first indexes items */
  GArray *items;  /* guint64 */
  GArray *need;   /* guint64: IDs the other side has and we lack */
} SrpRbsrOutput;

void srp_rbsr_output_init (SrpRbsrOutput *out);
void srp_rbsr_output_clear (SrpRbsrOutput *out);

/* Fingerprint of a sorted run of IDs: SHA-256 of their big-endian bytes,
 * cut to SRP_FINGERPRINT_LEN. */
void srp_rbsr_fingerprint (const guint64 *items, guint n, guint8 out[SRP_FINGERPRINT_LEN]);

/* The opening message over the whole ID space: a LIST when small, else a
 * FINGERPRINT. mine is sorted and unique. */
void srp_rbsr_open (const guint64 *mine, guint n_mine, SrpRbsrOutput *out);

/* Answers one received message (mine sorted and unique): appends the reply
 * ranges (empty when the two sides agree) and the IDs we lack. */
void srp_rbsr_answer (const guint64 *mine, guint n_mine, const SrpSync *in, SrpRbsrOutput *out);

/* Cuts out's ranges into SYNC frames for topic_id and calls emit for each;
 * at most max_frames. */
void srp_rbsr_pack (const SrpRbsrOutput *out, const SrpId *topic_id, guint max_frames,
                    void (*emit) (const guint8 *frame, gsize len, gpointer data), gpointer data);

G_END_DECLS
