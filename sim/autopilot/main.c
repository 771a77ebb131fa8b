/* main.c: autopilot-sim, the core simulator with Autopilot's API. */
#include "api.h"
#include "cli.h"

int main(int argc, char **argv) { return cli_main(&autopilot_api, argc, argv); }
