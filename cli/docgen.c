/*
 * docgen.c - the man page tongchou(1) and the bash completion, made from
 * the command table: the same text `tongchou COMMAND --help` prints, so
 * the three never disagree.  The build runs `tongchou help --man` and
 * `tongchou help --bash-completion` (cli/CMakeLists.txt).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/version.h"

/* Text for troff: a leading '.' or '\'' escaped, backslashes doubled. */
static void roff(FILE *f, const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", f);
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
        bol = *s == '\n';
    }
}

void tc_cli_man(FILE *f)
{
    size_t n;
    const tc_command *const *c = tc_cli_commands(&n);
    fprintf(f, ".TH TONGCHOU 1 \"\" \"tongchou %s\" \"tongchou manual\"\n", TC_VERSION);
    fputs(".SH NAME\ntongchou \\- the handover of county medical-insurance funds to city-level "
          "pooling\n.SH SYNOPSIS\n.B tongchou\n[\\-\\-version] [\\-\\-help] COMMAND [ARGS]\n"
          ".SH DESCRIPTION\nOne program, one subcommand per small tool: extract county ledgers "
          "into batches, map them to the city coding, reconcile, load into PostgreSQL, move "
          "each county's surplus with a signed, verifiable audit trail.  Money is an integer "
          "count of fen everywhere.\n.SH COMMANDS\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, ".SS \"tongchou %s ", c[i]->name);
        roff(f, c[i]->synopsis);
        fputs("\"\n", f);
        roff(f, c[i]->summary);
        fputs(".\n", f);
        if (c[i]->help && c[i]->help[0]) {
            fputs("\n.nf\n", f);
            roff(f, c[i]->help);
            fputs(".fi\n", f);
        }
    }
    fputs(".SH EXIT STATUS\n.TP\n0\ndone, and everything checked holds\n.TP\n1\ndone, but "
          "findings or rejects need attention\n.TP\n2\nusage error\n.TP\n3\nbad input: refused, "
          "nothing written\n.TP\n4\ndatabase or I/O failure: nothing committed by the failed "
          "step; safe to re\\-run\n.TP\n5\nintegrity failure: a digest, signature or control "
          "total does not match\n"
          ".SH ENVIRONMENT\n.TP\nDATABASE_URL, PGHOST, PGPORT, PGUSER, PGDATABASE\nthe city "
          "database when \\-\\-db is not given\n.TP\nTONGCHOU_KEY\nthe signing key with which "
          "extract, map, reconcile and load append to the audit trail\n.TP\nTONGCHOU_AUDIT\n"
          "the audit trail (default ./audit.trail)\n.TP\nNO_COLOR\nno colour on stderr\n"
          ".SH SEE ALSO\nREADME.md and docs/ in the source tree; the specifications in "
          "shared/spec/.\n", f);
}

/* The long options a command's help text names, space-separated. */
static void options_of(FILE *f, const char *help)
{
    for (const char *p = help; p && (p = strstr(p, "--")); p += 2) {
        if (p > help && p[-1] != ' ' && p[-1] != '(' && p[-1] != '[')
            continue;
        size_t k = 2;
        while ((p[k] >= 'a' && p[k] <= 'z') || p[k] == '-')
            k++;
        if (k > 2)
            fprintf(f, " %.*s", (int)k, p);
    }
}

void tc_cli_completion(FILE *f)
{
    size_t n;
    const tc_command *const *c = tc_cli_commands(&n);
    fputs("# bash completion for tongchou, made by `tongchou help --bash-completion`\n"
          "_tongchou() {\n  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} opts\n"
          "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n    COMPREPLY=($(compgen -W \"", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? " " : "", c[i]->name);
    fputs(" help --help --version\" -- \"$cur\"))\n    return\n  fi\n  case $cmd in\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "    %s) opts=\"--help", c[i]->name);
        options_of(f, c[i]->help);
        options_of(f, c[i]->synopsis);
        fputs("\" ;;\n", f);
    }
    fputs("    *) opts=\"\" ;;\n  esac\n  if [[ $cur == -* ]]; then\n"
          "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n  else\n"
          "    COMPREPLY=($(compgen -f -- \"$cur\"))\n  fi\n}\n"
          "complete -o filenames -F _tongchou tongchou\n", f);
}
