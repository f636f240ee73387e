/* srp-operation.h: one record per asynchronous operation of SrpPeer
 * (internal): ping, connect, publish, send, and those still to come.
 *
 * Each holds its GTask, the core's request number, a cancellable watch and
 * how it completes. All of them start, cancel, complete and fail in the
 * same few functions here: a cancelled operation returns
 * G_IO_ERROR_CANCELLED at once (and the core forgets the request); closing
 * the peer fails every one with G_IO_ERROR_CLOSED.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "srp-core.h"

G_BEGIN_DECLS

typedef struct _SrpOperation SrpOperation;
typedef struct _SrpOperations SrpOperations;

/* Completes task from the core's answer. */
typedef void (*SrpOperationFinish) (GTask *task, const SrpCoreEvent *result);
/* Tells the core a request is no longer waited for. */
typedef void (*SrpOperationsCancel) (guint64 request, gpointer user_data);

/* Cancellation callbacks run on context; cancel (nullable) is called for
 * each cancelled request. */
SrpOperations *srp_operations_new (GMainContext *context, SrpOperationsCancel cancel,
                                   gpointer user_data);
/* Drops operations without completing them: for finalization, after
 * srp_operations_close. */
void srp_operations_free (SrpOperations *operations);

/* Keeps a reference to task until the core answers request. */
void srp_operations_start (SrpOperations *operations, guint64 request, GTask *task,
                           SrpOperationFinish finish);
/* The operation an event answers, taken out of the table with a copy of
 * the event (so that a cancellation cannot complete it too), or NULL: not
 * an answer, cancelled, or from before a close. */
SrpOperation *srp_operations_take (SrpOperations *operations, const SrpCoreEvent *event);
/* Completes a taken operation and frees it. */
void srp_operation_finish (SrpOperation *operation);
/* Fails every waiting operation with G_IO_ERROR_CLOSED; callbacks run after
 * the table is empty, so they may start new operations. */
void srp_operations_close (SrpOperations *operations);
guint srp_operations_count (SrpOperations *operations);

G_END_DECLS
