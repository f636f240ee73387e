/* srp-topic.h: a subscription to a topic, and publishing to it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SRP_INSIDE__) && !defined(SRP_COMPILATION)
#error "Only <libsrp/srp.h> can be included directly."
#endif

#include <gio/gio.h>
#include <libsrp/srp-version.h>

G_BEGIN_DECLS

#define SRP_TYPE_TOPIC (srp_topic_get_type ())

SRP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SrpTopic, srp_topic, SRP, TOPIC, GObject)

SRP_AVAILABLE_IN_ALL
const char *srp_topic_get_name (SrpTopic *self);

SRP_AVAILABLE_IN_ALL
const char *srp_topic_get_id (SrpTopic *self);

SRP_AVAILABLE_IN_ALL
gboolean srp_topic_get_subscribed (SrpTopic *self);

SRP_AVAILABLE_IN_ALL
gboolean srp_topic_get_anonymous (SrpTopic *self);

SRP_AVAILABLE_IN_ALL
void srp_topic_set_anonymous (SrpTopic *self, gboolean anonymous);

SRP_AVAILABLE_IN_ALL
gboolean srp_topic_get_group (SrpTopic *self);

SRP_AVAILABLE_IN_ALL
char *srp_topic_publish (SrpTopic *self, GBytes *data, GError **error);

SRP_AVAILABLE_IN_ALL
void srp_topic_publish_async (SrpTopic *self, GBytes *data, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);

SRP_AVAILABLE_IN_ALL
guint srp_topic_publish_finish (SrpTopic *self, GAsyncResult *result, char **message_id,
                                GError **error);

SRP_AVAILABLE_IN_ALL
void srp_topic_unsubscribe (SrpTopic *self);

G_END_DECLS
