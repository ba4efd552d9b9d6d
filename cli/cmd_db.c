#include "cli/cmd.h"
int cmd_db(int argc, char **argv) { (void)argc; (void)argv; return 2; }
