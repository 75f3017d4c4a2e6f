/* cli.h - the initflash command line: global options, command dispatch, exit status. */
#ifndef IFL_CLI_H
#define IFL_CLI_H

/*
 * Run initflash with argv; prints the failure, if any, and returns the exit
 * status (enum ifl_exit) for main to exit with.
 */
int ifl_cli_main(int argc, char **argv);

#endif
