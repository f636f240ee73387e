/* test-resolver.h: a GResolver that knows one name, so tests never wait on DNS.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

/* Resolves name to address; every other name fails with G_RESOLVER_ERROR_NOT_FOUND. */
GResolver *test_resolver_new (const char *name, const char *address);

G_END_DECLS
