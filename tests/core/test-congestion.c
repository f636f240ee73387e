/* test-congestion.c: the link's CUBIC window (srp-congestion.c) driven by
 * ACKs and losses in virtual time, round trip by round trip: after a loss
 * it falls to 7/10 and climbs back along the cubic curve (concave up to
 * the old maximum in K seconds, whatever the RTT, then convex beyond); a
 * timeout leaves it at its minimum; two flows through one bottleneck
 * converge to fair shares from very unequal starts; and HyStart++ ends
 * slow start when the round trip grows.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-congestion.h"

#define MSS SRP_CONGESTION_MSS
#define MS(n) ((gint64) (n) * G_TIME_SPAN_MILLISECOND)

/* cbrt by Newton's method (the test needs no libm). */
static double
cube_root (double x)
{
  double y = x > 1 ? x / 3 : 1;

  for (guint i = 0; i < 100; i++)
    y -= (y * y * y - x) / (3 * y * y);
  return y;
}

/* One round trip of a window-limited sender: a window's worth of frames,
 * sent one RTT ago, acknowledged at now. */
static void
ack_round (SrpCongestion *cc, gint64 now, gint64 rtt)
{
  gsize frames = cc->window / MSS;

  for (gsize i = 0; i < frames; i++)
    srp_congestion_on_ack (cc, now, MSS, now - rtt, TRUE, rtt);
}

/* Grows a fresh window to about target bytes in slow start. */
static gint64
grow_to (SrpCongestion *cc, gsize target, gint64 rtt)
{
  gint64 now = 0;

  while (cc->window < target)
    {
      now += rtt;
      srp_congestion_on_ack (cc, now, MSS, now - rtt, TRUE, rtt);
    }
  return now;
}

/* 1000 frames in flight, one loss: 700 at once, back to 1000 after K =
 * cbrt (300 / 0.4) = 9.09 s, 962 (not the 850 of a straight line, nor the
 * 750 of Reno's 9/17 frame per RTT) half way there, 1300 after 2 K. The
 * window must follow W_cubic (t + RTT) all along: the same curve at
 * RTTs of 50 and 100 ms (growth in time, not in round trips; at shorter
 * RTTs the Reno-friendly estimate is ahead, see below). */
static void
test_cubic_recovery (void)
{
  static const gint64 rtts[] = { MS (50), MS (100) };

  for (guint r = 0; r < G_N_ELEMENTS (rtts); r++)
    {
      SrpCongestion cc;
      gint64 rtt = rtts[r], now, loss_at, k_us;
      gsize at_half = 0, at_k = 0, at_2k = 0;

      srp_congestion_init (&cc, 64 * 1024 * 1024);
      now = grow_to (&cc, 1000 * MSS, rtt);
      cc.window = 1000 * MSS; /* a round figure to check against */
      loss_at = now + rtt / 2;
      srp_congestion_on_loss (&cc, loss_at, now);
      g_assert_cmpuint (cc.window, ==, 700 * MSS);
      g_assert_cmpuint (cc.ssthresh, ==, 700 * MSS);
      g_assert_cmpuint (cc.loss_events, ==, 1);
      /* A second loss in the same round (sent before the reduction) does
       * not reduce again. */
      srp_congestion_on_loss (&cc, loss_at + 1, now);
      g_assert_cmpuint (cc.window, ==, 700 * MSS);
      k_us = (gint64) (cube_root (300.0 / 0.4) * G_USEC_PER_SEC);

      for (now = loss_at + rtt; now <= loss_at + 2 * k_us + rtt; now += rtt)
        {
          gint64 t = now - loss_at;
          gsize before = cc.window;

          ack_round (&cc, now, rtt);
          g_assert_cmpuint (cc.window, >=, before);
          if (cc.epoch_start != G_MININT64 && t > 2 * rtt)
            {
              /* Within 2% (plus a frame) of the curve one RTT ahead. */
              gsize want = srp_congestion_cubic_window (&cc, now - cc.epoch_start + rtt);
              gsize lo = MIN (want, before + before / 2) * 98 / 100 - MSS;

              g_assert_cmpuint (cc.window, >=, lo);
              g_assert_cmpuint (cc.window, <=, MAX (want, before) * 102 / 100 + MSS);
            }
          if (at_half == 0 && t >= k_us / 2)
            at_half = cc.window / MSS;
          if (at_k == 0 && t >= k_us)
            at_k = cc.window / MSS;
          if (at_2k == 0 && t >= 2 * k_us)
            at_2k = cc.window / MSS;
        }
      g_test_message ("RTT %" G_GINT64_FORMAT " ms: K = %.2f s, window %zu, %zu, %zu frames "
                      "at K/2, K, 2K", rtt / 1000, k_us / 1e6, at_half, at_k, at_2k);
      g_assert_cmpuint (at_half, >=, 940);
      g_assert_cmpuint (at_half, <, 1000);
      g_assert_cmpuint (at_k, >=, 990);
      g_assert_cmpuint (at_k, <=, 1030);
      g_assert_cmpuint (at_2k, >=, 1250);
      g_assert_cmpuint (at_2k, <=, 1360);
    }
}

