/*
 * cmd_spc_stream.h - `zhiliang spc stream|append|alarms` (cmd_spc_stream.c),
 * reached through cmd_spc.c.
 */
#ifndef ZL_CMD_SPC_STREAM_H
#define ZL_CMD_SPC_STREAM_H

#include <stdio.h>

/* argv[0] is "stream", "append" or "alarms". Returns an exit code. */
int cmd_spc_live(int argc, char **argv);
/* The usage lines of these subcommands. */
void cmd_spc_stream_usage(FILE *f);

#endif
