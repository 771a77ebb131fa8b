/* cli.h: the program around a simulator's API: its flags, keys, socket, signals and loop. */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include "sim.h"

/* Runs the simulator of api with the command line argv: returns the exit status (0; 1 when it
 * cannot listen or serve; 2 for bad flags, after one sentence on stderr). */
int cli_main(const sim_api *api, int argc, char **argv);

#endif