/* At small windows CUBIC is at least as fast as Reno (RFC 9438 4.3): 20
 * frames, a loss, and 14 frames climb again by 9/17 of a frame per round
 * trip back to 20 (11 round trips), then one a round trip: 28 after 20
 * round trips of 1 ms, where the cubic alone would still be near 14. */
static void
test_reno_friendly (void)
{
  SrpCongestion cc;
  gint64 rtt = MS (1), now;

  srp_congestion_init (&cc, 64 * 1024 * 1024);
  now = grow_to (&cc, 20 * MSS, rtt);
  cc.window = 20 * MSS;
  srp_congestion_on_loss (&cc, now, now - 1);
  g_assert_cmpuint (cc.window, ==, 14 * MSS);
  for (guint i = 0; i < 21; i++)
    {
      now += rtt;
      ack_round (&cc, now, rtt);
    }
  g_test_message ("14 frames after a loss: %zu after 20 round trips of 1 ms", cc.window / MSS);
  g_assert_cmpuint (cc.window, >=, 26 * MSS);
  g_assert_cmpuint (cc.window, <=, 30 * MSS);
}

/* A timeout: the minimum window, ssthresh at 7/10 of what it was, and
 * slow start from there (doubling each round trip up to ssthresh). An
 * application that does not fill the window does not grow it. */
static void
test_timeout_and_limited (void)
{
  SrpCongestion cc;
  gint64 rtt = MS (20), now;
  gsize w;

  srp_congestion_init (&cc, 64 * 1024 * 1024);
  now = grow_to (&cc, 100 * MSS, rtt);
  cc.window = 100 * MSS;
  srp_congestion_on_timeout (&cc, now);
  g_assert_cmpuint (cc.window, ==, SRP_CONGESTION_MIN_WINDOW);
  g_assert_cmpuint (cc.ssthresh, ==, 70 * MSS);
  g_assert_cmpuint (cc.timeouts, ==, 1);
  /* ACKs of frames sent before the timeout do not count... */
  now += rtt;
  ack_round (&cc, now, rtt);
  g_assert_cmpuint (cc.window, ==, SRP_CONGESTION_MIN_WINDOW);
  /* ...the next round's do. */
  now += rtt;
  ack_round (&cc, now, rtt);
  g_assert_cmpuint (cc.window, ==, 2 * SRP_CONGESTION_MIN_WINDOW);
  while (cc.window < cc.ssthresh)
    {
      now += rtt;
      ack_round (&cc, now, rtt);
    }
  w = cc.window;
  for (guint i = 0; i < 50; i++)
    {
      now += rtt;
      srp_congestion_on_ack (&cc, now, MSS, now - rtt, FALSE, rtt);
    }
  g_assert_cmpuint (cc.window, ==, w);
  /* Idle time does not age the epoch: the next full round grows by what
   * one round trip of the curve allows, not by 1.5x. */
  now += rtt;
  ack_round (&cc, now, rtt);
  g_assert_cmpuint (cc.window, <, w + w / 10);
}

/* A loss event that proves spurious (every frame it declared lost was
 * acknowledged after all) is undone: the window and ssthresh go back to
 * what they were, and a second loss in the same round is a new event. An
 * event cannot be undone twice, nor after a timeout. */
