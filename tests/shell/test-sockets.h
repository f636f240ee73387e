/* test-sockets.h: what the tests of SrpSocketSet share: plain sockets to
 * talk to it, reading what arrives with its TTL, and a wrapper around its
 * system calls that counts them and can make a send buffer look full.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-socket-set.h"
#include "test-loopback.h"

G_BEGIN_DECLS

/* A blocking UDP socket bound to address, any port, with a receive buffer
 * large enough for every test's datagrams. */
GSocket *test_plain_socket (const char *address);
/* The same, told each datagram's TTL (IPv6: hop limit). */
GSocket *test_ttl_receiver (const char *address);
SrpAddress test_address_of (GSocket *socket);

/* Reads one datagram (failing the test after TEST_WAIT_SECONDS): returns
 * its length, fills data (at least SRP_MAX_DATAGRAM + 1 bytes), from, and
 * ttl (-1 unless the socket was made by test_ttl_receiver). */
gssize test_receive (GSocket *socket, guint8 *data, SrpAddress *from, int *ttl);
/* TRUE when a datagram is waiting. */
gboolean test_readable (GSocket *socket);

/* A datagram of len bytes, each the byte seq, from socket index to to. */
void test_transmit_init (SrpTransmit *transmit, guint index, guint8 ttl, const SrpAddress *to,
                         guint8 seq, gsize len);

/* Sends transmits[0..n) with srp_socket_set_send_all; returns what it lost. */
guint test_send_all (SrpSocketSet *set, const SrpTransmit *transmits, guint n);

/* The io in tests: each send call is recorded (how many datagrams it was
 * offered), then follows the script, one entry per call: N > 0 takes at
 * most N datagrams, TEST_IO_FULL says the send buffer is full; an empty
 * script (or TEST_IO_ALWAYS_FULL at its head, which stays) passes calls on
 * to the real io. */
#define TEST_IO_FULL (-1)
#define TEST_IO_ALWAYS_FULL (-2)
const SrpUdpIo *test_io_wrap (const SrpUdpIo *real);
void test_io_script (const gint *steps, guint n);
/* The recorded calls (guint each), emptied by test_io_wrap. */
GArray *test_io_calls (void);

/* Adds path/native and path/gio, each running func with that io as data
 * (the native one skipped where the system lacks it). */
void test_add_for_each_io (const char *path, GTestDataFunc func);

G_END_DECLS
