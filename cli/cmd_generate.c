#include "cli/cmd.h"
int cmd_generate(int argc, char **argv) { (void)argc; (void)argv; return 2; }
