/* log.h - the agent's messages for people, always on stderr. */
#ifndef IFL_LOG_H
#define IFL_LOG_H

/* Set by main from --verbose; read by ifl_vlog. */
extern int ifl_verbose;

/* Print "initflash-agent: " + the message + a newline on stderr. */
void ifl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Like ifl_log, but only when --verbose was given. */
void ifl_vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
