/* rule_cases.h: the rules suite's cases, shared by test_rule (SQLite) and test_postgres_dialect (both
 * engines): seven profiles, the saved segments, and each rule with the ids it selects. */
#ifndef SEGSHIP_TEST_RULE_CASES_H
#define SEGSHIP_TEST_RULE_CASES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "segment/rule.h"
#include "util/error.h"

/* 2024-06-30T12:00:00Z: the "now" of every relative date below. */
#define NOW_MS (INT64_C(1719748800) * 1000)


/* Profiles 1..7. Empty cells are empty values (NULL). Nothing is an attribute with no value at all. */
static const char *const profiles_csv =
    "CustomerId,Country,City,Name,LifetimeValue,Orders,IsSubscribed,SignupDate,LastSeen,Zip,Nothing,"
    "\"Odd Name\",\"x\"\"; DROP TABLE profiles; --\"\n"
    "1,Spain,Málaga,ÉCOLE Primaire,150.5,3,true,2024-01-15,2024-06-29T10:00:00Z,28001,,a,p\n"
    "2,spain,Madrid,Juan Pérez,20,1,false,2023-05-01,2024-05-01T00:00:00Z,08001,,b,q\n"
    "3,France,Paris,école normale,,0,,2024-06-30,,75001,,,\n"
    "4,,,Anna,1000,10,true,2019-12-31,2024-06-30T11:59:59Z,,,a,\n"
    "5,Italy,Milano,O'Brien; DROP TABLE profiles; --,0,2,false,,2024-01-01T23:59:59Z,20100,,,\n"
    "6,Germany,Berlin,\"say \"\"hi\"\" /* x */ \\\",75,5,true,2024-06-01,2024-06-30T12:00:01Z,10115,,,\n"
    "7,ESPAÑA,Cádiz,Zoë,-5.25,4,true,2024-03-31,2024-03-31T23:00:00+02:00,,,,\n";

/* ---- segments, as the lead's store would give them ---- */

static const struct {
  const char *name, *rule;
} saved[] = {
    {"VIP", "LifetimeValue >= 100"},
    {"Spanish", "Country = \"Spain\""},
    {"VipNotSpanish", "in segment \"vip\" and not in segment \"SPANISH\""},
    {"SelfRef", "Orders > 1 or in segment \"selfref\""},
    {"A", "Orders > 1 and in segment \"B\""},
    {"B", "in segment \"A\""},
    {"C1", "in segment \"C2\""},
    {"C2", "in segment \"C3\""},
    {"C3", "Orders = 1 or in segment \"C1\""},
    {"Broken", "Contry = \"Spain\""},
    {"BadSyntax", "Country = "},
    {"Unsubscribed", "not IsSubscribed"},
};

/* N1 uses N2 ... uses N20 (too deep); E11 uses E12 four times ... (4^9 conditions); Many: 20000 values. */
static char many_rule[RULE_MAX_BYTES];


static seg_code lookup(void *ctx, const char *name, char **rule_text, char *canonical, size_t cap, seg_err *err) {
  int *calls = ctx;
  if (calls) (*calls)++;
  char generated[160];
  const char *found = NULL, *rule = NULL;
  for (size_t i = 0; i < sizeof saved / sizeof *saved; i++)
    if (strcasecmp(saved[i].name, name) == 0) {
      found = saved[i].name;
      rule = saved[i].rule;
    }
  int k;
  if (!found && (name[0] == 'N' || name[0] == 'E') && sscanf(name + 1, "%d", &k) == 1 && k >= 1 && k <= 20) {
    if (k == 20) snprintf(generated, sizeof generated, name[0] == 'N' ? "Orders = 20" : "Orders is empty");
    else if (name[0] == 'N') snprintf(generated, sizeof generated, "in segment \"N%d\"", k + 1);
    else
      snprintf(generated, sizeof generated, "in segment \"E%d\" or in segment \"E%d\" or in segment \"E%d\" or "
               "in segment \"E%d\"", k + 1, k + 1, k + 1, k + 1);
    found = name;
    rule = generated;
  }
  if (!found && strcmp(name, "Failing") == 0) return seg_err_set(err, SEG_ESTORE, "the store is busy; try again");
  if (!found && strcmp(name, "Many") == 0) {
    found = name;
    rule = many_rule;
  }
  if (!found) return seg_err_set(err, SEG_ENOTFOUND, "there is no segment '%s'", name);
  *rule_text = strdup(rule);
  snprintf(canonical, cap, "%s", found);
  return SEG_OK;
}


typedef struct rule_case {
  const char *group; /* the test_rule function it belongs to */
  const char *rule;
  const char *ids; /* the profiles it selects, "1,3" */
} rule_case;

