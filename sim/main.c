/* main.c: autopilot-sim's entry point (placeholder until the simulator lands). */
#include <stdio.h>
int main(void) { fputs("autopilot-sim: not built yet\n", stderr); return 1; }
