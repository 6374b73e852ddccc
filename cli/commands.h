/*
 * commands.h - the subcommand groups of the `zhiliang` tool.
 *
 * Each group lives in cli/cmd_<group>.c and is only a client of the public
 * library API. Every entry point takes the arguments after the group name
 * (argv[0] is the group name) and returns the process exit code:
 * 0 ok, 1 failure, 2 usage error.
 */
#ifndef ZL_CLI_COMMANDS_H
#define ZL_CLI_COMMANDS_H

int cmd_init(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_id(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_recall(int argc, char **argv);
int cmd_party(int argc, char **argv);
int cmd_product(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_reindex(int argc, char **argv);
int cmd_sampling(int argc, char **argv);
int cmd_draw(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_inspect_spot(int argc, char **argv);
int cmd_inspect_spot_verb(const char *verb);
int cmd_migrate(int argc, char **argv);
int cmd_supervise(int argc, char **argv);
int cmd_credit(int argc, char **argv);
int cmd_spc(int argc, char **argv);
int cmd_risk(int argc, char **argv);
int cmd_risk_intake(int argc, char **argv);  /* report, reports, show */
int cmd_risk_handle(int argc, char **argv);  /* review, case, overdue */
int cmd_risk_dispose(int argc, char **argv); /* risk cases, disposal */
int cmd_inspect_risk(int argc, char **argv); /* inspect risk TASK */
int cmd_convert(int argc, char **argv);

#endif
