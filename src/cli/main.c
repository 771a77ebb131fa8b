/* main.c: segship's entry point; dispatches to the command tables. */
#include <stdio.h>
int main(int argc, char **argv) { (void)argc; (void)argv; puts("segship"); return 0; }
