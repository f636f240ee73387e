/* test-address.c: parsing and printing transport addresses.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-address.h"

static void
test_roundtrip (void)
{
  const char *cases[] = {
    "0.0.0.0:0", "127.0.0.1:4000", "255.255.255.255:65535", "[::1]:9", "[::]:1",
    "[2001:db8::1]:443", "[fe80::1:2:3:4]:5", "[1:2:3:4:5:6:7:8]:80", "[2001:db8:0:1::]:7",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SrpAddress a;
      char buf[SRP_ADDRESS_STRING_MAX];

      g_assert_true (srp_address_parse (&a, cases[i]));
      g_assert_cmpstr (srp_address_to_string (&a, buf), ==, cases[i]);
    }
}

static void
test_normalises (void)
{
  SrpAddress a, b;
  char buf[SRP_ADDRESS_STRING_MAX];

  g_assert_true (srp_address_parse (&a, "[2001:0db8:0000:0000:0000:0000:0000:0001]:1"));
  g_assert_cmpstr (srp_address_to_string (&a, buf), ==, "[2001:db8::1]:1");
  g_assert_true (srp_address_parse (&b, "[2001:db8::1]:1"));
  g_assert_true (srp_address_equal (&a, &b));
  g_assert_cmpuint (srp_address_hash (&a), ==, srp_address_hash (&b));
  g_assert_true (srp_address_parse (&a, "[::ffff:1.2.3.4]:5"));
  g_assert_cmpstr (srp_address_to_string (&a, buf), ==, "[::ffff:102:304]:5");
}

static void
test_rejects (void)
{
  const char *bad[] = {
    "", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3:4", "1.2.3.4.5:6", "256.1.1.1:1",
    "a.b.c.d:1", "::1:5", "[::1]", "[::1]:", "[::1:5", "[1:2:3:4:5:6:7:8:9]:1", "[1::2::3]:1",
    "[12345::]:1", "1.2.3.4:-1", " 1.2.3.4:5", "1.2.3.4:5 ", "[:1]:1", "[1:]:1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      SrpAddress a;
      if (srp_address_parse (&a, bad[i]))
        g_error ("accepted bad address \"%s\"", bad[i]);
    }
}

static void
test_same_ip (void)
{
  SrpAddress a, b, c;

  g_assert_true (srp_address_parse (&a, "10.0.0.1:1"));
  g_assert_true (srp_address_parse (&b, "10.0.0.1:2"));
  g_assert_true (srp_address_parse (&c, "10.0.0.2:1"));
  g_assert_true (srp_address_same_ip (&a, &b));
  g_assert_false (srp_address_equal (&a, &b));
  g_assert_false (srp_address_same_ip (&a, &c));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/address/roundtrip", test_roundtrip);
  g_test_add_func ("/address/normalises", test_normalises);
  g_test_add_func ("/address/rejects", test_rejects);
  g_test_add_func ("/address/same-ip", test_same_ip);
  return g_test_run ();
}
