/* main.c - the initflash host sender: all logic lives in cli.c and below. */
#include <stdlib.h>

#include "cli.h"

int main(int argc, char **argv)
{
	exit(ifl_cli_main(argc, argv));
}
