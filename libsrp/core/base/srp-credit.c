/* srp-credit.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-credit.h"

struct _SrpCredit {
  gint refs;
  gsize left; /* bytes out it may still pay */
};

SrpCredit *
srp_credit_new (gsize bytes_in)
{
  SrpCredit *credit = g_new0 (SrpCredit, 1);

  credit->refs = 1;
  credit->left = MIN (bytes_in * SRP_CREDIT_FACTOR, (gsize) SRP_CREDIT_MAX);
  return credit;
}

SrpCredit *
srp_credit_ref (SrpCredit *credit)
{
  if (credit != NULL)
    credit->refs++;
  return credit;
}

void
srp_credit_unref (SrpCredit *credit)
{
  if (credit != NULL && --credit->refs == 0)
    g_free (credit);
}

void
srp_credit_earn (SrpCredit *credit, gsize bytes_in)
{
  if (credit == NULL)
    return;
  credit->left = MIN (credit->left + bytes_in * SRP_CREDIT_FACTOR, (gsize) SRP_CREDIT_MAX);
}

gboolean
srp_credit_spend (SrpCredit *credit, gsize bytes_out)
{
  if (credit == NULL)
    return TRUE;
  if (credit->left < bytes_out)
    return FALSE;
  credit->left -= bytes_out;
  return TRUE;
}

gsize
srp_credit_left (const SrpCredit *credit)
{
  return credit != NULL ? credit->left : G_MAXSIZE;
}

void
srp_credit_set (SrpCredit **slot, SrpCredit *credit)
{
  SrpCredit *old = *slot;

  *slot = srp_credit_ref (credit);
  srp_credit_unref (old);
}