static void
test_spurious_loss_undone (void)
{
  SrpCongestion cc;
  gint64 rtt = MS (20), now;

  srp_congestion_init (&cc, 64 * 1024 * 1024);
  now = grow_to (&cc, 100 * MSS, rtt);
  cc.window = 100 * MSS;
  cc.ssthresh = 80 * MSS;
  g_assert_true (srp_congestion_on_loss (&cc, now, now - 1));
  g_assert_cmpuint (cc.window, ==, 70 * MSS);
  /* More losses of the same round: the same event. */
  g_assert_false (srp_congestion_on_loss (&cc, now + 1, now - 2));
  g_assert_true (srp_congestion_undo (&cc));
  g_assert_cmpuint (cc.window, ==, 100 * MSS);
  g_assert_cmpuint (cc.ssthresh, ==, 80 * MSS);
  g_assert_false (srp_congestion_undo (&cc));
  g_assert_cmpuint (cc.undos, ==, 1);
  /* The recovery period went with it: a loss from the same round counts. */
  g_assert_true (srp_congestion_on_loss (&cc, now + 2, now - 1));
  g_assert_cmpuint (cc.window, ==, 70 * MSS);
  srp_congestion_on_timeout (&cc, now + 3);
  g_assert_false (srp_congestion_undo (&cc));
  g_assert_cmpuint (cc.window, ==, SRP_CONGESTION_MIN_WINDOW);
}

/* Two flows through one bottleneck of 600 frames (500 in flight fill the
 * pipe, 100 more the queue), losses when the queue overflows seen by both
 * (drop-tail). Flow A runs alone for 20 s and holds the whole pipe; B
 * starts from the initial window. After 120 s each has between 40 and 60%
 * of what they delivered in the last 40 s. */
static void
test_fair_convergence (void)
{
  SrpCongestion cc[2];
  gint64 rtt = MS (50), now = 0;
  guint64 delivered[2] = { 0, 0 };
  const gsize pipe = 500 * MSS, limit = 600 * MSS;
  double share;

  srp_congestion_init (&cc[0], 64 * 1024 * 1024);
  srp_congestion_init (&cc[1], 64 * 1024 * 1024);
  for (guint round = 0; now < 120 * G_USEC_PER_SEC; round++)
    {
      gboolean b_on = now >= 20 * G_USEC_PER_SEC;
      gsize total = cc[0].window + (b_on ? cc[1].window : 0);

      now += rtt;
      for (guint f = 0; f < (b_on ? 2u : 1u); f++)
        {
          if (now >= 80 * G_USEC_PER_SEC)
            delivered[f] += (guint64) cc[f].window * MIN (pipe, total) / total;
          ack_round (&cc[f], now, rtt);
        }
      if (total > limit)
        for (guint f = 0; f < (b_on ? 2u : 1u); f++)
          srp_congestion_on_loss (&cc[f], now, now - 1);
    }
  share = (double) delivered[1] / (double) (delivered[0] + delivered[1]);
  g_test_message ("two CUBIC flows, the second 20 s late: its share %.0f%% after 100 s "
                  "(%" G_GUINT64_FORMAT " + %" G_GUINT64_FORMAT " loss events)",
                  100 * share, cc[0].loss_events, cc[1].loss_events);
  g_assert_cmpfloat (share, >, 0.4);
  g_assert_cmpfloat (share, <, 0.6);
}

/* One round of slow start through a bottleneck: the window's frames, sent
 * at *now, come back after base_rtt plus the queue's delay (what exceeds
 * pipe frames waits at rate frames per ms), each with its RTT sample.
 * Returns the round's RTT; *now moves to the round's end. */
static gint64
slow_start_round (SrpCongestion *cc, gint64 *now, gint64 base_rtt, gsize pipe_frames,
                  gsize frames_per_ms)
{
  gsize frames = cc->window / MSS;
  gint64 queued = frames > pipe_frames ? (gint64) (frames - pipe_frames) : 0;
  gint64 rtt = base_rtt + MS (queued) / (gint64) frames_per_ms;
  gint64 sent_at = *now + 1;

  *now = sent_at + rtt;
  for (gsize i = 0; i < frames; i++)
    {
      srp_congestion_on_rtt (cc, *now, rtt, sent_at);
      srp_congestion_on_ack (cc, *now, MSS, sent_at, TRUE, rtt);
    }
  return rtt;
}

