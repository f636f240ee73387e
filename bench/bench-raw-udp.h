/* bench-raw-udp.h: what plain UDP sockets on loopback do on this machine,
 * measured in the same run as libsrp so that ratios survive a busy machine.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <time.h>

G_BEGIN_DECLS

/* The size of the datagram that carries a 1 KiB message: 4-byte prefix,
 * 134-byte packet header, 1024-byte body. */
#define BENCH_DATAGRAM_LEN 1162

/* Both ends' socket buffers, as libsrp asks for its own (a fair baseline
 * whichever library is measured). */
#define BENCH_SOCKET_BUFFER (4 * 1024 * 1024)

typedef struct {
  double delivered_per_s;   /* sendmmsg/recvmmsg, 32 a call, receiver's rate */
  double sendto_cpu_us;     /* sender thread CPU per datagram, one sendto each */
  double recvfrom_cpu_us;   /* receiver thread CPU per datagram, one recvfrom each */
} BenchRawUdp;

/* Runs both baselines for about seconds each. */
void bench_raw_udp_measure (double seconds, BenchRawUdp *out);

/* CPU time of the thread the clock belongs to (pthread_getcpuclockid), in
 * microseconds: readable from any thread. */
double bench_cpu_us (clockid_t clock);
/* The calling thread's CPU clock. */
clockid_t bench_thread_cpu_clock (void);

/* Datagrams the kernel dropped for a full receive buffer on the IPv4 UDP
 * socket bound to port (the drops column of /proc/net/udp), or -1. */
double bench_socket_drops (guint16 port);

G_END_DECLS
