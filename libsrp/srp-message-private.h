/* srp-message-private.h: how the shell makes SrpMessage (internal).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-message.h"

#include "srp-wire.h"

G_BEGIN_DECLS

/* topic is the topic's name, or NULL for the inbox; sender the verified
 * author, or NULL. */
SrpMessage *srp_message_new (const SrpId *id, const SrpId *topic_id, const char *topic,
                             const SrpId *sender, gboolean sealed, GBytes *data);

G_END_DECLS
