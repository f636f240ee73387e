/* test-loopback.h: what the C tests of peers on loopback share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsrp/srp.h>

G_BEGIN_DECLS

/* Generous: on loopback everything takes milliseconds, but sanitizers and a
 * loaded CI machine slow it down. */
#define TEST_WAIT_SECONDS 20

typedef gboolean (*TestCondition) (gpointer data);

/* Iterates the default main context until condition holds; fails the test
 * after TEST_WAIT_SECONDS instead of hanging. */
void test_wait_until (TestCondition condition, gpointer data, const char *what);

/* A new peer listening on address (such as "127.0.0.11"), any port. */
SrpPeer *test_peer_at (const char *address);
/* Adds bootstrap, listening at address, as a bootstrap peer of peer. */
void test_add_bootstrap (SrpPeer *peer, SrpPeer *bootstrap, const char *address);

typedef struct {
  SrpPeer **peers;
  guint n;
} TestNetwork;

/* An async callback that keeps the result in *(GAsyncResult **) user_data
 * (which must be NULL: a task completes once), and the TestCondition that
 * waits for it. */
void test_keep_result (GObject *source, GAsyncResult *result, gpointer user_data);
gboolean test_has_result (gpointer data);

/* A TestCondition: every peer of the TestNetwork lists every other. */
gboolean test_all_connected (gpointer network);

G_END_DECLS
