/* srp-core-connect.c: connecting to a given peer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

guint64
srp_core_connect (SrpCore *core, gint64 now_us, const SrpId *peer_id)
{
  SrpCoreEvent *event;

  g_return_val_if_fail (peer_id != NULL, 0);
  core->now = now_us;
  event = srp_core_queue_event (core, SRP_CORE_EVENT_CONNECT_RESULT);
  event->connect.request = ++core->next_connect;
  event->connect.id = *peer_id;
  event->connect.reason = "connecting is being built";
  return event->connect.request;
}
