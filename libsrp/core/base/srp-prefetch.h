/* srp-prefetch.h: a hint to start loading memory that will be read soon.
 *
 * The packet path reads a few slots of tables of megabytes (the cache's
 * index, the sets of recent IDs) at random: each is a miss to memory. Asked
 * for before the packet's hash is checked, the loads run in parallel with
 * the hash and with one another instead of one after the other. A hint
 * only: it changes no result, and compiles to nothing where unsupported.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define SRP_PREFETCH(addr) __builtin_prefetch ((addr), 0)
#define SRP_PREFETCH_WRITE(addr) __builtin_prefetch ((addr), 1)
#else
#define SRP_PREFETCH(addr) ((void) (addr))
#define SRP_PREFETCH_WRITE(addr) ((void) (addr))
#endif
