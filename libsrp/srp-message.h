/* srp-message.h: a message received on a topic or in the inbox.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SRP_INSIDE__) && !defined(SRP_COMPILATION)
#error "Only <libsrp/srp.h> can be included directly."
#endif

#include <glib-object.h>
#include <libsrp/srp-version.h>

G_BEGIN_DECLS

#define SRP_TYPE_MESSAGE (srp_message_get_type ())

SRP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SrpMessage, srp_message, SRP, MESSAGE, GObject)

SRP_AVAILABLE_IN_ALL
const char *srp_message_get_id (SrpMessage *self);

SRP_AVAILABLE_IN_ALL
const char *srp_message_get_topic (SrpMessage *self);

SRP_AVAILABLE_IN_ALL
const char *srp_message_get_topic_id (SrpMessage *self);

SRP_AVAILABLE_IN_ALL
GBytes *srp_message_get_data (SrpMessage *self);

SRP_AVAILABLE_IN_ALL
const char *srp_message_get_sender (SrpMessage *self);

SRP_AVAILABLE_IN_ALL
gboolean srp_message_get_sealed (SrpMessage *self);

G_END_DECLS
