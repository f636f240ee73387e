/* srp-sim-state.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-sim-state.h"

SrpCore *
srp_sim_core_like (SrpSim *sim, guint node)
{
  SrpCoreConfig config;

  srp_core_config_init (&config);
  config.seed = 99;
  config.peer_id = *srp_sim_get_id (sim, node);
  return srp_core_new (&config);
}

guint
srp_sim_drain_messages (SrpCore *core)
{
  SrpCoreEvent event;
  SrpTransmit t;
  guint n = 0;

  while (srp_core_poll_event (core, &event))
    {
      n += event.type == SRP_CORE_EVENT_MESSAGE;
      srp_core_event_clear (&event);
    }
  while (srp_core_poll_transmit (core, &t))
    ;
  return n;
}
