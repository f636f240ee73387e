/* gen-corpus-dht-seal.c: the seeds of fuzz-dht-seal: a sealed FIND (the
 * fixed query), a sealed REGISTER to the same contact, and a sealed FOUND
 * under the fixed query's keys, each after a mode byte.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-dht-seal.h"
#include "gen-corpus.h"

static void
write_seed (const char *dir, const char *name, const guint8 *datagram, gsize len)
{
  guint8 seed[1 + SRP_MAX_DATAGRAM];

  g_assert (len > 0 && len <= SRP_MAX_DATAGRAM);
  seed[0] = 0x05;
  memcpy (seed + 1, datagram, len);
  gen_corpus_write (dir, name, seed, 1 + len);
}

void
gen_corpus_dht_seal (const char *dir)
{
  FuzzDhtKeys contact;
  SrpDhtQueryKeys keys, register_keys;
  SrpRegister reg = { .reachability = { .nat = SRP_NAT_PUBLIC, .has_address = TRUE } };
  SrpFound found = { .nonce = 9, .n_contacts = 1, .has_reachability = FALSE };
  guint8 frame[SRP_MAX_DATAGRAM], sealed[SRP_MAX_DATAGRAM], secret[32];
  guint8 ip[4] = { 192, 0, 2, 7 };
  gsize len;

  g_assert (sodium_init () >= 0 && fuzz_dht_keys_init (&contact, 0x02));
  len = fuzz_dht_fixed_query (&contact, sealed, &keys);
  write_seed (dir, "sealed-find", sealed, len);

  memset (reg.sender.bytes, 0xb2, SRP_ID_LEN);
  srp_address_init_ipv4 (&reg.reachability.address, ip, 4000);
  memset (reg.signature, 0x5a, sizeof reg.signature);
  memset (secret, 0x22, sizeof secret);
  len = srp_dht_seal_query (&contact.id, secret, frame, srp_register_encode (&reg, frame), sealed,
                            &register_keys);
  write_seed (dir, "sealed-register", sealed, len);

  memset (found.target.bytes, 0xb1, SRP_ID_LEN);
  memset (found.contacts[0].id.bytes, 0xc3, SRP_ID_LEN);
  found.contacts[0].nat = SRP_NAT_PUBLIC;
  srp_address_init_ipv4 (&found.contacts[0].address, ip, 4001);
  len = srp_dht_seal_answer (&keys, 1, frame, srp_found_encode (&found, frame), sealed);
  write_seed (dir, "sealed-found", sealed, len);
}
