/* srp.h: the one header users include.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __SRP_INSIDE__

#include <libsrp/srp-version.h>
#include <libsrp/srp-enums.h>
#include <libsrp/srp-error.h>
#include <libsrp/srp-cache.h>
#include <libsrp/srp-message.h>
#include <libsrp/srp-topic.h>
#include <libsrp/srp-nat-type.h>
#include <libsrp/srp-path.h>
#include <libsrp/srp-peer-info.h>
#include <libsrp/srp-port-mapping.h>
#include <libsrp/srp-stream.h>
#include <libsrp/srp-peer.h>
#include <libsrp/srp-status-server.h>

#undef __SRP_INSIDE__
