/*
 * docgen.c - the man page tongchou(1) and the bash completion, made from
 * the command table: the same text `tongchou COMMAND --help` prints, and
 * each command's subcommands (tc_command.verbs), so the three never
 * disagree.  The build runs `tongchou help --man` and
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

/* Whether the space-separated list holds word. */
static int has_word(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p++)
        if ((p == list || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == '\0'))
            return 1;
    return 0;
}

/* Add the long options text names to list (space-separated), each once:
 * a help text names an option in its table and again in its prose. */
static void options_of(char *list, size_t n, const char *text)
{
    for (const char *p = text; p && (p = strstr(p, "--")); p += 2) {
        if (p > text && p[-1] != ' ' && p[-1] != '(' && p[-1] != '[')
            continue;
        size_t k = 2;
        while ((p[k] >= 'a' && p[k] <= 'z') || p[k] == '-')
            k++;
        char word[64];
        if (k <= 2 || k >= sizeof(word))
            continue;
        snprintf(word, sizeof(word), "%.*s", (int)k, p);
        size_t have = strlen(list);
        if (!has_word(list, word))
            snprintf(list + have, n - have, "%s%s", have ? " " : "", word);
    }
}

void tc_cli_completion(FILE *f)
{
    size_t n;
    const tc_command *const *c = tc_cli_commands(&n);
    char names[1024] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? " " : "",
                 c[i]->name);
    fputs("# bash completion for tongchou, made by `tongchou help --bash-completion`\n"
          "_tongchou() {\n"
          "  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} opts= verbs= w\n"
          "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n", f);
    fprintf(f, "    COMPREPLY=($(compgen -W \"%s help --help --version\" -- \"$cur\"))\n"
               "    return\n  fi\n  case $cmd in\n", names);
    for (size_t i = 0; i < n; i++) {
        char opts[2048] = "--help";
        options_of(opts, sizeof(opts), c[i]->synopsis);
        options_of(opts, sizeof(opts), c[i]->help);
        fprintf(f, "    %s) opts=\"%s\"", c[i]->name, opts);
        if (c[i]->verbs)
            fprintf(f, "; verbs=\"%s\"", c[i]->verbs);
        fputs(" ;;\n", f);
    }
    fprintf(f, "    help) opts=\"--man --bash-completion\"; verbs=\"%s\" ;;\n", names);
    /* a subcommand is offered until one is on the line */
    fputs("  esac\n"
          "  for w in \"${COMP_WORDS[@]:2:COMP_CWORD-2}\"; do\n"
          "    [[ \" $verbs \" == *\" $w \"* ]] && verbs=\n"
          "  done\n"
          "  if [[ $cur == -* ]]; then\n"
          "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
          "  elif [ -n \"$verbs\" ]; then\n"
          "    COMPREPLY=($(compgen -W \"$verbs\" -- \"$cur\"))\n"
          "  else\n"
          "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "  fi\n}\n"
          "complete -o filenames -F _tongchou tongchou\n", f);
}
