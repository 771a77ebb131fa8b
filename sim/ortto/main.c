/* main.c: ortto-sim, the core simulator with Ortto's API. */
#include "api.h"
#include "cli.h"

int main(int argc, char **argv) { return cli_main(&ortto_api, argc, argv); }