static const rule_case rule_cases[] = {
    {"numbers", "Orders = 3", "1"},
    {"numbers", "Orders != 3", "2,3,4,5,6,7"},
    {"numbers", "Orders < 2", "2,3"},
    {"numbers", "Orders <= 2", "2,3,5"},
    {"numbers", "Orders > 4", "4,6"},
    {"numbers", "Orders >= 4", "4,6,7"},
    {"numbers", "Orders == 10", "4"},
    {"numbers", "Orders <> 0", "1,2,4,5,6,7"},
    {"numbers", "LifetimeValue > 100", "1,4"},
    {"numbers", "LifetimeValue = 150.5", "1"},
    {"numbers", "LifetimeValue < 0", "7"},
    {"numbers", "LifetimeValue >= -5.25", "1,2,4,5,6,7"},
    {"numbers", "LifetimeValue != 0", "1,2,4,6,7"}, /* 3 is empty: not "not 0" */
    {"numbers", "LifetimeValue = 1.5e2", ""},
    {"numbers", "LifetimeValue <= 2e1", "2,5,7"},
    {"numbers", "Orders = \"3\"", "1"}, /* a quoted number is read as a number */
    {"numbers", "Orders between 1 and 3", "1,2,5"},
    {"numbers", "Orders not between 1 and 3", "3,4,6,7"},
    {"numbers", "LifetimeValue between -10 and 20", "2,5,7"},
    {"numbers", "Orders in (0, 10)", "3,4"},
    {"numbers", "Orders not in (0, 10)", "1,2,5,6,7"},
    {"numbers", "LifetimeValue in (20, 75, 1.5)", "2,6"},
    {"numbers", "Orders > 2.5", "1,4,6,7"},
    {"text_case_insensitive", "Country = \"spain\"", "1,2"},
    {"text_case_insensitive", "Country = 'SPAIN'", "1,2"},
    {"text_case_insensitive", "Country = \"España\"", "7"},
    {"text_case_insensitive", "Country = \"españa\"", "7"}, /* Ñ folds to ñ */
    {"text_case_insensitive", "Country != \"Spain\"", "3,5,6,7"},
    {"text_case_insensitive", "Country in (\"FRANCE\", \"italy\")", "3,5"},
    {"text_case_insensitive", "Country not in (\"Spain\")", "3,5,6,7"},
    {"text_case_insensitive", "Country < \"g\"", "3,7"},
    {"text_case_insensitive", "Country between \"f\" and \"h\"", "3,6"},
    {"text_case_insensitive", "City = \"málaga\"", "1"},
    {"text_case_insensitive", "City = \"MÁLAGA\"", "1"},
    {"text_case_insensitive", "City = \"malaga\"", ""}, /* accents matter, case does not */
    {"text_case_insensitive", "Name contains \"ÉCOLE\"", "1,3"},
    {"text_case_insensitive", "Name contains \"pérez\"", "2"},
    {"text_case_insensitive", "Name starts with \"JUAN\"", "2"},
    {"text_case_insensitive", "Name ends with \"PRIMAIRE\"", "1"},
    {"text_case_insensitive", "Name ends with \"zoË\"", "7"},
    {"text_case_insensitive", "Zip = 28001", "1"}, /* a number against text is compared as written */
    {"text_case_insensitive", "Zip = 08001", "2"},
    {"text_case_insensitive", "Zip = \"08001\"", "2"},
    {"text_case_insensitive", "Zip starts with 0", "2"},
    {"text_case_insensitive", "Zip in (75001, 20100)", "3,5"},
    {"text_case_insensitive", "`Odd Name` = \"A\"", "1,4"},
    {"text_case_insensitive", "Zip > \"28000\"", "1,3"}, /* text order, as asked */
    {"booleans", "IsSubscribed", "1,4,6,7"},
    {"booleans", "not IsSubscribed", "2,3,5"}, /* 3 has no value */
    {"booleans", "IsSubscribed = true", "1,4,6,7"},
    {"booleans", "IsSubscribed = FALSE", "2,5"},
    {"booleans", "IsSubscribed != true", "2,5"},
    {"booleans", "IsSubscribed = \"true\"", "1,4,6,7"},
    {"booleans", "issubscribed and Orders > 4", "4,6"},
    {"booleans", "IsSubscribed in (false)", "2,5"},
    {"dates", "SignupDate before 2024-01-01", "2,4"},
    {"dates", "SignupDate after \"2024-01-15\"", "3,6,7"},
    {"dates", "SignupDate = 2024-06-30", "3"},
    {"dates", "SignupDate >= 2024-01-15", "1,3,6,7"},
    {"dates", "SignupDate < '2024-01-15'", "2,4"},
    {"dates", "SignupDate between 2023-01-01 and 2024-01-15", "1,2"},
    {"dates", "SignupDate in (2019-12-31, 2024-06-01)", "4,6"},
    {"dates", "SignupDate != 2024-06-30", "1,2,4,6,7"},
    {"datetimes", "LastSeen = 2024-06-30", "4,6"},
    {"datetimes", "LastSeen != 2024-06-30", "1,2,5,7"},
    {"datetimes", "LastSeen before 2024-06-30", "1,2,5,7"},
    {"datetimes", "LastSeen after 2024-06-29", "4,6"},
    {"datetimes", "LastSeen <= 2024-06-29", "1,2,5,7"},
    {"datetimes", "LastSeen >= 2024-06-29", "1,4,6"},
    {"datetimes", "LastSeen < 2024-06-29", "2,5,7"},
    {"datetimes", "LastSeen > \"2024-06-30T11:59:59Z\"", "6"},
    {"datetimes", "LastSeen = \"2024-05-01T00:00:00Z\"", "2"},
    {"datetimes", "LastSeen = \"2024-05-01T02:00:00+02:00\"", "2"},
    {"datetimes", "LastSeen = \"2024-05-01 00:00\"", "2"},
    {"datetimes", "LastSeen = 2024-03-31", "7"}, /* 23:00 at +02:00 is 21:00 UTC */
    {"datetimes", "LastSeen between 2024-05-01 and 2024-06-29", "1,2"},
    {"datetimes", "LastSeen in (2024-01-01, 2024-05-01)", "2,5"},
    {"datetimes", "LastSeen in (2024-01-01, \"2024-06-29T10:00:00Z\")", "1,5"},
    {"datetimes", "LastSeen not in (2024-01-01)", "1,2,4,6,7"},
    {"datetimes", "LastSeen not in (2024-01-01, 2024-06-30)", "1,2,7"},
    {"datetimes", "not (LastSeen in (2024-01-01, 2024-06-30))", "1,2,3,7"},
    {"datetimes", "LastSeen not between 2024-01-02 and 2024-06-29", "4,5,6"},
    {"relative_dates", "SignupDate within last 30 days", "3,6"}, /* from 2024-05-31 through today */
    {"relative_dates", "SignupDate within last 29 days", "3,6"}, /* from 2024-06-01 */
    {"relative_dates", "SignupDate within last 28 days", "3"},
    {"relative_dates", "SignupDate within last 30 DAYS", "3,6"},
    {"relative_dates", "SignupDate within last 1 month", "3,6"}, /* from 2024-05-30 */
    {"relative_dates", "SignupDate within last 3 months", "3,6,7"}, /* from 2024-03-30 */
    {"relative_dates", "SignupDate within last 1 year", "1,3,6,7"}, /* from 2023-06-30 */
    {"relative_dates", "SignupDate within last 0 days", "3"}, /* today */
    {"relative_dates", "SignupDate within last 4 weeks", "3"}, /* from 2024-06-02 */
    {"relative_dates", "SignupDate within last 5 weeks", "3,6"},
    {"relative_dates", "SignupDate within next 10 days", "3"}, /* today counts */
    {"relative_dates", "LastSeen within last 24 hours", "4"}, /* 1 is 26 hours ago; 6 is in the future */
    {"relative_dates", "LastSeen within last 2 days", "1,4"},
    {"relative_dates", "LastSeen within next 1 hour", "6"},
    {"relative_dates", "LastSeen within last 1 hour", "4"},
    {"relative_dates", "not (LastSeen within last 2 days)", "2,3,5,6,7"},
    {"relative_dates", "SignupDate within last 100000 years", "1,2,3,4,6,7"},
    {"empty_values", "Country is empty", "4"},
    {"empty_values", "Country IS NOT EMPTY", "1,2,3,5,6,7"},
    {"empty_values", "LifetimeValue is empty", "3"},
    {"empty_values", "SignupDate is empty", "5"},
    {"empty_values", "Nothing is empty", "1,2,3,4,5,6,7"},
    {"empty_values", "Nothing is not empty", ""},
    {"empty_values", "Nothing = \"x\"", ""}, /* an attribute that never had a value counts as text */
    {"empty_values", "not (Nothing = \"x\")", "1,2,3,4,5,6,7"},
    {"empty_values", "not (Country is empty)", "1,2,3,5,6,7"},
    {"precedence", "Country = \"Spain\" or Country = \"France\" and Orders = 0", "1,2,3"},
    {"precedence", "(Country = \"Spain\" or Country = \"France\") and Orders = 0", "3"},
    {"precedence", "Orders = 0 and Country = \"France\" or Country = \"Spain\"", "1,2,3"},
    {"precedence", "Orders = 0 and (Country = \"Italy\" or Country = \"France\")", "3"},
    {"precedence", "not Country = \"Spain\" and Orders > 2", "4,6,7"},
    {"precedence", "not (Country = \"Spain\" and Orders > 2)", "2,3,4,5,6,7"},
    {"precedence", "NOT IsSubscribed OR Orders = 10", "2,3,4,5"},
    {"precedence", "Orders between 1 and 3 and Country = \"Spain\"", "1,2"}, /* between's 'and' is its own */
    {"precedence", "((((Orders = 1))))", "2"},
    {"precedence", "Orders = 1 or Orders = 2 or Orders = 3 and Country = \"Spain\"", "1,2,5"},
    {"not_includes_empty", "not (Country = \"Spain\")", "3,4,5,6,7"},
    {"not_includes_empty", "not (LifetimeValue > 100)", "2,3,5,6,7"},
    {"not_includes_empty", "not not (Country = \"Spain\")", "1,2"},
    {"not_includes_empty", "not (Country != \"Spain\")", "1,2,4"},
    {"not_includes_empty", "not (Country in (\"Spain\"))", "3,4,5,6,7"},
    {"not_includes_empty", "not (Country not in (\"Spain\"))", "1,2,4"},
    {"not_includes_empty", "not (Name contains \"o\")", "2,4,6"},
    {"not_includes_empty", "not (SignupDate before 2024-01-01)", "1,3,5,6,7"},
    {"not_includes_empty", "not (Country = \"Spain\" or LifetimeValue > 100)", "3,5,6,7"},
    {"not_includes_empty", "not (Country = \"Spain\" and LifetimeValue > 100)", "2,3,4,5,6,7"},
    {"not_includes_empty", "not (Orders > 3 and not (Country = \"Germany\"))", "1,2,3,5,6"},
    {"not_includes_empty", "not (LastSeen = 2024-06-30)", "1,2,3,5,7"},
    {"not_includes_empty", "not (SignupDate between 2024-01-01 and 2024-12-31)", "2,4,5"},
    {"segments", "in segment \"vip\"", "1,4"},
    {"segments", "in segment \"VIP\" or in segment \"Spanish\"", "1,2,4"}, /* union */
    {"segments", "in segment \"VIP\" and in segment \"Spanish\"", "1"}, /* intersect */
    {"segments", "in segment \"VIP\" and not in segment \"Spanish\"", "4"}, /* except */
    {"segments", "not in segment \"VIP\"", "2,3,5,6,7"}, /* 3: no LifetimeValue */
    {"segments", "in segment \"VipNotSpanish\"", "4"},
    {"segments", "not in segment \"VipNotSpanish\"", "1,2,3,5,6,7"},
    {"segments", "in segment \"Unsubscribed\" and Orders > 0", "2,5"},
    {"segments", "not in segment \"Unsubscribed\"", "1,4,6,7"},
    {"segment_errors", "in segment \"E18\"", ""}, /* 4^2 conditions: fine */
    {"segment_errors", "in segment \"Many\"", "2,3"},
    {"segment_errors", "in segment \"N5\"", ""}, /* 16 segments deep is fine, 17 is not */
    {"injection_is_inert", "Name = \"O'Brien; DROP TABLE profiles; --\"", "5"},
    {"injection_is_inert", "Name = 'O\\'Brien; DROP TABLE profiles; --'", "5"},
    {"injection_is_inert", "Name contains \"/* x */\"", "6"},
    {"injection_is_inert", "Name = \"say \\\"hi\\\" /* x */ \\\\\"", "6"},
    {"injection_is_inert", "Name contains \"'\"", "5"},
    {"injection_is_inert", "Name contains \"\\\"\"", "6"},
    {"injection_is_inert", "Country = \"x' OR 1=1 --\"", ""},
    {"injection_is_inert", "Country in (\"Spain\", \"') OR ('1'='1\")", "1,2"},
    {"injection_is_inert", "`x\"; DROP TABLE profiles; --` = \"P\"", "1"},
    {"injection_is_inert", "`x\"; drop table PROFILES; --` is not empty", "1,2"},
    {"injection_is_inert", "CustomerId is not empty", "1,2,3,4,5,6,7"}, /* the table is still there */
};
#define N_RULE_CASES (sizeof rule_cases / sizeof *rule_cases)

#endif