/* HyStart++ (RFC 9406): slow start through a bottleneck whose pipe holds
 * 200 frames (20 ms at 10 frames a ms), with a deep queue, so no loss
 * ends it. The window doubles while the RTT stays at 20 ms; the first
 * round whose minimum RTT is 4 ms (an eighth of 20, at least 4) above the
 * last one's goes conservative (a quarter of the growth), and 5 rounds
 * later slow start is over without a loss, at about 3 times that window
 * (320 to 989 frames). Without the RTT's rise (a bottleneck that never queues), slow
 * start goes on doubling. */
static void
test_hystart_ends_slow_start (void)
{
  SrpCongestion cc;
  gint64 now = 0;
  gsize css_window = 0;
  guint rounds = 0;

  srp_congestion_init (&cc, 64 * 1024 * 1024);
  while (cc.window < cc.ssthresh && rounds < 40)
    {
      gsize before = cc.window;
      gboolean was_css = cc.in_css;

      slow_start_round (&cc, &now, MS (20), 200, 10);
      rounds++;
      if (cc.in_css && !was_css)
        css_window = before;
      /* In Conservative Slow Start a round grows the window by a quarter. */
      if (was_css && cc.in_css)
        g_assert_cmpuint (cc.window, <=, before + before / 4 + MSS);
    }
  g_test_message ("slow start over after %u rounds: conservative from %" G_GSIZE_FORMAT
                  " frames, ended at %" G_GSIZE_FORMAT " frames", rounds, css_window / MSS,
                  cc.window / MSS);
  g_assert_cmpuint (cc.loss_events, ==, 0);
  g_assert_cmpuint (cc.hystart_exits, ==, 1);
  /* Over at the round's first ACK: the rest of the round grows it as
   * congestion avoidance does. */
  g_assert_cmpuint (cc.ssthresh, <=, cc.window);
  g_assert_cmpuint (cc.window, <, cc.ssthresh + cc.ssthresh / 100);
  /* Conservative once the queue held 40 frames (4 ms) or more, not before. */
  g_assert_cmpuint (css_window / MSS, >=, 240);
  g_assert_cmpuint (css_window / MSS, <, 2 * 240);
  /* Five rounds of a quarter each at most: about 3x, not the 32x of five
   * more doublings. */
  g_assert_cmpuint (cc.window, <=, css_window * 4);

  srp_congestion_init (&cc, 64 * 1024 * 1024);
  for (guint r = 0; r < 12; r++)
    slow_start_round (&cc, &now, MS (20), G_MAXSIZE / 2, 10);
  g_assert_cmpuint (cc.ssthresh, ==, G_MAXSIZE);
  g_assert_cmpuint (cc.window, ==, SRP_CONGESTION_INITIAL_WINDOW << 12);
}

/* An RTT that rises for one round and falls again (another flow's burst
 * through the queue) makes slow start conservative for that round only:
 * the next round's lower minimum resumes doubling. */
static void
test_hystart_resumes_after_noise (void)
{
  SrpCongestion cc;
  gint64 now = 0;
  gsize before;

  srp_congestion_init (&cc, 64 * 1024 * 1024);
  for (guint r = 0; r < 4; r++)
    slow_start_round (&cc, &now, MS (20), G_MAXSIZE / 2, 10);
  g_assert_false (cc.in_css);
  slow_start_round (&cc, &now, MS (30), G_MAXSIZE / 2, 10);
  g_assert_true (cc.in_css);
  slow_start_round (&cc, &now, MS (20), G_MAXSIZE / 2, 10);
  g_assert_false (cc.in_css);
  before = cc.window;
  slow_start_round (&cc, &now, MS (20), G_MAXSIZE / 2, 10);
  g_assert_cmpuint (cc.window, ==, 2 * before);
  g_assert_cmpuint (cc.ssthresh, ==, G_MAXSIZE);
  g_assert_cmpuint (cc.hystart_exits, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/congestion/cubic-recovery", test_cubic_recovery);
  g_test_add_func ("/congestion/reno-friendly", test_reno_friendly);
  g_test_add_func ("/congestion/timeout-and-limited", test_timeout_and_limited);
  g_test_add_func ("/congestion/spurious-loss-undone", test_spurious_loss_undone);
  g_test_add_func ("/congestion/fair-convergence", test_fair_convergence);
  g_test_add_func ("/congestion/hystart-ends-slow-start", test_hystart_ends_slow_start);
  g_test_add_func ("/congestion/hystart-resumes-after-noise", test_hystart_resumes_after_noise);
  return g_test_run ();
}
