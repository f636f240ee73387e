/* test-resolver.c: a GResolver that knows one name.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-resolver.h"

struct _TestResolver {
  GResolver parent_instance;
  char *name;
  char *address;
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
lookup (TestResolver *self, const char *hostname, GError **error)
{
  if (g_strcmp0 (hostname, self->name) != 0)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                   "Error resolving “%s”: Name or service not known", hostname);
      return NULL;
    }
  return g_list_prepend (NULL, g_inet_address_new_from_string (self->address));
}

static GList *
test_resolver_lookup_by_name (GResolver *resolver, const char *hostname,
                              GCancellable *cancellable, GError **error)
{
  return lookup (TEST_RESOLVER (resolver), hostname, error);
}

static void
test_resolver_lookup_by_name_async (GResolver *resolver, const char *hostname,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *addresses = lookup (TEST_RESOLVER (resolver), hostname, &error);

  if (addresses == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
}

static GList *
test_resolver_lookup_by_name_finish (GResolver *resolver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_finalize (GObject *object)
{
  TestResolver *self = TEST_RESOLVER (object);

  g_free (self->name);
  g_free (self->address);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_resolver_finalize;
  resolver_class->lookup_by_name = test_resolver_lookup_by_name;
  resolver_class->lookup_by_name_async = test_resolver_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = test_resolver_lookup_by_name_finish;
}

static void
test_resolver_init (TestResolver *self)
{
}

GResolver *
test_resolver_new (const char *name, const char *address)
{
  TestResolver *self = g_object_new (TEST_TYPE_RESOLVER, NULL);

  self->name = g_strdup (name);
  self->address = g_strdup (address);
  return G_RESOLVER (self);
}
