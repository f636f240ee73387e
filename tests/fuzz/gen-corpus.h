/* gen-corpus.h: what the two halves of gen-corpus share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes dir/name; exits on failure. */
void gen_corpus_write (const char *dir, const char *name, const guint8 *data, gsize len);

/* Writes the seeds of fuzz-control-topics into dir (gen-corpus-control.c). */
void gen_corpus_control (const char *dir);
/* Writes the seeds of fuzz-dispatch into dir (gen-corpus-dispatch.c). */
void gen_corpus_dispatch (const char *dir);
/* Writes the seeds of fuzz-dht-seal into dir (gen-corpus-dht-seal.c). */
void gen_corpus_dht_seal (const char *dir);

G_END_DECLS
